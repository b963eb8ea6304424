from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError


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
        "account.move.line", required=True, ondelete="cascade", index=True
    )
    # (precomputed: written with the allocation's row, not by an update of every allocation
    # of a document right after it is created)
    move_id = fields.Many2one(
        related="move_line_id.move_id", store=True, index=True, precompute=True
    )
    company_id = fields.Many2one(related="move_line_id.company_id", store=True, precompute=True)
    currency_id = fields.Many2one(related="move_line_id.currency_id", store=True, precompute=True)
    kind = fields.Selection(
        [("prepayment", "Prepayment"), ("deduction", "Deduction")], required=True
    )
    # the link to the order line: one field per order line model (declared by the adapters)
    amount = fields.Monetary(required=True)
    signed_amount = fields.Monetary(compute="_compute_signed_amount")

    @api.depends("amount", "move_id.move_type")
    def _compute_signed_amount(self):
        for alloc in self:
            alloc.signed_amount = alloc._prepmt_sign() * alloc.amount

    def _prepmt_sign(self):
        return self.move_id._prepmt_sign()

    def _prepmt_totals(self, is_posted=None):
        """``(invoiced, deducted)`` of these allocations, the one rule for what an order
        line has invoiced and deducted: the allocations of posted documents, prepayments and
        deductions apart, those of credit notes negatively.

        :param is_posted: optional function of a move that says whether to count it as
            posted (to check a posting or an unposting before it happens)
        """
        return self._prepmt_net(self._prepmt_totals_by_account(is_posted))

    @staticmethod
    def _prepmt_net(by_account):
        """``(invoiced, deducted)`` over all accounts of ``{account: (invoiced, deducted)}``."""
        return (
            sum(invoiced for invoiced, _deducted in by_account.values()),
            sum(deducted for _invoiced, deducted in by_account.values()),
        )

    def _prepmt_totals_by_account(self, is_posted=None):
        """``{account: (invoiced, deducted)}``: :meth:`_prepmt_totals` per account of the
        journal items (a deduction or credit takes back from the account it names), in one
        pass over the allocations."""
        return self._prepmt_add_up(
            ((alloc.move_line_id, alloc.kind, alloc.amount) for alloc in self), is_posted
        )

    @api.model
    def _prepmt_totals_of_lines(self, lines):
        """``{order line id: (invoiced, deducted)}`` of saved order ``lines`` (of one model),
        :meth:`_prepmt_totals` of each line's allocations summed by the database in one
        query rather than read one by one (hundreds of lines on one document)."""
        field = lines._prepmt_alloc_field
        rows = defaultdict(list)
        for line, move_line, kind, amount in self._read_group(
            [(field, "in", lines.ids)], [field, "move_line_id", "kind"], ["amount:sum"]
        ):
            rows[line.id].append((move_line, kind, amount))
        result = {}
        for line_id, line_rows in rows.items():
            result[line_id] = self._prepmt_net(self._prepmt_add_up(line_rows))
        return result

    @api.model
    def _prepmt_add_up(self, rows, is_posted=None):
        """``{account: (invoiced, deducted)}`` of ``rows`` of ``(journal item, kind,
        amount)``: the one rule for what an order line has invoiced and deducted (see
        :meth:`_prepmt_totals`)."""
        totals = {}
        for move_line, kind, amount in rows:
            move = move_line.move_id
            if not (is_posted(move) if is_posted else move.state == "posted"):
                continue
            amount *= move._prepmt_sign()
            entry = totals.setdefault(move_line.account_id, [0.0, 0.0])
            entry[kind != "prepayment"] += amount
        return {account: tuple(entry) for account, entry in totals.items()}

    def _order_line(self):
        """The order line of this allocation, whatever its model."""
        self.ensure_one()
        for field in self._prepmt_line_fields():
            line = self[field]
            if line:
                return line
        return None

    def _order_lines(self):
        """The order lines of these allocations: one recordset per order line model (one
        read of each link field for the whole set, not one lookup per allocation)."""
        return [self.mapped(field) for field in self._prepmt_line_fields()]

    @api.model
    def _prepmt_line_fields(self):
        """The link fields of an allocation to its order line, one per order line model."""
        Line = self.env["prepayment.line.mixin"]
        return [self.env[model]._prepmt_alloc_field for model in Line._prepmt_line_models()]

    # ------------------------------------------------------------------
    # The audit trail: only the engine writes allocations
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        # the engine creates them with the lines of a draft document the user may edit
        # (the documents read once, not once per allocation: hundreds share one document)
        if any(move.state == "posted" for move in records.move_id):
            raise AccessError(
                self.env._(
                    "Prepayment allocations of a posted document cannot be added: "
                    "reset the document to draft first."
                )
            )
        if not self.env.su:
            records.move_id.check_access("write")
        return records

    def write(self, vals):
        self._check_engine_only()
        return super().write(vals)

    def unlink(self):
        self._check_engine_only()
        return super().unlink()

    def _check_engine_only(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Prepayment allocations are kept by the prepayment engine: "
                    "change the prepayment document or the final invoice instead."
                )
            )
        if any(move.state == "posted" for move in self.move_id) and not self.env.context.get(
            "prepmt_migration"
        ):
            raise AccessError(
                self.env._(
                    "The prepayment allocations of a posted document cannot change: "
                    "reset the document to draft, or reverse it."
                )
            )
