from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


class PrepaymentPaymentWizard(models.TransientModel):
    """*Register Prepayment*: money first (issue 24). The partner paid (or we paid the
    vendor) before any prepayment document was issued. In one step: the prepayment invoice
    (bill) for exactly the amount received with tax, dated the day the money came in (VAT on
    an advance is due then), posted, and the payment registered with Odoo's own
    ``account.payment.register`` on the bank or cash journal and reconciled with it; or a
    payment already registered from Accounting (not reconciled yet) turned into the
    prepayment invoice the same way, reconciled with it (no second payment).

    A prototype of the invoice wizard: the order, the amounts still to invoice and the
    vendor reference come from there."""

    _name = "prepayment.payment.wizard"
    _inherit = "prepayment.invoice.wizard"
    _description = "Register a Prepayment Received Before Its Invoice"

    mode = fields.Selection(
        [("new", "New Payment"), ("existing", "Payment Already Registered")],
        "Payment",
        compute="_compute_mode",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        help="New Payment: register the payment received now. Payment Already Registered: "
        "use a payment of the partner registered from Accounting that nothing is "
        "reconciled with yet.",
    )
    available_payment_ids = fields.Many2many(
        "account.payment", compute="_compute_available_payment_ids"
    )
    payment_id = fields.Many2one(
        "account.payment",
        "Registered Payment",
        compute="_compute_payment_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('id', 'in', available_payment_ids)]",
        help="The prepayment invoice is issued for its amount, dated its date, and reconciled "
        "with it.",
    )
    amount_received = fields.Monetary(
        "Amount Received (with Tax)",
        compute="_compute_amount_received",
        store=True,
        readonly=False,
        precompute=True,
        help="The amount of the payment, taxes included, as the bank statement shows it: the "
        "prepayment document's total is exactly this amount (at most what the order still "
        "requires with tax).",
    )
    payment_date = fields.Date(
        compute="_compute_payment_date",
        store=True,
        readonly=False,
        precompute=True,
        help="The day the money came in (went out): the date of the prepayment document too.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('type', 'in', ('bank', 'cash')), ('company_id', '=', company_id)]",
        help="The bank or cash journal of the payment.",
    )
    company_id = fields.Many2one("res.company", compute="_compute_company_id")
    memo = fields.Char(
        compute="_compute_memo",
        store=True,
        readonly=False,
        precompute=True,
        help="The memo of the payment, as the bank statement shows it.",
    )

    @api.model
    def _check_payment_rights(self):
        """Registering payments is for billing users, as Odoo's *Register Payment*."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Only users who may register payments (Accounting: Billing) can register a "
                    "prepayment. Ask your accountant, or issue a Prepayment Invoice instead."
                )
            )

    @api.depends("res_model", "res_id")
    def _compute_company_id(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.company_id = order.company_id if order else self.env.company

    @api.depends("res_model", "res_id")
    def _compute_available_payment_ids(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.available_payment_ids = order._prepmt_open_payments() if order else False

    @api.depends("available_payment_ids")
    def _compute_mode(self):
        for wizard in self:
            order = wizard._get_order()
            named = order and any(map(order._prepmt_named_by, wizard.available_payment_ids))
            wizard.mode = "existing" if named else "new"

    @api.depends("mode", "available_payment_ids")
    def _compute_payment_id(self):
        for wizard in self:
            if wizard.mode != "existing":
                wizard.payment_id = False
            elif wizard.payment_id not in wizard.available_payment_ids:
                wizard.payment_id = wizard.available_payment_ids[:1]

    @api.depends("payment_id", "mode", "total_to_invoice")
    def _compute_amount_received(self):
        for wizard in self:
            if wizard.mode == "existing" and wizard.payment_id:
                wizard.amount_received = wizard._payment_residual(wizard.payment_id)
            else:
                wizard.amount_received = wizard.total_to_invoice

    @api.depends("payment_id", "mode")
    def _compute_payment_date(self):
        for wizard in self:
            if wizard.mode == "existing" and wizard.payment_id:
                wizard.payment_date = wizard.payment_id.date
            elif not wizard.payment_date:
                wizard.payment_date = fields.Date.context_today(wizard)

    @api.depends("company_id")
    def _compute_journal_id(self):
        for wizard in self:
            if wizard.journal_id.company_id == wizard.company_id:
                continue
            Journal = self.env["account.journal"]
            wizard.journal_id = Journal.search(
                [
                    *Journal._check_company_domain(wizard.company_id),
                    ("type", "in", ("bank", "cash")),
                ],
                order="type, sequence, id",
                limit=1,
            )

    @api.depends("res_model", "res_id")
    def _compute_memo(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.memo = order.name if order else False

    @staticmethod
    def _payment_lines(payment):
        """The journal items of ``payment`` on the partner's receivable (payable) account."""
        _liquidity, counterpart, _writeoff = payment._seek_for_lines()
        return counterpart.filtered(lambda ln: ln.account_id.reconcile and not ln.reconciled)

    def _payment_residual(self, payment):
        """What of ``payment`` nothing is reconciled with yet, in its currency."""
        return abs(sum(self._payment_lines(payment).mapped("amount_residual_currency")))

    # ------------------------------------------------------------------
    def action_register_prepayment(self):
        order, move = self._register_prepayment()
        return order._prepmt_action_view_moves(move)

    def _register_prepayment(self):
        self.ensure_one()
        self._check_payment_rights()
        order = self._get_order()
        if not order:
            raise UserError(self.env._("The order of this prepayment no longer exists."))
        currency = order.currency_id
        payment = self.payment_id if self.mode == "existing" else self.env["account.payment"]
        if self.mode == "existing":
            if not payment or payment not in order._prepmt_open_payments():
                raise UserError(
                    self.env._(
                        "Choose a payment of %(partner)s that nothing is reconciled with yet, "
                        "or register a new payment.",
                        partner=order._prepmt_invoice_partner().display_name,
                    )
                )
            amount, date = self._payment_residual(payment), payment.date
        else:
            if not self.journal_id or self.journal_id.type not in ("bank", "cash"):
                raise UserError(self.env._("Choose the bank or cash journal of the payment."))
            amount = self.amount_received
            date = self.payment_date or fields.Date.context_today(self)
        order._prepmt_check_can_invoice()  # a draft open: the clear message of the wizard
        due = self.total_to_invoice
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, due) > 0:
            raise ValidationError(
                self.env._(
                    "The prepayment received (%(amount)s) must be more than 0 and at most "
                    "%(due)s, what %(order)s still requires with tax. Register a payment above "
                    "that from Accounting: the surplus stays as the partner's open credit.",
                    amount=currency.format(amount),
                    due=currency.format(due),
                    order=order.name,
                )
            )
        if self.document_ref:
            order = order.with_context(prepmt_document_ref=self.document_ref)
        move = order._prepmt_issue_invoice(total=amount, date=date)
        if move.state == "draft":
            move.action_post()
        if payment:
            lines = self._payment_lines(payment)
            if not lines or lines.account_id not in move.line_ids.account_id:
                raise UserError(
                    self.env._(
                        "Payment %(payment)s is on account %(account)s, not on the account of "
                        "the prepayment document of %(order)s: it cannot pay it.",
                        payment=payment.display_name,
                        account=lines.account_id[:1].display_name,
                        order=order.name,
                    )
                )
            move.js_assign_outstanding_line(lines[:1].id)
        else:
            payment = (
                self.env["account.payment.register"]
                .with_company(order.company_id)
                .with_context(active_model="account.move", active_ids=move.ids)
                .create(
                    {
                        "payment_date": date,
                        "journal_id": self.journal_id.id,
                        "amount": amount,
                        "communication": self.memo or order.name,
                    }
                )
                ._create_payments()
            )
        order.message_post(
            body=Markup(
                self.env._(
                    "Prepayment of %(amount)s received on %(date)s (%(payment)s): prepayment "
                    "document %(doc)s issued and reconciled with it."
                )
            )
            % {
                "amount": currency.format(amount),
                "date": fields.Date.to_string(date),
                "payment": payment._get_html_link(),
                "doc": move._get_html_link(),
            }
        )
        return order, move
