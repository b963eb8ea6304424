from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class PrepaymentInvoiceWizard(models.TransientModel):
    """Issue a prepayment invoice (or bill) for what is still to invoice, or less."""

    _name = "prepayment.invoice.wizard"
    _description = "Create a Prepayment Invoice"

    res_model = fields.Selection(selection="_selection_res_model", required=True)
    res_id = fields.Integer(required=True)
    order_name = fields.Char(compute="_compute_order", string="Order")
    currency_id = fields.Many2one("res.currency", compute="_compute_order")
    amount_to_invoice = fields.Monetary(
        "Still to Invoice",
        compute="_compute_order",
        help="Untaxed prepayment amount that the order still requires.",
    )
    amount = fields.Monetary(
        "Amount to Invoice (untaxed)",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Lower it to invoice a part only: it is spread over the lines in proportion to "
        "what each still has to invoice.",
    )
    with_tax = fields.Boolean(
        "Amount with Tax",
        help='Type the amount to invoice with tax ("1,000.00 including VAT"): the untaxed '
        "amount is derived per tax so that the document's total is exactly that amount.",
    )
    total_to_invoice = fields.Monetary(
        "Still to Invoice (with Tax)",
        compute="_compute_order",
        help="Total with tax of a prepayment document of all that is still to invoice.",
    )
    amount_total = fields.Monetary(
        "Amount to Invoice (with tax)",
        compute="_compute_amount_total",
        store=True,
        readonly=False,
        help="Lower it to invoice a part only: the document's total with tax is exactly this "
        "amount.",
    )
    ask_document_ref = fields.Boolean(compute="_compute_order")
    require_document_ref = fields.Boolean(compute="_compute_order")
    document_ref = fields.Char(
        "Vendor Reference",
        compute="_compute_document_ref",
        store=True,
        readonly=False,
        help="The vendor's reference (their invoice number) of the prepayment bill.",
    )
    can_send = fields.Boolean(compute="_compute_can_send")

    @api.model
    def _selection_res_model(self):
        return [
            (model, self.env["ir.model"]._get(model).name)
            for model in self.env["prepayment.order.mixin"]._prepmt_order_models()
        ]

    def _get_order(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists()

    @api.depends("res_model", "res_id")
    def _compute_order(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.order_name = order.name if order else False
            wizard.currency_id = order.currency_id if order else self.env.company.currency_id
            wizard.amount_to_invoice = order.prepmt_amount_to_invoice if order else 0.0
            wizard.total_to_invoice = order._prepmt_to_invoice_with_tax() if order else 0.0
            wizard.ask_document_ref = bool(order) and order._prepmt_asks_document_ref()
            wizard.require_document_ref = bool(order) and order._prepmt_requires_document_ref()

    @api.depends("res_model", "res_id")
    def _compute_can_send(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.can_send = bool(order) and order._prepmt_can_send()

    @api.depends("res_model", "res_id")
    def _compute_document_ref(self):
        for wizard in self:
            order = wizard._get_order()
            wizard.document_ref = order._prepmt_default_document_ref() if order else False

    @api.depends("amount_to_invoice")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.amount_to_invoice

    @api.depends("total_to_invoice")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = wizard.total_to_invoice

    @api.onchange("with_tax")
    def _onchange_with_tax(self):
        """Keep the amount typed when the user switches between untaxed and with tax: the
        other field gets the same prepayment, untaxed or with its taxes. An amount out of
        bounds stays as typed (creating the invoice says why)."""
        for wizard in self:
            order = wizard._get_order()
            currency = wizard.currency_id
            if not order:
                continue
            if wizard.with_tax:
                typed, due, due_other = (
                    wizard.amount,
                    wizard.amount_to_invoice,
                    wizard.total_to_invoice,
                )
            else:
                typed, due, due_other = (
                    wizard.amount_total,
                    wizard.total_to_invoice,
                    wizard.amount_to_invoice,
                )
            if currency.compare_amounts(typed, 0) <= 0 or currency.compare_amounts(typed, due) > 0:
                continue
            if currency.compare_amounts(typed, due) == 0:
                other = due_other
            else:
                try:
                    if wizard.with_tax:
                        amounts = wizard._prepmt_amounts_of_amount(order, typed)
                        other = order._prepmt_total_with_tax(amounts)
                    else:
                        amounts = wizard._prepmt_amounts_of_total(order, typed)
                        other = currency.round(sum(amounts.values()))
                except (UserError, ValidationError):
                    continue
            wizard["amount_total" if wizard.with_tax else "amount"] = other

    def _prepmt_amounts_of_amount(self, order, amount):
        """``{order line: untaxed amount}`` of the document for the untaxed ``amount``."""
        return order._prepmt_amounts_to_invoice(amount)

    def _prepmt_amounts_of_total(self, order, total):
        """``{order line: untaxed amount}`` of the document whose total with tax is
        ``total``."""
        return order._prepmt_amounts_for_total(total)

    def action_create_invoice(self):
        order, move = self._create_invoice()
        return order._prepmt_action_view_moves(move)

    def action_create_and_send(self):
        """Create the prepayment invoice, post it, and open Odoo's send window with the
        prepayment invoice template. A user who may not post invoices gets the draft, as with
        Create: an accountant posts and sends it."""
        order, move = self._create_invoice()
        if move.state == "draft" and self.env.user.has_group("account.group_account_invoice"):
            move.action_post()
        if move.state != "posted":
            return order._prepmt_action_view_moves(move)
        return move.action_send_and_print()

    def _create_invoice(self):
        self.ensure_one()
        order = self._get_order()
        if not order:
            raise UserError(self.env._("The order of this prepayment invoice no longer exists."))
        if self.document_ref:
            order = order.with_context(prepmt_document_ref=self.document_ref)
        if self.with_tax:
            return order, order._prepmt_issue_invoice(total=self.amount_total)
        return order, order._prepmt_issue_invoice(amount=self.amount)
