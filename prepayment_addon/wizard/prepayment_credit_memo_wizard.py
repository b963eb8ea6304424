from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class PrepaymentCreditMemoWizard(models.TransientModel):
    """Issue a prepayment credit memo (or refund) of chosen order lines: all they hold not yet
    deducted, or a lower amount, untaxed or with tax, spread over them as a lowered
    prepayment invoice is; the rest stays invoiced (issue 24).

    It is the prepayment invoice window (``prepayment.invoice.wizard``: its amounts, its
    *Amount with Tax* switch, its vendor reference and *Create and Send*) on what the chosen
    lines hold instead of what is still to invoice: the fields ``amount_to_invoice`` and
    ``total_to_invoice`` carry that here."""

    _name = "prepayment.credit.memo.wizard"
    _inherit = "prepayment.invoice.wizard"
    _description = "Create a Prepayment Credit Memo"

    line_ids = fields.One2many(
        "prepayment.credit.memo.wizard.line",
        "wizard_id",
        string="Order Lines",
        help="The order lines that hold a prepayment not yet deducted; the credit memo credits "
        "the chosen ones.",
    )
    amount_to_invoice = fields.Monetary(
        "Not Yet Deducted",
        help="Untaxed prepayment that the chosen lines hold: invoiced and not yet deducted.",
    )
    amount = fields.Monetary(
        "Amount to Credit (untaxed)",
        help="Lower it to credit a part only: it is spread over the chosen lines in proportion "
        "to what each holds; the rest stays invoiced.",
    )
    with_tax = fields.Boolean(
        help='Type the amount to credit with tax ("100.00 including VAT"): the untaxed amount '
        "is derived per tax so that the credit memo's total is exactly that amount.",
    )
    total_to_invoice = fields.Monetary(
        "Not Yet Deducted (with Tax)",
        help="Total with tax of a credit memo of all that the chosen lines hold.",
    )
    amount_total = fields.Monetary(
        "Amount to Credit (with tax)",
        help="Lower it to credit a part only: the credit memo's total with tax is exactly this "
        "amount.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "line_ids" in fields_list and res.get("res_model") and res.get("res_id"):
            order = self.env[res["res_model"]].browse(res["res_id"]).exists()
            chosen = self.env.context.get("prepmt_credit_line_ids")
            res["line_ids"] = [
                Command.create({"line_ref": line.id, "selected": not chosen or line.id in chosen})
                for line in order._prepmt_lines()
                if not order.currency_id.is_zero(line.prepmt_amount_outstanding)
            ]
        return res

    def _prepmt_chosen_lines(self):
        """The order lines chosen to be credited."""
        self.ensure_one()
        order = self._get_order()
        return (
            order.order_line.browse(self.line_ids.filtered("selected").mapped("line_ref")).exists()
            & order.order_line
        )

    @api.depends("res_model", "res_id", "line_ids.selected")
    def _compute_order(self):
        res = super()._compute_order()
        for wizard in self:
            order = wizard._get_order()
            if not order:
                continue
            currency = order.currency_id
            base = order._prepmt_credit_base(wizard._prepmt_chosen_lines())
            wizard.amount_to_invoice = currency.round(sum(base.values()))
            wizard.total_to_invoice = order._prepmt_total_with_tax(base) if base else 0.0
        return res

    def _prepmt_amounts_of_amount(self, order, amount):
        return order._prepmt_amounts_to_credit(self._prepmt_chosen_lines(), amount=amount)

    def _prepmt_amounts_of_total(self, order, total):
        return order._prepmt_amounts_to_credit(self._prepmt_chosen_lines(), total=total)

    def action_create_credit_memo(self):
        return self.action_create_invoice()

    def _create_invoice(self):
        """Issue the credit memo (see ``prepayment.document.builder._issue_credit_memo``):
        ``(order, credit memo)``."""
        self.ensure_one()
        order = self._get_order()
        if not order:
            raise UserError(
                self.env._("The order of this prepayment credit memo no longer exists.")
            )
        if self.document_ref:
            order = order.with_context(prepmt_document_ref=self.document_ref)
        if self.with_tax:
            amounts = self._prepmt_amounts_of_total(order, self.amount_total)
            return order, order._prepmt_issue_credit_memo(amounts, total=self.amount_total)
        amounts = self._prepmt_amounts_of_amount(order, self.amount)
        return order, order._prepmt_issue_credit_memo(amounts)


class PrepaymentCreditMemoWizardLine(models.TransientModel):
    """An order line in the prepayment credit memo window, with what it holds."""

    _name = "prepayment.credit.memo.wizard.line"
    _description = "Order Line of a Prepayment Credit Memo"

    wizard_id = fields.Many2one(
        "prepayment.credit.memo.wizard",
        string="Credit Memo Window",
        required=True,
        ondelete="cascade",
    )
    line_ref = fields.Integer("Order Line ID", required=True)
    selected = fields.Boolean("Credit", default=True)
    name = fields.Char("Description", compute="_compute_line")
    currency_id = fields.Many2one("res.currency", related="wizard_id.currency_id")
    amount_outstanding = fields.Monetary(
        "Not Yet Deducted",
        compute="_compute_line",
        help="The line's prepayment invoiced and not yet deducted (untaxed).",
    )
    amount_outstanding_incl = fields.Monetary(
        "Not Yet Deducted (with Tax)",
        compute="_compute_line",
        help="The same with the line's taxes.",
    )

    @api.depends("wizard_id.res_model", "wizard_id.res_id", "line_ref")
    def _compute_line(self):
        for wline in self:
            order = wline.wizard_id._get_order()
            line = order.order_line.browse(wline.line_ref).exists() if order else None
            wline.name = line.name if line else False
            wline.amount_outstanding = line.prepmt_amount_outstanding if line else 0.0
            wline.amount_outstanding_incl = line.prepmt_amount_outstanding_incl if line else 0.0
