from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_prepmt_percent = fields.Float(
        "Customer Prepayment %",
        company_dependent=True,
        digits=(5, 2),
        help="Default share of a sales order that this customer must pay in advance "
        "(used when no prepayment rule applies).",
    )
    vendor_prepmt_percent = fields.Float(
        "Vendor Prepayment %",
        company_dependent=True,
        digits=(5, 2),
        help="Default share of a purchase order that is paid in advance to this vendor "
        "(used when no prepayment rule applies).",
    )
    # company-dependent, like Odoo's customer and vendor payment terms
    customer_prepmt_payment_term_id = fields.Many2one(
        "account.payment.term",
        "Customer Prepayment Payment Terms",
        company_dependent=True,
        help="Payment terms of the prepayment invoices of this customer's sales orders. "
        "Empty: the order's payment terms.",
    )
    vendor_prepmt_payment_term_id = fields.Many2one(
        "account.payment.term",
        "Vendor Prepayment Payment Terms",
        company_dependent=True,
        help="Payment terms of the prepayment bills of this vendor's purchase orders. "
        "Empty: the order's payment terms.",
    )

    prepmt_open_count = fields.Integer(
        "Open Prepayments",
        compute="_compute_prepmt_open_count",
        groups="sales_team.group_sale_salesman,purchase.group_purchase_user,"
        "account.group_account_invoice,account.group_account_readonly",
    )

    def _prepmt_open_domain(self):
        return [
            ("partner_id", "in", self.commercial_partner_id.ids),
            "|",
            ("outstanding", "!=", 0),
            ("prepmt_state", "in", ("to_invoice", "waiting_payment")),
        ]

    def _compute_prepmt_open_count(self):
        Analysis = self.env["prepayment.analysis"]
        for partner in self:
            # one row per order and prepayment account: count the orders
            rows = Analysis.search(partner._prepmt_open_domain()) if partner.id else Analysis
            partner.prepmt_open_count = len(
                set(rows.mapped(lambda r: (r.order_type, r.order_name)))
            )

    def action_view_prepmt_open(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prepayment_addon.action_prepayment_analysis"
        )
        action["domain"] = [("partner_id", "in", self.commercial_partner_id.ids)]
        # a partner may be customer and vendor: its two sides grouped apart
        action["context"] = {"search_default_open": 1, "search_default_group_type": 1}
        return action

    @api.constrains("customer_prepmt_percent", "vendor_prepmt_percent")
    def _check_prepmt_percent(self):
        for partner in self:
            for value in (partner.customer_prepmt_percent, partner.vendor_prepmt_percent):
                if not 0 <= (value or 0.0) <= 100:
                    raise ValidationError(
                        self.env._(
                            "The prepayment %% of %(partner)s must be between 0 and 100.",
                            partner=partner.display_name,
                        )
                    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "customer_prepmt_percent",
            "vendor_prepmt_percent",
            "customer_prepmt_payment_term_id",
            "vendor_prepmt_payment_term_id",
        ]
