"""One home for building prepayment documents: the prepayment invoice or bill, the prepayment
credit memo, and the deduction lines of final documents (issue 23).

Everything that makes a prepayment document or a deduction line comes here with an order (or
the values or the draft of a final document) and an intent, in the style of Odoo's
``account.move.send``: the order's buttons, the invoice wizard, the mass action and the online
payment (through ``prepayment.order.mixin._prepmt_issue_invoice`` / ``_issue_credit_memo``),
and the final documents (``account.move.create`` and *Update Prepayment Deductions*). Each
intent works out the amounts per order line with the rules that live on the order and its
lines (``_prepmt_amounts_to_invoice``, ``_prepmt_deduction_for_qty``...), turns them into
journal items here (``_line_commands``), and ends with the one finishing step
(``_finish``)."""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import float_compare

from ..helpers import INVOICE_TYPES


class PrepaymentDocumentBuilder(models.AbstractModel):
    _name = "prepayment.document.builder"
    _description = "Prepayment Document Builder"

    # ------------------------------------------------------------------
    # Intents: prepayment documents
    # ------------------------------------------------------------------
    @api.model
    def _issue_invoice(self, order, amount=None, total=None, date=None):
        """Issue a prepayment invoice (bill) of ``order`` for what is still to invoice, or
        for the lower untaxed ``amount`` of it (spread over the lines), or for a lower
        ``total`` with tax (see ``_prepmt_amounts_for_total``); posted when the company says
        so. ``date``: its invoice and accounting date (a payment received first: the day the
        money came in), else today's."""
        order.ensure_one()
        amounts = self._invoice_amounts(order, amount=amount, total=total)
        return self._create_document(
            order, order._prepmt_invoice_type, amounts, total=total, date=date
        )

    @api.model
    def _invoice_amounts(self, order, amount=None, total=None):
        """``{order line: untaxed amount}`` of the prepayment invoice (bill) of ``order``
        (see ``_issue_invoice``), worked out once the order is locked and read afresh."""
        order._prepmt_begin_document()
        if total is not None:
            return order._prepmt_amounts_for_total(total)
        return order._prepmt_amounts_to_invoice(amount)

    @api.model
    def _issue_credit_memo(self, order, amounts=None, total=None):
        """Issue a prepayment credit memo of ``order`` for all that is outstanding, or for
        ``amounts`` (``{order line: untaxed amount}``, each checked against what its line
        holds once the order is locked: ``_prepmt_check_amounts_to_credit``; the rest stays
        invoiced), taken back from the accounts that hold it. With ``total``, the document's
        total with tax is exactly that (a lowered amount typed with tax)."""
        order.ensure_one()
        order._prepmt_begin_document()
        if amounts is None:
            amounts = order._prepmt_amounts_to_credit()
        else:
            amounts = order._prepmt_check_amounts_to_credit(amounts)
        held = order.order_line.browse([line.id for line in amounts])._prepmt_held_by_account()
        return self._create_document(
            order, order._prepmt_refund_type, amounts, held=held, total=total
        )

    @api.model
    def _create_document(self, order, move_type, amounts, held=None, total=None, date=None):
        """Create the prepayment document of ``move_type`` for ``amounts`` (``{order line:
        untaxed amount}``, on the accounts ``held`` says, see ``_line_commands``), and post
        it unless the company reviews drafts first. With ``total``, the document's total with
        tax is made exactly ``total``: the cent that no untaxed amount reaches goes on its
        tax, as Odoo does on a down payment of a fixed amount."""
        return self._create_documents(move_type, [(order, amounts, held)], total=total, date=date)

    @api.model
    def _create_documents(self, move_type, items, total=None, date=None):
        """The prepayment documents of ``move_type`` of ``items`` (``[(order, amounts,
        held)]``, orders of one company; see ``_create_document``), created together and
        posted together (the mass action: Odoo computes and posts a batch of documents in
        one go): the documents, in the order of ``items``. ``total`` (one item only) and
        ``date`` as for ``_create_document``."""
        # (in the orders' own environment: their user, and the company they were given)
        orders = items[0][0].browse([order.id for order, _a, _h in items])
        company = orders.company_id
        company.ensure_one()
        vals_list = []
        for order, amounts, held in items:
            vals = order._prepare_prepmt_invoice(move_type)
            vals["invoice_line_ids"] = self._line_commands(order, amounts, "prepayment", held=held)
            if date:
                vals.update(invoice_date=date, date=date)
            vals_list.append(vals)
        Move = orders.env["account.move"]
        if not Move.has_access("create"):
            # Like Odoo's down payments: a salesperson without billing rights may invoice
            # what the order requires; the document is created as superuser.
            orders.check_access("write")
            Move = Move.sudo()
        moves = Move.with_company(company).create(vals_list)
        self._finish(moves, total=total)
        for (order, _amounts, _held), move in zip(items, moves, strict=True):
            currency = order.currency_id
            if currency.compare_amounts(move.amount_total, 0) < 0:
                # negative lines (discounts, returns) that carry more tax than the others
                raise UserError(
                    self.env._(
                        "The prepayment document of %(order)s would have a negative total with taxes (%(total)s): "  # noqa: E501
                        "its negative lines carry more tax than the others. "
                        "Change the amount or the lines' prepayment %%.",
                        order=order.name,
                        total=currency.format(move.amount_total),
                    )
                )
        can_post = orders.env.su or orders.env.user.has_group("account.group_account_invoice")
        if company.prepmt_auto_post and can_post:
            # their amounts are what the lines still have to invoice or credit, worked out
            # under the lock: posting need not check the orders' ledgers again (a flag, not
            # the documents' ids: one environment for all the documents of a mass action)
            moves.with_context(prepmt_engine_built=True).action_post()
        elif company.prepmt_auto_post:
            # Like Odoo's down payments: users without billing rights leave a draft that
            # the accounting team posts.
            for (order, _amounts, _held), move in zip(items, moves, strict=True):
                order._prepmt_log(
                    Markup(
                        self.env._(
                            "Draft prepayment document %(doc)s created: you may not post invoices, "
                            "so an accountant will review and post it."
                        )
                    )
                    % {"doc": move._get_html_link()}
                )
        else:
            for (order, _amounts, _held), move in zip(items, moves, strict=True):
                order._prepmt_log(
                    Markup(
                        self.env._("Draft prepayment document %(doc)s created: review and post it.")
                    )
                    % {"doc": move._get_html_link()}
                )
        return moves.sudo(False)

    # ------------------------------------------------------------------
    # Intents: deductions of final documents
    # ------------------------------------------------------------------
    @api.model
    def _add_deductions(self, vals):
        """Add the deduction lines to the values of a final invoice or bill before it is
        created (``_create_invoices`` / ``action_create_invoice``, a bill matched by hand),
        so that Odoo computes its taxes and terms once, not once more when
        ``_sync_deductions`` writes them.

        The cap uses ``quantity x price_unit x (1 - discount)``; ``_sync_deductions``
        (*Update Prepayment Deductions*, a quantity edited) corrects the rare case where the
        real subtotal (price-included taxes) gives another amount.
        """
        invoiced = self._invoiced_in_vals(vals)
        by_order = self._deductions(invoiced)
        if by_order:
            # the form's tax totals were computed without the deduction: Odoo computes them
            # again (the inverse of tax_totals would force the old tax amounts)
            vals.pop("tax_totals", None)
            vals["invoice_line_ids"] = list(vals["invoice_line_ids"])
            for order, amounts in by_order.items():
                vals["invoice_line_ids"] += self._line_commands(
                    order, amounts, "deduction", billed=invoiced
                )

    @api.model
    def _new_line_vals(self, vals):
        """The values of the lines that ``vals`` of an invoice or bill creates (its
        ``invoice_line_ids`` CREATE commands)."""
        return [
            command[2]
            for command in vals.get("invoice_line_ids") or ()
            if isinstance(command, (list, tuple)) and command[0] == Command.CREATE
        ]

    @api.model
    def _vals_subtotal(self, line_vals):
        """The quantity times the price after discount of new line values, unrounded and in
        the order Odoo multiplies them (``_add_tax_details_in_base_line``): the untaxed
        amount of a line whose taxes are not included in its price."""
        return line_vals.get("quantity", 1.0) * (
            line_vals.get("price_unit", 0.0) * (1 - (line_vals.get("discount") or 0.0) / 100.0)
        )

    @api.model
    def _vals_taxes(self, line_vals):
        """The taxes that new line values set with their ``tax_ids`` SET commands; ``None``
        when they give none, or give them otherwise."""
        commands = list(line_vals.get("tax_ids") or ())
        if not commands or not all(
            isinstance(c, (list, tuple)) and c[0] == Command.SET for c in commands
        ):
            return None
        return self.env["account.tax"].browse([tax_id for c in commands for tax_id in c[2]])

    @api.model
    def _vals_amounts(self, line_vals, order_line):
        """``(untaxed amount, total with tax)`` of the new invoice or bill line ``line_vals``
        of ``order_line``: its quantity times its price after discount
        (``_vals_subtotal``), or, when a tax of the line is included in its price, what
        Odoo's own computation of the line's amounts gives
        (``account.move.line._compute_totals``). Only lines whose taxes are included in
        their price use the total, and only those pay for its computation: the total of
        another line is given as its untaxed amount."""
        subtotal = self._vals_subtotal(line_vals)
        Tax = self.env["account.tax"]
        taxes = self._vals_taxes(line_vals)
        if taxes is None:
            taxes = order_line[order_line._prepmt_tax_field]
        if not any(taxes.mapped("price_include")):
            return subtotal, subtotal
        currency = (
            self.env["res.currency"].browse(line_vals["currency_id"])
            if line_vals.get("currency_id")
            else order_line.currency_id or order_line.order_id.currency_id
        )
        base_line = Tax._prepare_base_line_for_taxes_computation(
            None,
            product_id=self.env["product.product"].browse(line_vals.get("product_id")),
            tax_ids=taxes,
            price_unit=line_vals.get("price_unit", 0.0),
            quantity=line_vals.get("quantity", 1.0),
            discount=line_vals.get("discount") or 0.0,
            currency_id=currency,
        )
        Tax._add_tax_details_in_base_line(base_line, order_line.company_id)
        details = base_line["tax_details"]
        return details["total_excluded_currency"], details["total_included_currency"]

    @api.model
    def _invoiced_in_vals(self, vals):
        """``{order line: [quantity (line UoM), untaxed cap, total]}`` that the values of a
        new final invoice or bill invoice (nothing for a credit note, a prepayment document,
        or a copy that brings its own deductions; the total as ``_vals_amounts`` gives
        it)."""

        move_type = vals.get("move_type") or self.env.context.get("default_move_type")
        if (
            move_type not in INVOICE_TYPES
            or vals.get("reversed_entry_id")
            or any(vals.get(field) for field in self.env["account.move"]._prepmt_link_fields())
        ):
            return {}
        new_lines = self._new_line_vals(vals)
        if any(line_vals.get("prepmt_allocation_ids") for line_vals in new_lines):
            return {}  # a copy: it brings its own deductions
        line_models = self.env["prepayment.line.mixin"]._prepmt_line_models()
        items = []  # (model, order line id, qty, uom id, line values)
        for line_vals in new_lines:
            if (line_vals.get("display_type") or "product") != "product" or line_vals.get(
                "prepmt_allocation_ids"
            ):
                continue
            ids = [
                (model, line_id)
                for model in line_models
                for line_id in self.env[model]._prepmt_line_ids_of_vals(line_vals)
            ]
            if len(ids) != 1:
                continue
            qty = line_vals.get("quantity", 1.0)
            items.append((*ids[0], qty, line_vals.get("product_uom_id"), line_vals))
        # browse each model's lines together, so that their fields are read in batch
        records = {}
        for model in line_models:
            for line in self.env[model].browse([i[1] for i in items if i[0] == model]):
                records[model, line.id] = line
        invoiced = {}  # order line: [qty (line UoM), untaxed cap, total]
        for model, line_id, qty, uom, line_vals in items:
            line = records[model, line_id]
            cap, total = self._vals_amounts(line_vals, line)
            if uom and uom != line.product_uom.id:
                qty = self.env["uom.uom"].browse(uom)._compute_quantity(qty, line.product_uom)
            entry = invoiced.setdefault(line, [0.0, 0.0, 0.0])
            entry[0] += qty
            entry[1] += cap
            entry[2] += total
        return invoiced

    @api.model
    def _deductions(self, invoiced, exclude_moves=None):
        """``{order: {order line: amount}}`` that a final document invoicing ``invoiced``
        (``{order line: [quantity, untaxed amount, total]}``, in each line's direction) deducts:
        a new document (no ``exclude_moves``) what ``_deduction_on_create`` says, a draft
        being updated what ``prepayment.line.mixin._prepmt_deduction_for_qty`` says for its
        quantities."""
        by_order = defaultdict(dict)
        for line, (qty, cap, _total) in invoiced.items():
            if not line._prepmt_has_outstanding():
                continue
            if exclude_moves is None:
                amount = self._deduction_on_create(line, qty, cap)
            else:
                amount = line._prepmt_deduction_for_qty(qty, exclude_moves=exclude_moves, cap=cap)
            if not line.currency_id.is_zero(amount):
                by_order[line.order_id][line] = amount
        return by_order

    @api.model
    def _deduction_on_create(self, line, qty, cap):
        """What a new final document that invoices ``qty`` of ``line`` deducts: the line's
        *Prepayment to Deduct* when it invoices the quantity to invoice now and the user
        changed what the line proposed, else the proposal for ``qty`` (at most ``cap``)."""
        currency = line.currency_id or line.order_id.currency_id
        rounding = line.product_uom.rounding or 0.001
        proposal = line._prepmt_deduction_for_qty(qty)
        if not float_compare(
            qty, line.qty_to_invoice, precision_rounding=rounding
        ) and not currency.is_zero(line.prepmt_amount_to_deduct - proposal):
            return line.prepmt_amount_to_deduct
        return line._prepmt_capped(proposal, cap, last=line._prepmt_is_last_qty(qty))

    @api.model
    def _sync_deductions(self, moves):
        """(Re)build the deduction lines of the draft final documents ``moves`` from their
        quantities.

        Final invoices and bills (and a credit note that bills negative lines) deduct per
        ``prepayment.line.mixin._prepmt_deduction_for_qty``; a credit note of a final invoice
        gives back the share of what that invoice deducted that its quantities credit (all
        of it for a full reversal).
        """
        for move in moves:
            if move.state != "draft" or move.is_prepayment or not move.is_invoice():
                continue
            held = None  # a deduction takes from the accounts that hold the prepayment
            billed = None
            # a credit note billing negative lines deducts as the invoice Odoo switched it
            # from did: its lines' quantities, and so their allocations, negated
            flip = 1
            if move.reversed_entry_id and move.move_type not in INVOICE_TYPES:
                by_order = self._given_back(move)
                # given back to the accounts the reversed invoice deducted from
                held = move.reversed_entry_id._prepmt_deducted_by_account()
            else:
                flip = move._prepmt_sign()
                billed = move._prepmt_billed_lines()
                by_order = self._deductions(billed, exclude_moves=move)
            wanted = {
                line: flip * amount
                for amounts in by_order.values()
                for line, amount in amounts.items()
            }
            existing = move.line_ids.filtered(
                lambda ln: any(a.kind == "deduction" for a in ln.prepmt_allocation_ids)
            )
            current = move._prepmt_deducted_by_line()
            if {ln: round(a, 6) for ln, a in wanted.items()} == {
                ln: round(a, 6) for ln, a in current.items()
            }:
                continue
            commands = [Command.unlink(ln.id) for ln in existing]
            for order, amounts in by_order.items():
                commands += self._line_commands(
                    order, amounts, "deduction", held=held, switched=flip < 0, billed=billed
                )
            move.with_context(prepmt_no_deduction=True).sudo().write({"invoice_line_ids": commands})
            move._prepmt_fix_included_tax_rounding()

    @api.model
    def _given_back(self, credit_note):
        """``{order: {order line: amount}}`` that ``credit_note`` of a final invoice gives
        back: what the reversed invoice deducted, in proportion to the quantity credited."""
        original = credit_note.reversed_entry_id
        deducted = original._prepmt_deducted_by_line()
        invoiced = original._prepmt_final_order_lines()
        credited = credit_note._prepmt_final_order_lines()
        by_order = defaultdict(dict)
        for line, amount in deducted.items():
            qty = invoiced.get(line, [0.0])[0]
            back = credited.get(line, [0.0])[0]
            currency = line.currency_id
            if not qty or back / qty >= 1 - 1e-9:
                share = amount
            else:
                share = currency.round(amount * max(back / qty, 0.0))
            if not currency.is_zero(share):
                by_order[line.order_id][line] = share
        return by_order

    # ------------------------------------------------------------------
    # Journal items
    # ------------------------------------------------------------------
    @api.model
    def _line_commands(self, order, amounts, kind, held=None, switched=False, billed=None):
        """Invoice line commands for ``{order line: untaxed amount}`` of ``order``: the
        prepayment lines of a prepayment document (``kind`` 'prepayment') or the deduction
        lines of a final document ('deduction'). Lines are grouped by account, taxes and
        analytic distribution when the order groups them (see
        ``prepayment.line.mixin._prepmt_group_keys``), one per account and order line
        otherwise.

        ``held`` (``{order line: {account: amount}}``) says on which accounts the amounts
        are taken back: a prepayment credit memo and a deduction take back what the accounts
        credited for the line still hold (the default for deductions), a credit note of a
        final invoice gives back to the accounts that invoice deducted from. Without it, a
        prepayment goes to each line's prepayment account (``_prepmt_new_accounts``).

        ``switched``: the lines as Odoo's ``action_switch_move_type`` leaves them on the
        credit note it makes of a negative invoice (quantity -1, allocations negated: the
        same amounts meant), for a credit note that bills negative lines.

        ``billed`` (``{order line: [quantity, untaxed amount, total]}``): what the final
        document bills, for deductions whose price includes their taxes (see
        ``_line_vals``)."""
        order.ensure_one()
        if held is None and kind == "deduction":
            held = order.order_line.browse([line.id for line in amounts])._prepmt_held_by_account()
        return [
            Command.create(
                self._line_vals(lines, group, kind, account, switched=switched, billed=billed)
            )
            for account, lines, group in self._groups(order, amounts, held)
        ]

    @api.model
    def _groups(self, order, amounts, held=None):
        """``[(account, order lines, {order line: amount})]``: the journal items that
        ``_line_commands`` makes of ``amounts``, one per account and group key."""
        groups = defaultdict(dict)
        accounts = {}
        lines = order.order_line.browse([line.id for line in amounts])
        group_keys = lines._prepmt_group_keys()
        new_accounts = lines._prepmt_new_accounts()
        for line, amount in amounts.items():
            for account, share in line._prepmt_split_by_account(
                amount, (held or {}).get(line), new_accounts[line]
            ):
                key = (account.id, *group_keys[line])
                accounts[key] = account
                groups[key][line] = share
        return [
            (accounts[key], order.order_line.browse([line.id for line in group]), group)
            for key, group in groups.items()
        ]

    @api.model
    def _line_vals(self, lines, amounts, kind, account, switched=False, billed=None):
        """Values of the journal item that carries ``amounts`` (``{order line: untaxed
        amount}``) for ``lines`` (one, or several of one group key) on the prepayment
        ``account``: a prepayment line (``kind`` 'prepayment') or a deduction line of a final
        document ('deduction', negative), with one allocation per order line.

        A deduction of as much as the document bills for ``lines`` untaxed (``billed``, see
        ``_line_commands``) also takes as much with its taxes included in the price, so that
        the document comes to nothing, not to a cent below (see
        ``prepayment.line.mixin._prepmt_price_unit``)."""
        order = lines.order_id
        order.ensure_one()
        first = lines[0]
        currency = order.currency_id
        taxes = first._prepmt_taxes()
        total = currency.round(sum(amounts[line] for line in lines))
        with_tax = None
        if billed and all(line in billed for line in lines):
            billed_untaxed = sum(billed[line][1] for line in lines)
            if not currency.compare_amounts(billed_untaxed, total):
                with_tax = currency.round(sum(billed[line][2] for line in lines))
        sign = -1 if kind == "deduction" else 1
        switch = -1 if switched else 1  # see _line_commands
        return {
            "name": lines._prepmt_line_label(kind),
            "account_id": account.id,
            "quantity": switch * 1.0,
            "price_unit": sign * first._prepmt_price_unit(total, taxes, with_tax=with_tax),
            "tax_ids": [Command.set(taxes.ids)],
            "analytic_distribution": first.analytic_distribution,
            # (the document's currency and company, given so that hundreds of allocations
            # need not work them out from a journal item not created yet)
            "prepmt_allocation_ids": [
                Command.create(
                    {
                        "kind": kind,
                        lines._prepmt_alloc_field: line.id,
                        "amount": switch * amounts[line],
                        "currency_id": order.currency_id.id,
                        "company_id": order.company_id.id,
                    }
                )
                for line in lines
            ],
        }

    # ------------------------------------------------------------------
    # The finishing step
    # ------------------------------------------------------------------
    @api.model
    def _finish_created(self, moves):
        """``_finish`` of the final documents that Odoo's own action (*Create Invoice*,
        *Create Bill*) has just made; as that action does, a final invoice or bill whose
        total is below zero then becomes a credit note (the cent of tax the true-up gives
        back on a document that bills as much as it deducts)."""
        self._finish(moves)
        negative = moves.filtered(
            lambda m: (
                m.state == "draft"
                and m.move_type in INVOICE_TYPES
                and m.currency_id.round(m.amount_total) < 0
            )
        )
        for move in negative:
            products = move.line_ids.filtered(lambda ln: ln.display_type == "product")
            quantities = {line: line.quantity for line in products}
            move.action_switch_move_type()
            if any(line.quantity == qty for line, qty in quantities.items() if qty):
                # Odoo negates the quantities of a document that is still negative once
                # switched, after it computed its taxes again: the true-up's cent, which
                # alone made this one negative, went with that computation
                move.with_context(prepmt_no_deduction=True).write(
                    {
                        "line_ids": [
                            Command.update(line.id, {"quantity": -qty})
                            for line, qty in quantities.items()
                        ]
                    }
                )
            self._finish(move)

    @api.model
    def _finish(self, moves, total=None):
        """After prepayment or deduction lines were built on ``moves`` (drafts): the lines of
        price-included taxes to the cent of their allocations, the taxes of the document that
        takes the order's last prepayment true to what was prepaid, and with ``total`` (a
        prepayment document typed with tax) its total exactly that."""
        moves._prepmt_fix_included_tax_rounding()
        moves._prepmt_true_up_taxes()
        if total is not None:
            moves._prepmt_force_total(total)
