import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# order type -> (company field of the account, account type, name of the created account)
PREPMT_ACCOUNTS = {
    "sale": ("prepmt_sale_account_id", "liability_current", "Customer Prepayments Received"),
    "purchase": ("prepmt_purchase_account_id", "asset_prepayments", "Prepayments to Vendors"),
}


class ResCompany(models.Model):
    _inherit = "res.company"

    prepmt_sale_account_id = fields.Many2one(
        "account.account", "Sales Prepayment Account",
        domain="[('account_type', 'in', ('liability_current', 'liability_non_current')),"
               " ('deprecated', '=', False)]",
        help="Current liability that holds the prepayments received from customers until "
             "the final invoices deduct them.")
    prepmt_purchase_account_id = fields.Many2one(
        "account.account", "Purchase Prepayment Account",
        domain="[('account_type', 'in', ('asset_prepayments', 'asset_current')),"
               " ('deprecated', '=', False)]",
        help="Asset that holds the prepayments made to vendors until the final bills "
             "deduct them.")
    prepmt_sale_journal_id = fields.Many2one(
        "account.journal", "Sales Prepayment Journal", domain="[('type', '=', 'sale')]",
        help="Journal of prepayment invoices and credit memos. Empty: the sales journal. "
             "A dedicated journal gives prepayment documents their own numbering.")
    prepmt_purchase_journal_id = fields.Many2one(
        "account.journal", "Purchase Prepayment Journal", domain="[('type', '=', 'purchase')]",
        help="Journal of prepayment bills and refunds. Empty: the purchase journal.")
    prepmt_auto_post = fields.Boolean(
        "Post Prepayment Documents at Once", default=True,
        help="Off: prepayment documents are left in draft for review.")
    prepmt_compress_default = fields.Boolean(
        "Group Prepayment Lines", default=True,
        help="Default for new orders: one prepayment line per account, taxes and analytic "
             "distribution instead of one per order line.")
    prepmt_sale_check = fields.Boolean(
        "Check Prepayment Before Delivery and Final Invoice",
        help="Refuse to validate deliveries and post final invoices of sales orders whose "
             "prepayment is not fully invoiced and paid.")
    prepmt_purchase_check = fields.Boolean(
        "Check Prepayment Before Receipt and Final Bill",
        help="Refuse to validate receipts and post final bills of purchase orders whose "
             "prepayment is not fully invoiced and paid.")
    prepmt_purchase_require_ref = fields.Boolean(
        "Vendor Reference on Prepayment Bills",
        help="Ask for the vendor's reference (their invoice number) when issuing a prepayment "
             "bill or refund.")
    prepmt_sale_reminder_mail = fields.Boolean(
        "E-mail Overdue Prepayment Reminders",
        help="The daily reminder of overdue prepayments also e-mails the customer (the "
             "salesperson always gets an activity).")
    prepmt_allow_quotation = fields.Boolean(
        "Prepayment Invoices on Quotations",
        help="Allow prepayment invoices on quotations and RFQs, before confirmation.")

    # ------------------------------------------------------------------
    def _prepmt_account(self, order_type):
        """The prepayment account of ``order_type``, or a UserError naming the setting."""
        self.ensure_one()
        account = self[PREPMT_ACCOUNTS[order_type][0]]
        if not account:
            setting = (_("Settings > Sales > Prepayments") if order_type == "sale"
                       else _("Settings > Purchase > Prepayments"))
            raise UserError(_(
                "Company %(company)s has no %(kind)s prepayment account: set one in %(setting)s.",
                company=self.name,
                kind=_("sales") if order_type == "sale" else _("purchase"),
                setting=setting))
        return account

    def _prepmt_journal(self, order_type):
        self.ensure_one()
        field = "prepmt_sale_journal_id" if order_type == "sale" else "prepmt_purchase_journal_id"
        journal = self[field]
        if not journal:
            journal = self.env["account.journal"].search([
                *self.env["account.journal"]._check_company_domain(self),
                ("type", "=", order_type),
            ], limit=1)
        if not journal:
            raise UserError(_(
                "Company %(company)s has no %(type)s journal for prepayment documents: "
                "create one in Accounting > Configuration > Journals.",
                company=self.name, type=order_type))
        return journal

    def write(self, vals):
        res = super().write(vals)
        for field in {"prepmt_sale_account_id", "prepmt_purchase_account_id"} & set(vals):
            # a chosen account becomes reconcilable, like the ones created on install: its
            # open items are the outstanding prepayments
            self.mapped(field).sudo().filtered(lambda a: not a.reconcile).reconcile = True
        return res

    @api.model
    def _prepmt_ensure_accounts_all(self):
        self.sudo().search([])._prepmt_ensure_accounts()

    def _prepmt_ensure_accounts(self):
        """Create the sales and purchase prepayment accounts of companies with a chart."""
        Account = self.env["account.account"].sudo()
        for company in self.sudo():
            if not company.chart_template:
                continue
            Account_c = Account.with_company(company)
            for order_type, (field, account_type, name) in PREPMT_ACCOUNTS.items():
                if company[field]:
                    # its open items are the outstanding prepayments (see account.move
                    # _prepmt_reconcile)
                    if not company[field].reconcile:
                        company[field].reconcile = True
                    continue
                domain = [*Account_c._check_company_domain(company),
                          ("account_type", "=", account_type)]
                start = Account_c.search(domain, order="code", limit=1)
                if not start:
                    start = Account_c.search([
                        *Account_c._check_company_domain(company),
                        ("account_type", "=", "asset_current" if order_type == "purchase"
                         else "liability_current")], order="code", limit=1)
                start_code = start.code if start else ("2170" if order_type == "sale" else "1470")
                code = Account_c._search_new_account_code(start_code)
                account = Account_c.create({
                    "name": name,
                    "code": code,
                    "account_type": account_type,
                    "reconcile": True,
                    "company_ids": [(6, 0, [company.id])],
                })
                company[field] = account
                _logger.info("Created prepayment account %s %s for %s", code, name, company.name)
