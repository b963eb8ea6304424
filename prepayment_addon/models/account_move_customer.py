from odoo import models

from ..tools import INVOICE_TYPES


class AccountMove(models.Model):
    """What the customer sees of a prepayment: the mail template of prepayment documents, and
    the prepayment documents a final invoice deducts (its PDF lists them)."""

    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    def _get_mail_template(self):
        orders = [move._prepmt_order() for move in self if move.is_prepayment]
        if self and len(orders) == len(self):
            templates = {
                order._prepmt_mail_template(move) for move, order in zip(self, orders, strict=True)
            }
            template = templates.pop() if len(templates) == 1 else None
            if template:
                return template
        return super()._get_mail_template()

    def _prepmt_deducted_documents(self):
        """Posted prepayment invoices whose amounts this final document deducts: the ones its
        deduction lines are matched with on the prepayment account once posted; before that,
        the open prepayment invoices of the order lines it deducts from."""
        self.ensure_one()
        deduction_lines = self.line_ids.filtered(
            lambda line: any(a.kind == "deduction" for a in line.prepmt_allocation_ids)
        )
        if not deduction_lines:
            return self.browse()
        matched = (
            deduction_lines.matched_debit_ids.debit_move_id
            | deduction_lines.matched_credit_ids.credit_move_id
        ).move_id
        documents = matched.filtered(lambda m: m.is_prepayment and m.move_type in INVOICE_TYPES)
        if not documents:
            order_lines = [a._order_line() for a in deduction_lines.prepmt_allocation_ids]
            documents = self.browse().union(
                *(line._prepmt_invoice_documents() for line in order_lines if line)
            )
        return documents.sorted(lambda m: (m.invoice_date or m.date, m.id))
