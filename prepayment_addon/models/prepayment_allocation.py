from odoo import api, fields, models

REFUND_TYPES = ("out_refund", "in_refund")


class PrepaymentAllocation(models.Model):
    """The share of one journal item that belongs to one order line.

    A prepayment document line (kind ``prepayment``) or a deduction line of a final
    invoice (kind ``deduction``) carries one allocation per order line it covers: one when
    lines are not grouped, several when the order groups its prepayment lines.  ``amount``
    is untaxed, in the document currency, positive in the document's own direction; a
    credit note counts negatively (see ``signed_amount``).
    """

    _name = "prepayment.allocation"
    _description = "Prepayment Allocation"
    _order = "id"

    move_line_id = fields.Many2one(
        "account.move.line", required=True, ondelete="cascade", index=True)
    move_id = fields.Many2one(
        related="move_line_id.move_id", store=True, index=True)
    company_id = fields.Many2one(related="move_line_id.company_id", store=True)
    currency_id = fields.Many2one(related="move_line_id.currency_id", store=True)
    kind = fields.Selection(
        [("prepayment", "Prepayment"), ("deduction", "Deduction")], required=True)
    sale_line_id = fields.Many2one(
        "sale.order.line", ondelete="set null", index="btree_not_null")
    purchase_line_id = fields.Many2one(
        "purchase.order.line", ondelete="set null", index="btree_not_null")
    amount = fields.Monetary(required=True)
    signed_amount = fields.Monetary(compute="_compute_signed_amount")

    @api.depends("amount", "move_id.move_type")
    def _compute_signed_amount(self):
        for alloc in self:
            sign = -1 if alloc.move_id.move_type in REFUND_TYPES else 1
            alloc.signed_amount = sign * alloc.amount

    def _posted(self):
        return self.filtered(lambda a: a.move_id.state == "posted")
