import re
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_is_zero, frozendict

from ..helpers import INVOICE_TYPES, REFUND_TYPES, distribute


class AccountMove(models.Model):
    _inherit = "account.move"

    # the link of a prepayment document to its order: one field per order model (declared
    # by the adapters, see prepayment.order.mixin._prepmt_move_link_field)
    is_prepayment = fields.Boolean(
        "Prepayment Document",
        compute="_compute_is_prepayment",
        store=True,
        help="A prepayment invoice, bill or credit memo issued from an order.",
    )
    prepmt_deduction_amount = fields.Monetary(
        "Prepayment Deducted",
        compute="_compute_prepmt_deduction_amount",
        currency_field="currency_id",
    )
    prepmt_deduction_plan_note = fields.Char(
        "Prepayment Deduction Plan",
        compute="_compute_prepmt_deduction_plan_note",
        help="How the orders this draft final document invoices deduct their prepayment (the "
        "deduction plan on each order's Prepayment tab).",
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------
    @api.depends("line_ids.prepmt_allocation_ids.kind")
    def _compute_is_prepayment(self):
        for move in self:
            move.is_prepayment = any(
                alloc.kind == "prepayment" for alloc in move.line_ids.prepmt_allocation_ids
            )

    @api.depends("line_ids.prepmt_allocation_ids.amount")
    def _compute_prepmt_deduction_amount(self):
        for move in self:
            move.prepmt_deduction_amount = sum(
                a.amount for a in move.line_ids.prepmt_allocation_ids if a.kind == "deduction"
            )

    @api.depends("state", "is_prepayment", "move_type", "invoice_line_ids.quantity")
    def _compute_prepmt_deduction_plan_note(self):
        for move in self:
            move.prepmt_deduction_plan_note = move._prepmt_deduction_plan_text()

    def _prepmt_deduction_plan_text(self):
        """ "Prepayment deduction plan of S00012: All on the Last Final Invoice": what the
        draft final document ``self`` shows of the deduction plan of the orders it invoices
        that hold a prepayment (nothing for other documents)."""
        self.ensure_one()
        if self.state != "draft" or self.is_prepayment or not self.is_invoice():
            return False
        texts = []
        for order in dict.fromkeys(self._prepmt_final_orders()):
            if not order.prepmt_amount_invoiced and not order.prepmt_amount:
                continue
            labels = dict(order._fields["prepmt_deduction_plan"]._description_selection(self.env))
            texts.append(
                self.env._(
                    "Prepayment deduction plan of %(order)s: %(plan)s.",
                    order=order.name,
                    plan=labels.get(order.prepmt_deduction_plan, ""),
                )
            )
        return " ".join(texts) or False

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # A final invoice or bill shows what it deducts from its draft on, whichever way it is
        # made (Create Invoice, Create Bill, a bill matched to a purchase order by hand).
        if not self.env.context.get("prepmt_no_deduction"):
            for vals in vals_list:
                self.env["prepayment.document.builder"]._add_deductions(vals)
        for vals in vals_list:
            self._prepmt_preset_amounts(vals)
        return super().create(vals_list)

    @api.model
    def _prepmt_preset_amounts(self, vals):
        """Give the new lines of a document that carries prepayment lines (a prepayment
        document, a final document with deductions) their journal amounts in ``vals``: our
        prepayment and deduction lines and the order's own product lines beside them.

        Odoo creates an invoice's product lines at zero and then writes each one its
        amounts when it computes the taxes (``_sync_tax_lines``), one ``write`` per line,
        each with its own synchronisation of the whole document, so that each write costs
        more the more lines the document has: the most expensive part of a per-line
        document, whose deduction lines double its lines. A line that already holds what
        that computation gives is not written. Odoo still computes every line and writes
        any that differs, so a value preset here can only save a write, never stand in for
        the computed one. Documents without prepayment lines are left as Odoo makes them.

        Only for lines with taxes (Odoo keeps the amounts of new untaxed lines as given when
        none of the new lines has taxes) not included in the price (the subtotal is then the
        price after discount); the balance is the amount at the document's rate, as Odoo
        converts it."""
        move_type = vals.get("move_type") or self.env.context.get("default_move_type")
        if move_type not in INVOICE_TYPES + REFUND_TYPES or not vals.get("currency_id"):
            return
        company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
        currency = self.env["res.currency"].browse(vals["currency_id"])
        rate = None
        # Odoo's direction_sign: an amount a customer owes is a credit on the income line
        direction = -1 if move_type in ("out_invoice", "in_refund") else 1
        builder = self.env["prepayment.document.builder"]
        new_lines = builder._new_line_vals(vals)
        if not any(line_vals.get("prepmt_allocation_ids") for line_vals in new_lines):
            return
        for line_vals in new_lines:
            if line_vals.get("display_type", "product") != "product" or any(
                f in line_vals for f in ("amount_currency", "balance", "debit", "credit")
            ):
                continue
            # (the builder sets the taxes; anything else is left to Odoo)
            taxes = builder._vals_taxes(line_vals)
            if not taxes or any(taxes.mapped("price_include")):
                continue
            amount = currency.round(direction * builder._vals_subtotal(line_vals))
            if rate is None:
                # Odoo's invoice_currency_rate: the rate of the invoice date, today for a draft
                rate = self.env["res.currency"]._get_conversion_rate(
                    company.currency_id,
                    currency,
                    company,
                    vals.get("invoice_date") or fields.Date.context_today(self),
                )
            line_vals["amount_currency"] = amount
            line_vals["balance"] = company.currency_id.round(amount / rate)

    def write(self, vals):
        # the lines as they were: a line removed from a draft final document is gone after
        before = self._prepmt_lines_before_write(vals)
        res = super().write(vals)
        if not self.env.context.get("prepmt_no_deduction") and self._prepmt_lines_changed(
            vals, before
        ):
            self.env["prepayment.document.builder"]._sync_deductions(self)
        return res

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_prepmt_update_deductions(self):
        """Button of draft final documents: deduct again what their quantities call for."""
        builder = self.env["prepayment.document.builder"]
        builder._sync_deductions(self)
        builder._finish(self)
        return True

    def action_switch_move_type(self):
        # An invoice turned into a credit note (Odoo does it with a negative final invoice)
        # keeps its lines with their quantities negated: its allocations change sign so that
        # they keep meaning the same amounts.
        allocs = self.line_ids.prepmt_allocation_ids.sudo()
        res = super().action_switch_move_type()
        for alloc in allocs:
            alloc.amount = -alloc.amount
        return res

    # ------------------------------------------------------------------
    # Business: Odoo's life cycle hooks
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        to_post = self.filtered(lambda m: m.state == "draft")
        # final documents: invoices and bills, and their credit notes
        final_docs = to_post.filtered(lambda m: not m.is_prepayment and m.is_invoice())
        finals = final_docs.filtered(lambda m: m.move_type in INVOICE_TYPES)
        doc_orders = {move: move._prepmt_final_orders() for move in final_docs}
        final_docs._prepmt_check_no_prepayment_draft(doc_orders)
        final_orders = {order for move in finals for order in doc_orders[move]}
        for order in final_orders:
            order._prepmt_check_release(order._prepmt_final_posting_held())
        # one user at a time on an order's prepayment (see _prepmt_lock)
        for order in final_orders:
            if order._prepmt_has_outstanding():
                order._prepmt_lock()
        to_post._prepmt_rescale_allocations()
        final_docs._prepmt_check_deductions()
        to_post._prepmt_true_up_taxes()
        with_allocs = to_post.filtered(lambda m: m.line_ids.prepmt_allocation_ids)
        # a document the engine has just built from the order's own amounts, under the
        # order's lock, and posts untouched holds by construction (see
        # prepayment.document.builder._create_document)
        if not self.env.context.get("prepmt_engine_built"):
            with_allocs._prepmt_check_ledger(posting=True)
            with_allocs.filtered(
                lambda m: m.is_prepayment and m.move_type in INVOICE_TYPES
            )._prepmt_check_still_to_invoice()
        # the open items of a prepayment account are the outstanding prepayments: an account
        # it reaches otherwise (a fiscal position's mapping) becomes reconcilable as well
        with_allocs.line_ids.filtered("prepmt_allocation_ids").account_id.filtered(
            lambda a: not a.reconcile
        ).sudo().reconcile = True
        posted = super()._post(soft=soft)
        (posted & with_allocs)._prepmt_reconcile()
        (posted & with_allocs)._prepmt_message_orders()
        return posted

    def _check_draftable(self):
        # called by button_draft, which button_cancel calls for posted documents
        res = super()._check_draftable()
        self.filtered(lambda m: m.state == "posted")._prepmt_check_ledger(posting=False)
        return res

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        for move in self.filtered(lambda m: m.is_prepayment and m._prepmt_order()):
            order = move._prepmt_order()
            if order.prepmt_state in ("paid", "settled"):
                body = self.env._(
                    "Prepayment document %(doc)s is paid: "
                    "the prepayment of this order is fully paid."
                )
            else:
                body = self.env._("Prepayment document %(doc)s is paid.")
            order._prepmt_log(Markup(body) % {"doc": move._get_html_link()})
        return res

    def _fetch_duplicate_reference(self, matching_states=("draft", "posted")):
        # A final document carries the reference (or the amount and date) its prepayment
        # document got from the same order: that is no duplicate. Any other match still is.
        result = super()._fetch_duplicate_reference(matching_states)
        moves = {move._origin.id or 0: move for move in self}
        for key, duplicates in list(result.items()):
            move = moves.get(key.id)
            if move is None:
                continue
            kept = duplicates.filtered(
                lambda other, move=move: not move._prepmt_same_order_pair(other)
            )
            if kept:
                result[key] = kept
            else:
                del result[key]
        return result

    def _prepmt_same_order_pair(self, other):
        """Whether one of these two documents is a prepayment document of an order and the
        other a final document of the same order."""
        self.ensure_one()
        for prepmt, final in ((self, other), (other, self)):
            order = prepmt._prepmt_order()
            if (
                order
                and not final._prepmt_order()
                and any(line.order_id == order for line in final._prepmt_final_order_lines())
            ):
                return True
        return False

    # ------------------------------------------------------------------
    # Business: what a document covers
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_link_fields(self):
        """The fields that link a prepayment document to its order, one per order model."""
        return self.env["prepayment.order.mixin"]._prepmt_adapter_values("_prepmt_move_link_field")

    def _prepmt_order(self):
        """The order whose prepayment this document invoices or credits."""
        self.ensure_one()
        for field in self._prepmt_link_fields():
            if self[field]:
                return self[field]
        return None

    def _prepmt_orders(self):
        """Orders whose lines the prepayment and deduction lines of these documents cover."""
        allocs = self.line_ids.prepmt_allocation_ids
        return {order for lines in allocs._order_lines() for order in lines.order_id}

    def _prepmt_final_orders(self):
        """Orders whose lines this final document invoices."""
        orders = []
        for move in self:
            orders += [line.order_id for line in move._prepmt_final_order_lines()]
        return orders

    def _prepmt_final_order_lines(self):
        """``{order line: [quantity, untaxed amount, total with tax]}`` this final document
        invoices."""
        self.ensure_one()
        product_lines = self.invoice_line_ids.filtered(
            lambda ln: ln.display_type == "product" and not ln.prepmt_allocation_ids
        )
        result = {}
        for model in self.env["prepayment.line.mixin"]._prepmt_line_models():
            result.update(self.env[model]._prepmt_invoiced_by_line(product_lines))
        return result

    def _prepmt_affected_lines(self):
        """Order lines whose prepayment these documents change."""
        allocs = self.line_ids.prepmt_allocation_ids
        return {line for lines in allocs._order_lines() for line in lines}

    def _prepmt_billed_lines(self):
        """``{order line: [quantity, untaxed amount, total]}`` that this final document bills, in
        each line's direction: an invoice or bill, all the lines it invoices; a credit note,
        the lines it bills as their final document (a line ordered -6, on the credit note
        that Odoo makes of a negative invoice), quantities and amounts negated. The lines a
        credit note credits back (against their direction) are not billed by it."""
        self.ensure_one()
        invoiced = self._prepmt_final_order_lines()
        if self.move_type in INVOICE_TYPES:
            return invoiced
        return {
            line: [-qty, -amount, -total]
            for line, (qty, amount, total) in invoiced.items()
            if -qty * line._prepmt_ordered_qty() > 0
        }

    def _prepmt_deducted_by_line(self):
        """``{order line: amount}`` that this document's deduction lines carry."""
        return self._prepmt_allocated_by_line("deduction")

    def _prepmt_allocated_by_line(self, kind):
        """``{order line: amount}`` that this document's prepayment lines of ``kind``
        ('prepayment' or 'deduction') carry."""
        self.ensure_one()
        allocated = defaultdict(float)
        for alloc in self.line_ids.prepmt_allocation_ids:
            if alloc.kind == kind:
                allocated[alloc._order_line()] += alloc.amount
        return allocated

    def _prepmt_deducted_by_account(self):
        """``{order line: {account: amount}}`` that this document's deduction lines carry."""
        self.ensure_one()
        deducted = defaultdict(lambda: defaultdict(float))
        for alloc in self.line_ids.prepmt_allocation_ids:
            if alloc.kind == "deduction":
                deducted[alloc._order_line()][alloc.move_line_id.account_id] += alloc.amount
        return deducted

    def _prepmt_sign(self):
        """How this document counts in an order's prepayment: 1 for an invoice or bill, -1 for
        a credit note (the one rule; ``prepayment.allocation._prepmt_sign`` reads it)."""
        return -1 if self.move_type in REFUND_TYPES else 1

    def _prepmt_display_name(self):
        """The document's number, or "the draft document" before it has one."""
        self.ensure_one()
        return self.name if self.name and self.name != "/" else self.env._("the draft document")

    # ------------------------------------------------------------------
    # Business: deductions on final documents
    # ------------------------------------------------------------------
    @staticmethod
    def _prepmt_vals_line_commands(vals):
        """The x2many commands of ``vals`` on the document's journal items."""
        return [
            command
            for command in list(vals.get("invoice_line_ids") or ())
            + list(vals.get("line_ids") or ())
            if isinstance(command, (list, tuple))
        ]

    def _prepmt_lines_before_write(self, vals):
        """``(prepayment line ids, invoiced product line ids)`` of the draft documents
        before ``vals`` removes lines from them (None when it removes none): the removed
        lines are gone once written."""
        if self.env.context.get("prepmt_no_deduction") or not any(
            command[0] in (Command.DELETE, Command.UNLINK)
            for command in self._prepmt_vals_line_commands(vals)
        ):
            return None
        lines = self.filtered(lambda m: m.state == "draft").line_ids
        prepmt_lines = lines.filtered("prepmt_allocation_ids")
        products = lines.filtered(lambda ln: ln.display_type == "product") - prepmt_lines
        return set(prepmt_lines.ids), set(products.ids)

    def _prepmt_lines_changed(self, vals, before=None):
        """Whether ``vals`` changes the invoiced lines of a draft final document (a quantity,
        a price, a line added or removed) and leaves its prepayment lines alone (a user's
        edit of a deduction line is respected). ``before``: see
        ``_prepmt_lines_before_write``."""
        commands = self._prepmt_vals_line_commands(vals)
        if not commands or not any(m.state == "draft" for m in self):
            return False
        if before is not None:
            prepmt_ids, product_ids = before
        else:
            prepmt_ids = set(self.line_ids.filtered("prepmt_allocation_ids").ids)
            product_ids = set()
        touched = False
        for command in commands:
            if (
                command[0] in (Command.UPDATE, Command.DELETE, Command.UNLINK)
                and command[1] in prepmt_ids
            ):
                return False
            if (
                command[0] == Command.CREATE
                or (
                    command[0] == Command.UPDATE
                    and {"quantity", "price_unit", "discount", "product_uom_id"} & set(command[2])
                )
                or (command[0] in (Command.DELETE, Command.UNLINK) and command[1] in product_ids)
            ):
                touched = True
        return touched

    def _prepmt_check_no_prepayment_draft(self, doc_orders=None):
        """Before final documents (invoices, bills and their credit notes) are posted: no
        prepayment draft of their orders is open. Posted after them, it would invoice a
        prepayment that no final document of the order deducts any more (the partner billed
        twice); posted before, the final document deducts it. One rule for every final
        document, so that an accountant knows what comes first. ``doc_orders``: ``{move:
        orders}`` already worked out (see ``_prepmt_final_orders``)."""
        for move in self:
            orders = doc_orders[move] if doc_orders else move._prepmt_final_orders()
            for order in dict.fromkeys(orders):
                drafts = order._prepmt_draft_documents()
                if drafts:
                    raise UserError(
                        self.env._(
                            "Post or delete prepayment draft %(docs)s of %(order)s first: "
                            "%(move)s bills lines of that order, "
                            "and a prepayment posted after it would bill them a second time. "
                            "Once the prepayment is posted, "
                            "click 'Update Prepayment Deductions' on %(move)s so that it deducts it.",  # noqa: E501
                            docs=", ".join(drafts.mapped("display_name")),
                            order=order.name,
                            move=move.display_name,
                        )
                    )

    def _prepmt_check_deductions_billed(self, deducted, invoiced):
        """Before a final document is posted: it deducts (a credit note: gives back) only for
        the order lines it invoices (credits), ``deducted`` and ``invoiced`` as
        ``_prepmt_deducted_by_line`` and ``_prepmt_final_order_lines`` give them. A line
        taken off a draft leaves its prepayment to the document that invoices it."""
        self.ensure_one()
        for line, amount in deducted.items():
            qty = invoiced.get(line, [0.0])[0]
            rounding = line.product_uom.rounding or 0.001
            if line.currency_id.is_zero(amount) or not float_is_zero(
                qty, precision_rounding=rounding
            ):
                continue
            values = {
                "move": self.display_name,
                "amount": line.currency_id.format(amount),
                "line": line.name,
                "order": line.order_id.name,
            }
            if self.move_type in REFUND_TYPES:
                message = self.env._(
                    "%(move)s gives back %(amount)s of prepayment deduction for line %(line)s of %(order)s but does not credit that line. "  # noqa: E501
                    "Click 'Update Prepayment Deductions' to give back only what the lines it credits deducted, "  # noqa: E501
                    "or add the line back.",
                    **values,
                )
            else:
                message = self.env._(
                    "%(move)s deducts %(amount)s of prepayment for line %(line)s of %(order)s but does not invoice that line. "  # noqa: E501
                    "Click 'Update Prepayment Deductions' to deduct only for the lines it invoices (the line's prepayment stays for the document that invoices it), "  # noqa: E501
                    "or add the line back.",
                    **values,
                )
            raise UserError(message)

    def _prepmt_check_still_to_invoice(self):
        """Before prepayment invoices and bills are posted: each invoices, per order line, no
        more than the line still has to invoice at that moment (its *Prepayment to Invoice*,
        the limit the engine builds a prepayment document with): a draft reviewed after
        final documents invoiced the line would otherwise invoice a prepayment that no final
        document deducts."""
        for move in self:
            for line, amount in move._prepmt_allocated_by_line("prepayment").items():
                currency = line.currency_id or line.order_id.currency_id
                sign = line._prepmt_sign()
                left = line.prepmt_amount_to_invoice
                if currency.compare_amounts(sign * amount, sign * left) <= 0:
                    continue
                order = line.order_id
                raise UserError(
                    self.env._(
                        "%(move)s invoices %(amount)s of prepayment for line %(line)s of %(order)s, "  # noqa: E501
                        "but only %(left)s is left to invoice on that line now (%(order_left)s on the order): "  # noqa: E501
                        "final documents invoiced it meanwhile, or the line changed. "
                        "Lower the prepayment document to what is left, "
                        "or delete it and issue a new one.",
                        move=move.display_name,
                        amount=currency.format(amount),
                        line=line.name,
                        order=order.name,
                        left=currency.format(left),
                        order_left=currency.format(order.prepmt_amount_to_invoice),
                    )
                )

    def _prepmt_check_deductions(self):
        """Before final documents are posted: each deducts (a credit note: gives back) only
        for the order lines it bills (see ``_prepmt_check_deductions_billed``); final
        invoices and bills deduct, per order line, between 0 and what is outstanding, at
        least what the quantity left after them cannot deduct
        (``prepayment.line.mixin._prepmt_deduction_minimum``), and all of it with the line's
        last quantity. A deduction the user edited is kept when it
        is within these bounds; otherwise posting is refused (nothing is rewritten behind
        the user's back). Those bounds hold under every deduction plan of the order
        (``prepmt_deduction_plan``): 'first' deducts up to all that is outstanding, 'last'
        only that least amount before the last quantity; the plan only proposes (see
        ``prepayment.line.mixin._prepmt_deduction_for_qty``)."""
        for move in self:
            deducted = move._prepmt_deducted_by_line()
            invoiced = move._prepmt_final_order_lines()
            move._prepmt_check_deductions_billed(deducted, invoiced)
            if move.move_type not in INVOICE_TYPES:
                if move.reversed_entry_id:
                    continue  # gives back what the reversed document deducted
                # a credit note that bills negative lines (Odoo switched a negative invoice)
                invoiced = move._prepmt_billed_lines()
                deducted = {line: -deducted.get(line, 0.0) for line in invoiced}
            for line in set(deducted) | {ln for ln in invoiced if ln._prepmt_has_outstanding()}:
                last, minimum = False, None
                if line in invoiced:
                    qty, cap, _total = invoiced[line]
                    remaining = line._prepmt_remaining_qty(exclude_moves=move)
                    last = line._prepmt_is_last_qty(qty, remaining=remaining)
                    if not last:
                        # never more than the document bills for the line
                        minimum = line._prepmt_capped(
                            line._prepmt_deduction_minimum(qty, remaining=remaining), cap
                        )
                message = line._prepmt_deduction_error(
                    deducted.get(line, 0.0), last=last, move=move, minimum=minimum
                )
                if message:
                    raise UserError(message)

    # ------------------------------------------------------------------
    # Business: allocations true to the journal items, the ledger
    # ------------------------------------------------------------------
    def _prepmt_fix_included_tax_rounding(self):
        """With price-included taxes, make each line's subtotal equal its allocations."""
        lines = self.line_ids.filtered(
            lambda ln: ln.prepmt_allocation_ids and any(ln.tax_ids.mapped("price_include"))
        )
        # ``allocs[0]`` would browse a lone record and fetch the allocations line by line
        lines.prepmt_allocation_ids.fetch(["kind", "amount"])
        for line in lines:
            allocs = line.prepmt_allocation_ids
            kind_sign = -1 if "deduction" in allocs.mapped("kind") else 1
            target = kind_sign * sum(allocs.mapped("amount"))
            diff = line.currency_id.round(target - line.price_subtotal)
            if not line.currency_id.is_zero(diff) and abs(diff) <= 0.05:
                line.price_unit += diff

    def _prepmt_rescale_allocations(self):
        """Make the allocations of each line add up to the line's subtotal.

        A user may edit a draft prepayment document or a deduction line: what is posted is
        what counts, spread over the order lines in proportion.
        """
        lines = self.line_ids.filtered("prepmt_allocation_ids")
        lines.prepmt_allocation_ids.fetch(["kind", "amount"])
        for line in lines:
            allocs = line.prepmt_allocation_ids
            currency = line.currency_id
            kind_sign = -1 if "deduction" in allocs.mapped("kind") else 1
            target = currency.round(kind_sign * line.price_subtotal)
            current = sum(allocs.mapped("amount"))
            if currency.compare_amounts(target, current) == 0:
                continue
            if currency.is_zero(current) or (target < 0) != (current < 0):
                raise UserError(
                    self.env._(
                        "The prepayment line '%(line)s' of %(move)s has the wrong sign: "
                        "a prepayment line goes in the direction of its order lines, "
                        "and a deduction against it.",
                        line=line.name,
                        move=line.move_id._prepmt_display_name(),
                    )
                )
            shares = distribute(target, allocs.mapped("amount"), currency.rounding)
            for alloc, share in zip(allocs.sudo(), shares, strict=True):
                alloc.amount = share

    def _prepmt_check_ledger(self, posting):
        """Refuse, before anything changes, a posting (``posting=True``) or an unposting of
        ``self`` that would break 0 <= deducted <= invoiced <= required on an order line (in
        the line's direction: a negative line has negative amounts), or take back from a
        prepayment account more than it holds for the line."""
        lines = self._prepmt_affected_lines()
        raises_invoiced = posting and any(
            m.is_prepayment and m.move_type in INVOICE_TYPES for m in self
        )

        def is_posted(move):
            return posting if move in self else move.state == "posted"

        for line in lines:
            allocs = line.prepmt_allocation_ids
            by_account = allocs._prepmt_totals_by_account(is_posted)
            invoiced, deducted = allocs._prepmt_net(by_account)
            currency = line.currency_id
            sign = line._prepmt_sign()
            if currency.compare_amounts(sign * invoiced, 0) < 0:
                raise UserError(
                    self.env._(
                        "This would credit more prepayment than was invoiced for line %(line)s of %(order)s.",  # noqa: E501
                        line=line.name,
                        order=line.order_id.name,
                    )
                )
            if currency.compare_amounts(sign * deducted, 0) < 0:
                raise UserError(
                    self.env._(
                        "This would give back more prepayment deduction than line %(line)s of %(order)s ever had deducted: "  # noqa: E501
                        "credit only what it still deducts (Reverse, then lower the quantities of the credit note).",  # noqa: E501
                        line=line.name,
                        order=line.order_id.name,
                    )
                )
            if currency.compare_amounts(sign * deducted, sign * invoiced) > 0:
                raise UserError(
                    self.env._(
                        "Line %(line)s of %(order)s would have %(deducted)s of prepayment deducted but only %(invoiced)s invoiced. "  # noqa: E501
                        "Reverse or reset the final invoices that deduct it first.",
                        line=line.name,
                        order=line.order_id.name,
                        deducted=currency.format(deducted),
                        invoiced=currency.format(invoiced),
                    )
                )
            for account, (on_invoiced, on_deducted) in by_account.items():
                if currency.compare_amounts(sign * on_deducted, sign * on_invoiced) > 0:
                    raise UserError(
                        self.env._(
                            "Line %(line)s of %(order)s would have %(deducted)s of prepayment taken back from account %(account)s, "  # noqa: E501
                            "which holds only %(invoiced)s of its prepayment. "
                            "Deduct or credit it on the account of its prepayment lines.",
                            line=line.name,
                            order=line.order_id.name,
                            account=account.display_name,
                            deducted=currency.format(on_deducted),
                            invoiced=currency.format(on_invoiced),
                        )
                    )
            if (
                raises_invoiced
                and currency.compare_amounts(sign * invoiced, sign * line.prepmt_amount) > 0
            ):
                raise UserError(
                    self.env._(
                        "Line %(line)s of %(order)s would have %(invoiced)s of prepayment invoiced, "  # noqa: E501
                        "more than the %(required)s it requires. "
                        "Lower the prepayment document or raise the line's prepayment %%.",
                        line=line.name,
                        order=line.order_id.name,
                        invoiced=currency.format(invoiced),
                        required=currency.format(line.prepmt_amount),
                    )
                )

    def _prepmt_reconcile(self):
        """Match what the prepayment accounts hold, so that their open items are exactly the
        outstanding prepayments: each deduction or credit memo line with the prepayment lines
        it consumes (Odoo books the exchange difference of a foreign currency itself), and a
        prepayment credit memo with the open prepayment invoices it cancels.

        Context key ``prepmt_reconcile_until`` (the 18.0.1.1.0 migration, which replays the
        history one document at a time in the order of their dates): ``(date, id)`` of the
        document replayed; the documents after it are left out, as they did not exist yet."""
        Line = self.env["account.move.line"]
        until = self.env.context.get("prepmt_reconcile_until")
        until_domain = []
        if until:
            until_date, until_id = until
            until_domain = [
                "|",
                ("date", "<", until_date),
                "&",
                ("date", "=", until_date),
                ("move_id", "<=", until_id),
            ]
        # what posting left to write (its states, names, dates) in one go: the search below
        # and Odoo's reconciliation each write what they read, which would split the
        # journal items' update in two
        self.env.flush_all()
        plan = []
        planned = Line
        for order in self._prepmt_orders():
            items = Line.sudo().search(
                [
                    ("prepmt_allocation_ids", "in", order._prepmt_allocations().ids),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("account_id.reconcile", "=", True),
                    *until_domain,
                ]
            )
            alloc_field = order.order_line._prepmt_alloc_field
            for group in items.grouped(lambda ln: (ln.account_id, ln.currency_id)).values():
                if not (
                    any(ln.amount_residual > 0 for ln in group)
                    and any(ln.amount_residual < 0 for ln in group)
                ):
                    continue
                # each order line's items matched together first (one partial each rather
                # than a cascade over the whole group), then what is left of the group (a
                # nested plan: Odoo reconciles its union at the end)
                by_line = group.grouped(
                    lambda ln, field=alloc_field: ln.prepmt_allocation_ids[field][:1]
                )
                plan.append(list(by_line.values()))
                planned |= group
        if plan:
            # one reconciliation for the whole document (Odoo's plan: each group apart). It
            # only matches posted items on the prepayment accounts: the documents' tax,
            # payment term and rounding lines cannot change, so Odoo's synchronisation of
            # the invoices' dynamic lines around it (hundreds of lines compared before and
            # after) is skipped, as Odoo does when it reconciles its own generated entries
            Line.sudo().with_context(
                skip_invoice_sync=True, **self._prepmt_exchange_context(planned)
            )._reconcile_plan(plan)
        for credit in self.filtered(lambda m: m.is_prepayment and m.move_type in REFUND_TYPES):
            order = credit._prepmt_order()
            if not order:
                continue
            invoices = order.prepmt_move_ids.filtered(
                lambda m: (
                    m.state == "posted"
                    and m.move_type in INVOICE_TYPES
                    and (not until or (str(m.date), m.id) <= (until[0], until[1]))
                )
            )
            terms = (credit | invoices).line_ids.filtered(
                lambda ln: ln.display_type == "payment_term" and not ln.reconciled
            )
            for _account, group in terms.grouped("account_id").items():
                if len(group.move_id) > 1:
                    group.sudo().with_context(**self._prepmt_exchange_context(group)).reconcile()

    @api.model
    def _prepmt_exchange_context(self, items):
        """Context of Odoo's reconciliation of ``items``: items all in the company's currency
        leave no exchange difference, so Odoo's search for one (the exchange journal's
        accounting date first) is skipped, as Odoo skips it for its own exchange entries."""
        return {
            "no_exchange_difference": all(ln.currency_id == ln.company_currency_id for ln in items)
        }

    def _prepmt_message_orders(self):
        """Leave a trace on the orders: what was posted, and how much prepayment it moves."""
        for move in self:
            orders = move._prepmt_orders()
            amount = move.currency_id.format(
                sum(move.line_ids.prepmt_allocation_ids.mapped("amount"))
            )
            if move.is_prepayment and move.move_type in REFUND_TYPES:
                body = self.env._(
                    "Prepayment credit memo %(doc)s posted: %(amount)s (untaxed) credited."
                )
            elif move.is_prepayment:
                body = self.env._(
                    "Prepayment invoice %(doc)s posted: %(amount)s (untaxed) invoiced."
                )
            elif move.move_type in REFUND_TYPES:
                body = self.env._(
                    "%(doc)s posted: %(amount)s (untaxed) of prepayment deduction given back."
                )
            else:
                body = self.env._("%(doc)s posted: it deducts %(amount)s (untaxed) of prepayment.")
            for order in orders:
                order._prepmt_log(Markup(body) % {"doc": move._get_html_link(), "amount": amount})

    # ------------------------------------------------------------------
    # Business: taxes (a prepayment adds no tax of its own, to the cent)
    # ------------------------------------------------------------------
    def _prepmt_taxes_by_line(self, lines):
        """``{journal item: {tax id: amount}}`` of ``lines`` of this document, in its
        direction: Odoo's own tax computation of the document (the one that makes its tax
        lines), all the lines in one batch, each line rounded on its own (the true-up is for
        companies that round per line).

        A line with one plain tax (a percentage, a division or a fixed amount) needs no
        computation: Odoo stores that computation of the line, rounded per line in such a
        company, as its totals with and without taxes; their difference is the line's tax."""
        self.ensure_one()
        AccountTax = self.env["account.tax"]
        lines = lines.filtered("tax_ids")
        result = {}
        if self.company_id.tax_calculation_rounding_method == "round_per_line":
            single = lines.filtered(
                lambda ln: (
                    ln.display_type == "product"
                    and len(ln.tax_ids) == 1
                    and ln.tax_ids.amount_type in ("percent", "division", "fixed")
                )
            )
            for line in single:
                result[line] = defaultdict(float)
                result[line][line.tax_ids.id] = line.currency_id.round(
                    line.price_total - line.price_subtotal
                )
            lines -= single
        base_lines = [self._prepare_product_base_line_for_taxes_computation(ln) for ln in lines]
        AccountTax._add_tax_details_in_base_lines(base_lines, self.company_id)
        AccountTax._round_base_lines_tax_details(base_lines, self.company_id)
        for line, base_line in zip(lines, base_lines, strict=True):
            taxes = result[line] = defaultdict(float)
            for tax_data in base_line["tax_details"]["taxes_data"]:
                taxes[tax_data["tax"].id] += tax_data["tax_amount_currency"]
        return result

    def _prepmt_true_up_taxes(self):
        """When a draft document brings an order's outstanding prepayment to zero, make the
        taxes of its prepayment lines give back exactly what is left of the prepaid taxes.

        Each document rounds its taxes per line; a prepayment invoiced in one document and
        deducted in several (or credited) can leave a cent of tax behind. Like Odoo's own
        final invoice after down payments, the last document moves that cent on its tax line
        (and on the receivable/payable). Only for companies that round taxes per line.
        """
        for move in self:
            if (
                move.state != "draft"
                or not move.is_invoice()
                or move.company_id.tax_calculation_rounding_method != "round_per_line"
            ):
                continue
            own_lines = move.line_ids.filtered("prepmt_allocation_ids")
            if (
                move.move_type in INVOICE_TYPES
                and "deduction" not in own_lines.prepmt_allocation_ids.mapped("kind")
            ):
                continue  # a prepayment invoice only adds to what is outstanding
            for order in move._prepmt_orders():
                move._prepmt_true_up_order_taxes(order)
        # a note of an earlier true-up whose cent Odoo's own tax computation has since put
        # back (the document was edited): the note goes, or says the cent moved now
        self.filtered(
            lambda m: m.narration and "o_prepmt_tax_note" in m.narration
        )._prepmt_update_tax_note()

    def _prepmt_doc_prepayment_taxes(self, order):
        """``{tax id: amount}`` that this document's prepayment lines of ``order`` carry, in
        the document's direction, as posted: its tax lines minus the taxes of its other
        lines (so that an earlier true-up counts)."""
        self.ensure_one()
        prepmt_lines = self.line_ids.filtered("prepmt_allocation_ids")
        order_allocs = order._prepmt_allocations()
        of_order = prepmt_lines.filtered(lambda ln: ln.prepmt_allocation_ids & order_allocs)
        others = self.invoice_line_ids.filtered(
            lambda ln: ln.display_type == "product" and not ln.prepmt_allocation_ids
        )
        computed_order, computed_all, tax_lines = (defaultdict(float) for _i in range(3))
        for line in self.line_ids.filtered(lambda ln: ln.display_type == "tax"):
            tax_lines[line.tax_line_id.id] += self.direction_sign * line.amount_currency
        if not others and prepmt_lines == of_order:
            # a document of this order's prepayment alone (its prepayment documents): its
            # tax lines are what its prepayment lines carry, nothing to compute
            return dict(tax_lines)
        taxes = self._prepmt_taxes_by_line(prepmt_lines | others)
        for line in prepmt_lines:
            for tax_id, amount in taxes.get(line, {}).items():
                computed_all[tax_id] += amount
                if line in of_order:
                    computed_order[tax_id] += amount
        for line in others:
            for tax_id, amount in taxes.get(line, {}).items():
                tax_lines[tax_id] -= amount
        result = {}
        for tax_id, amount in computed_order.items():
            adjust = tax_lines[tax_id] - computed_all[tax_id]
            share = amount / computed_all[tax_id] if computed_all[tax_id] else 1.0
            result[tax_id] = amount + adjust * share
        return result

    def _prepmt_true_up_order_taxes(self, order):
        self.ensure_one()
        currency = self.currency_id
        alloc_field = order.order_line._prepmt_alloc_field
        order_allocs = order._prepmt_allocations()
        mine = self.line_ids.filtered(lambda ln: ln.prepmt_allocation_ids & order_allocs)
        # outstanding of the order once this document is posted
        effect = 0.0
        for alloc in mine.prepmt_allocation_ids:
            effect += alloc.signed_amount if alloc.kind == "prepayment" else -alloc.signed_amount
        if not currency.is_zero(order.prepmt_amount_outstanding + effect):
            return
        # prepayment taxes of the posted documents, net (document sign: credit notes < 0)
        posted = (
            self.env["prepayment.allocation"]
            .search(
                [
                    (alloc_field, "in", order.order_line.ids),
                    ("move_id.state", "=", "posted"),
                    ("move_id", "!=", self.id),
                ]
            )
            .move_id
        )
        if not posted:
            return
        net = defaultdict(float)
        for doc in posted:
            sign = doc._prepmt_sign()
            for tax_id, amount in doc._prepmt_doc_prepayment_taxes(order).items():
                net[tax_id] += sign * amount
        own = self._prepmt_doc_prepayment_taxes(order)
        sign = self._prepmt_sign()
        tolerance = currency.rounding * (len(posted.line_ids.prepmt_allocation_ids) + len(mine))
        for tax_id in set(net) | set(own):
            delta = currency.round(-net[tax_id] * sign - own.get(tax_id, 0.0))
            if currency.is_zero(delta) or abs(delta) > tolerance + 1e-9:
                continue
            tax_lines = self.line_ids.filtered(
                lambda ln, tax_id=tax_id: ln.tax_line_id.id == tax_id and ln.display_type == "tax"
            )
            # (the document's other lines can cancel the tax of its prepayment lines: the
            # cent then goes on a tax line of its own)
            self._prepmt_shift_tax(tax_lines or self._prepmt_new_tax_line(tax_id, mine), delta)

    def _prepmt_new_tax_line(self, tax_id, lines):
        """A tax line of tax ``tax_id`` at zero on this draft document, as Odoo's tax
        computation of ``lines`` (its prepayment lines) would make it: its repartition line,
        account, tags and base (``account.tax._prepare_tax_lines``, which leaves out a tax
        line of nothing). For the cent a true-up moves on a document whose lines round
        that tax to nothing, or whose other lines cancel it, so that Odoo made no tax line
        of it."""
        self.ensure_one()
        AccountTax = self.env["account.tax"]
        base_lines, _tax_lines = self._get_rounded_base_and_tax_lines(round_from_tax_lines=False)
        base_lines = [bl for bl in base_lines if bl["record"] in lines]
        AccountTax._add_accounting_data_in_base_lines_tax_details(
            base_lines, self.company_id, include_caba_tags=self.always_tax_exigible
        )
        candidates = {}  # grouping key: [repartition factor, values]
        for base_line in base_lines:
            invert = -1 if base_line["tax_tag_invert"] else 1
            for tax_data in base_line["tax_details"]["taxes_data"]:
                if tax_data["tax"].id != tax_id:
                    continue
                for rep_data in tax_data["tax_reps_data"]:
                    key = frozendict(rep_data["grouping_key"])
                    factor = abs(rep_data["tax_rep"].factor_percent)
                    entry = candidates.setdefault(
                        key, [factor, {"name": tax_data["tax"].name, "tax_base_amount": 0.0}]
                    )
                    entry[1]["tax_base_amount"] += (
                        base_line["sign"] * tax_data["base_amount"] * invert
                    )
        if not candidates:
            return self.env["account.move.line"]
        key, (_factor, values) = max(candidates.items(), key=lambda item: item[1][0])
        before = self.line_ids
        self.line_ids = [
            Command.create({**key, **values, "amount_currency": 0.0, "display_type": "tax"})
        ]
        return self.line_ids - before

    def _prepmt_shift_tax(self, tax_lines, delta):
        """Add ``delta`` (document direction) to the largest of ``tax_lines`` and to what the
        partner owes (the last payment term line)."""
        self.ensure_one()
        term_line = self.line_ids.filtered(lambda ln: ln.display_type == "payment_term")[-1:]
        if not tax_lines or not term_line:
            return False
        tax_line = max(tax_lines, key=lambda ln: abs(ln.amount_currency))
        amount = self.direction_sign * delta
        self.line_ids = [
            Command.update(tax_line.id, {"amount_currency": tax_line.amount_currency + amount}),
            Command.update(term_line.id, {"amount_currency": term_line.amount_currency - amount}),
        ]
        self._prepmt_update_tax_note()
        return True

    def _prepmt_force_total(self, total):
        """Make the total with tax of this draft prepayment document exactly ``total``, the
        amount with tax the user typed: the cent (or few) that no untaxed amount reaches goes
        on its largest tax line of a percentage tax, as Odoo's own down payment of a fixed
        amount does. An untaxed amount so small that its tax rounds to nothing (0.04 typed
        at 15 %: 0.03, no tax) gets a tax line of its own for that cent
        (``_prepmt_new_tax_line``)."""
        self.ensure_one()
        delta = self.currency_id.round(total - self.amount_total)
        if self.currency_id.is_zero(delta):
            return
        tax_lines = self.line_ids.filtered(
            lambda ln: ln.display_type == "tax" and ln.tax_line_id.amount_type != "fixed"
        )
        if not tax_lines and delta > 0:
            lines = self.line_ids.filtered("prepmt_allocation_ids")
            taxes = lines.tax_ids.flatten_taxes_hierarchy().filtered(
                lambda t: t.amount_type in ("percent", "division") and t.amount > 0
            )
            if taxes:
                tax_lines = self._prepmt_new_tax_line(taxes.sorted("sequence")[0].id, lines)
        self._prepmt_shift_tax(tax_lines, delta)

    # the note of a document whose tax the engine moved by a cent (in its narration, which
    # the PDF and the portal show under the lines)
    _PREPMT_TAX_NOTE = re.compile(r'<p class="o_prepmt_tax_note">.*?</p>', re.DOTALL)

    def _prepmt_tax_adjustments(self):
        """``{tax: amount}`` by which the tax lines of this document differ from what Odoo
        computes from its lines (the cent a true-up or a total with tax moved), in the
        document's currency and the sign of Odoo's tax computation."""
        self.ensure_one()
        if self.invoice_cash_rounding_id.strategy == "biggest_tax":
            return {}  # Odoo's own rounding moves the tax there
        adjustments = defaultdict(float)
        for sign, round_from_tax_lines in ((1, True), (-1, False)):
            base_lines, _tax_lines = self._get_rounded_base_and_tax_lines(
                round_from_tax_lines=round_from_tax_lines
            )
            for base_line in base_lines:
                for tax_data in base_line["tax_details"]["taxes_data"]:
                    adjustments[tax_data["tax"]] += sign * tax_data["tax_amount_currency"]
        currency = self.currency_id
        return {
            tax: currency.round(amount)
            for tax, amount in adjustments.items()
            if not currency.is_zero(amount)
        }

    def _prepmt_tax_note_text(self):
        """The sentences that explain the tax the engine moved on this document, in its
        partner's language, or an empty string."""
        self.ensure_one()
        move = self.with_context(lang=self.partner_id.lang or self.env.user.lang)
        currency = self.currency_id
        credit = self.move_type in REFUND_TYPES or "deduction" in (
            self.line_ids.prepmt_allocation_ids.mapped("kind")
        )
        sentences = []
        for tax, amount in sorted(move._prepmt_tax_adjustments().items(), key=lambda t: t[0].id):
            values = {"tax": tax.with_env(move.env).name, "amount": currency.format(amount)}
            if credit:
                sentences.append(
                    move.env._(
                        "Tax %(tax)s adjusted by %(amount)s to match the tax of the prepayment invoices.",  # noqa: E501
                        **values,
                    )
                )
            else:
                sentences.append(
                    move.env._(
                        "Tax %(tax)s adjusted by %(amount)s so that the total is exactly the prepayment amount agreed.",  # noqa: E501
                        **values,
                    )
                )
        return " ".join(sentences)

    def _prepmt_update_tax_note(self):
        """Say it on a draft prepayment or final document when the engine moved a cent of its
        tax (``_prepmt_shift_tax``: the true-up, a total with tax), in a note its partner
        reads; take the note away when no cent is moved (any more)."""
        for move in self:
            if (
                move.state != "draft"
                or not move.is_invoice()
                or not move.line_ids.prepmt_allocation_ids
            ):
                continue
            old = str(move.narration or "")
            kept = self._PREPMT_TAX_NOTE.sub("", old)
            text = move._prepmt_tax_note_text()
            new = kept + (Markup('<p class="o_prepmt_tax_note">%s</p>') % text if text else "")
            if new != old:
                move.narration = Markup(new) if new.strip() else False

    # ------------------------------------------------------------------
    # What the partner sees: mail template, deducted documents
    # ------------------------------------------------------------------
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


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    prepmt_allocation_ids = fields.One2many(
        "prepayment.allocation", "move_line_id", string="Prepayment Allocations", copy=True
    )
