import logging

from odoo import api, fields, models
from odoo.fields import Command

_logger = logging.getLogger(__name__)

# When the final invoices (bills) of an order deduct its prepayment (issue 24): the company's
# default and each order's choice (prepayment.order.mixin.prepmt_deduction_plan), applied by
# prepayment.line.mixin._prepmt_deduction_for_qty
DEDUCTION_PLANS = [
    ("proportional", "In Proportion to the Quantity Invoiced"),
    ("first", "All on the First Final Invoice"),
    ("last", "All on the Last Final Invoice"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    prepmt_sale_account_id = fields.Many2one(
        "account.account",
        "Sales Prepayment Account",
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current')),"
        " ('deprecated', '=', False)]",
        help="Current liability that holds the prepayments received from customers until "
        "the final invoices deduct them.",
    )
    prepmt_purchase_account_id = fields.Many2one(
        "account.account",
        "Purchase Prepayment Account",
        domain="[('account_type', 'in', ('asset_prepayments', 'asset_current')),"
        " ('deprecated', '=', False)]",
        help="Asset that holds the prepayments made to vendors until the final bills deduct them.",
    )
    prepmt_sale_journal_id = fields.Many2one(
        "account.journal",
        "Sales Prepayment Journal",
        domain="[('type', '=', 'sale')]",
        help="Journal of prepayment invoices and credit memos. Empty: the sales journal. "
        "A dedicated journal gives prepayment documents their own numbering.",
    )
    prepmt_purchase_journal_id = fields.Many2one(
        "account.journal",
        "Purchase Prepayment Journal",
        domain="[('type', '=', 'purchase')]",
        help="Journal of prepayment bills and refunds. Empty: the purchase journal.",
    )
    prepmt_auto_post = fields.Boolean(
        "Post Prepayment Documents at Once",
        default=True,
        help="Off: prepayment documents are left in draft for review.",
    )
    prepmt_compress_default = fields.Boolean(
        "Group Prepayment Lines",
        default=True,
        help="Default for new orders: one prepayment line per account, taxes and analytic "
        "distribution instead of one per order line.",
    )
    prepmt_sale_check = fields.Boolean(
        "Check Prepayment Before Delivery and Final Invoice",
        help="Refuse to validate deliveries and post final invoices of sales orders whose "
        "prepayment is not fully invoiced and paid.",
    )
    prepmt_purchase_check = fields.Boolean(
        "Check Prepayment Before Receipt and Final Bill",
        help="Refuse to validate receipts and post final bills of purchase orders whose "
        "prepayment is not fully invoiced and paid.",
    )
    prepmt_purchase_require_ref = fields.Boolean(
        "Vendor Reference on Prepayment Bills",
        help="Ask for the vendor's reference (their invoice number) when issuing a prepayment "
        "bill or refund.",
    )
    prepmt_sale_reminder_mail = fields.Boolean(
        "E-mail Overdue Prepayment Reminders",
        help="The daily reminder of overdue prepayments also e-mails the customer (the "
        "salesperson always gets an activity).",
    )
    prepmt_allow_quotation = fields.Boolean(
        "Prepayment Invoices on Quotations",
        help="Allow prepayment invoices on quotations and RFQs, before confirmation.",
    )
    prepmt_deduction_plan = fields.Selection(
        DEDUCTION_PLANS,
        "Prepayment Deduction Plan",
        default="proportional",
        required=True,
        help="Default for new orders (sales and purchase): how their final invoices and bills "
        "deduct the prepayment. In proportion to the quantity invoiced (as Business Central "
        "does), all of it on the first final document (as far as that document bills), or "
        "nothing until the document that invoices the last quantity.",
    )
    prepmt_mass_invoice_threshold = fields.Integer(
        "Prepayment Invoices in the Background Above",
        default=20,
        help="Create Prepayment Invoices of the order lists: a selection of more orders than "
        "this is invoiced in the background, in batches (0: always in the background).",
    )

    # ------------------------------------------------------------------
    def write(self, vals):
        res = super().write(vals)
        for field in set(self._prepmt_account_fields()) & set(vals):
            # a chosen account becomes reconcilable, like the ones created on install: its
            # open items are the outstanding prepayments
            self.mapped(field).sudo().filtered(lambda a: not a.reconcile).reconcile = True
        return res

    @api.model
    def _prepmt_account_fields(self):
        """The company fields that hold a prepayment account, one per order model."""
        return self.env["prepayment.order.mixin"]._prepmt_adapter_values("_prepmt_account_field")

    def _prepmt_ensure_accounts(self):
        """Give the companies that have a chart of accounts the prepayment accounts they lack
        (each order model says which, see ``_prepmt_account_template``), reconcilable.

        A branch has no accounts of its own in Odoo 18: it uses its parent companies' (an
        account belongs to the root company, with one code per root, and every branch below
        sees it). So a branch gets its parent's prepayment accounts, made on the root company
        first if need be, as Odoo gives a branch its parent's default accounts when it loads
        the chart."""
        Account = self.env["account.account"].sudo()
        for company in self.sudo():
            if not company.chart_template:
                continue
            if company.parent_id:
                # the chart of the root loads its branches' first (account.chart.template
                # _load), so the parent may not have its accounts yet
                company.parent_id._prepmt_ensure_accounts()
                for field in self._prepmt_account_fields():
                    if not company[field] and company.parent_id[field]:
                        company[field] = company.parent_id[field]
                continue
            for model in self.env["prepayment.order.mixin"]._prepmt_order_models():
                Order = self.env[model]
                field = Order._prepmt_account_field
                if company[field]:
                    # its open items are the outstanding prepayments (see account.move
                    # _prepmt_reconcile)
                    if not company[field].reconcile:
                        company[field].reconcile = True
                    continue
                template = Order._prepmt_account_template()
                account = Account.with_company(company).create(
                    {
                        "name": template["name"],
                        "code": company._prepmt_new_account_code(template),
                        "account_type": template["account_type"],
                        "reconcile": True,
                        "company_ids": [Command.set(company.ids)],
                    }
                )
                company[field] = account
                _logger.info(
                    "Created prepayment account %s %s for %s",
                    account.code,
                    account.name,
                    company.name,
                )

    def _prepmt_company_account(self, field):
        """The company's prepayment account in ``field``, else its nearest parent
        company's (a branch uses its parents' accounts)."""
        self.ensure_one()
        for company in reversed(self.sudo().parent_ids):
            if company[field]:
                return company[field].with_env(self.env)
        return self.env["account.account"]

    def _prepmt_new_account_code(self, template):
        """A free code next to the chart's first account of the template's type."""
        self.ensure_one()
        Account = self.env["account.account"].sudo().with_company(self)
        start = Account.browse()
        for account_type in (template["account_type"], template["fallback_type"]):
            start = Account.search(
                [*Account._check_company_domain(self), ("account_type", "=", account_type)],
                order="code",
                limit=1,
            )
            if start:
                break
        return Account._search_new_account_code(start.code if start else template["code"])
