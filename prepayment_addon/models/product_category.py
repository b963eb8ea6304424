from odoo import api, fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    # company-dependent, like Odoo's own Down Payment Account of the category
    prepmt_sale_account_id = fields.Many2one(
        "account.account",
        "Sales Prepayment Account",
        company_dependent=True,
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current')),"
        " ('deprecated', '=', False)]",
        help="Customer prepayments of the products of this category (and of its "
        "sub-categories that have none of their own) are held on this account. Empty: "
        "the parent category's, else the company's sales prepayment account (Settings > "
        "Sales > Prepayments). The fiscal position's account mapping applies on top.",
    )
    prepmt_purchase_account_id = fields.Many2one(
        "account.account",
        "Purchase Prepayment Account",
        company_dependent=True,
        domain="[('account_type', 'in', ('asset_prepayments', 'asset_current')),"
        " ('deprecated', '=', False)]",
        help="Prepayments to vendors for the products of this category (and of its "
        "sub-categories that have none of their own) are held on this account. Empty: "
        "the parent category's, else the company's purchase prepayment account (Settings "
        "> Purchase > Prepayments). The fiscal position's account mapping applies on top.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        categories = super().create(vals_list)
        categories._prepmt_make_reconcilable(set().union(*vals_list))
        return categories

    def write(self, vals):
        res = super().write(vals)
        self._prepmt_make_reconcilable(vals)
        return res

    def _prepmt_make_reconcilable(self, field_names):
        # like the company accounts: the open items of a prepayment account are the
        # outstanding prepayments, so it is reconcilable
        fields_ = self.env["prepayment.order.mixin"]._prepmt_adapter_values("_prepmt_account_field")
        for field in set(fields_) & set(field_names):
            self.mapped(field).sudo().filtered(lambda a: not a.reconcile).reconcile = True

    def _prepmt_category_account(self, field):
        """The account of ``field`` of this category, or of its nearest parent that has one
        (in the environment's company); empty when none has."""
        self.ensure_one()
        categ = self
        while categ:
            if categ[field]:
                return categ[field]
            categ = categ.parent_id
        return self.env["account.account"]
