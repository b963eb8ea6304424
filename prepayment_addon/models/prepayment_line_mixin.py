from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero

from ..helpers import check_percent, distribute, refuse_if_engaged
from .prepayment_order_mixin import adapter_depends


class PrepaymentLineMixin(models.AbstractModel):
    """Prepayment amounts of an order line, shared by sales and purchase order lines.

    The concrete line models (the "adapters") only name their own fields through the
    ``_prepmt_*_field`` attributes; every amount, rounding rule and guard lives here.
    """

    _name = "prepayment.line.mixin"
    _description = "Prepayment fields of an order line"

    # Adapter configuration, set by the concrete models.
    _prepmt_order_type = None  # the order type of its prepayment rules (prepayment.rule)
    _prepmt_qty_field = None  # ordered quantity
    _prepmt_tax_field = None  # taxes of the line
    _prepmt_alloc_field = None  # field of prepayment.allocation pointing to the line

    # Defined by the concrete models; declared here so that the mixin's own fields resolve.
    currency_id = fields.Many2one("res.currency")

    prepmt_percent = fields.Float(
        "Prepayment %",
        compute="_compute_prepmt_percent",
        store=True,
        readonly=False,
        precompute=True,
        copy=True,
        help="Share of the line's untaxed amount to invoice in advance.",
    )
    prepmt_amount = fields.Monetary(
        "Prepayment Amount",
        compute="_compute_prepmt_amount",
        store=True,
        readonly=False,
        inverse="_inverse_prepmt_amount",
        copy=False,
        help="Untaxed amount to invoice in advance for this line.",
    )
    prepmt_amount_invoiced = fields.Monetary(
        "Prepayment Invoiced",
        compute="_compute_prepmt_invoiced",
        store=True,
        copy=False,
        help="Posted prepayment invoices minus posted prepayment credit memos (untaxed).",
    )
    prepmt_amount_deducted = fields.Monetary(
        "Prepayment Deducted",
        compute="_compute_prepmt_invoiced",
        store=True,
        copy=False,
        help="What posted final invoices have deducted, minus their credit notes (untaxed).",
    )
    prepmt_amount_outstanding = fields.Monetary(
        "Prepayment Not Yet Deducted",
        compute="_compute_prepmt_invoiced",
        store=True,
        copy=False,
        help="Invoiced minus deducted: what the prepayment account holds for this line.",
    )
    prepmt_amount_to_invoice = fields.Monetary(
        "Prepayment to Invoice", compute="_compute_prepmt_invoiced", store=True, copy=False
    )
    prepmt_amount_to_deduct = fields.Monetary(
        "Prepayment to Deduct",
        compute="_compute_prepmt_amount_to_deduct",
        store=True,
        readonly=False,
        copy=False,
        help="What the next final invoice deducts for this line. Proposed by the order's "
        "deduction plan: the outstanding prepayment in proportion to the quantity to invoice "
        "now, all of it, or nothing (all of it with the last quantity, whatever the plan). "
        "You may change it, between 0 and the outstanding prepayment.",
    )
    prepmt_amount_incl = fields.Monetary(
        "Prepayment Amount (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="The line's prepayment amount with its taxes.",
    )
    prepmt_amount_invoiced_incl = fields.Monetary(
        "Prepayment Invoiced (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="The line's invoiced prepayment with its taxes.",
    )
    prepmt_amount_outstanding_incl = fields.Monetary(
        "Prepayment Not Yet Deducted (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="The line's prepayment invoiced and not yet deducted, with its taxes.",
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------
    @adapter_depends(lambda model: model._prepmt_percent_depends())
    def _compute_prepmt_percent(self):
        # Lines with an invoiced prepayment keep their %: the guards protect them.
        # (read the allocations, not prepmt_amount_invoiced: that one depends on the
        # % being computed here and would be computed too early)
        free = self.filtered(
            lambda ln: (
                ln._prepmt_is_product_line()
                and not any(
                    a.kind == "prepayment" and a.move_id.state == "posted"
                    for a in ln._origin.prepmt_allocation_ids
                )
            )
        )
        for line, percent in free._prepmt_default_percents().items():
            line.prepmt_percent = percent
        for line in self.filtered(lambda ln: not ln._prepmt_is_product_line()):
            line.prepmt_percent = 0.0

    @adapter_depends("price_subtotal", "prepmt_percent", "currency_id")
    def _compute_prepmt_amount(self):
        for line in self:
            line.prepmt_amount = line._prepmt_amount_of_percent()

    def _inverse_prepmt_amount(self):
        for line in self:
            currency = line.currency_id or line.order_id.currency_id
            sign = line._prepmt_sign()
            if currency.is_zero(line.price_subtotal):
                if not currency.is_zero(line.prepmt_amount):
                    raise ValidationError(
                        self.env._(
                            "Line %(line)s has no amount: it cannot carry a prepayment amount.",
                            line=line.name,
                        )
                    )
                continue
            if currency.compare_amounts(sign * line.prepmt_amount, 0) < 0:
                raise ValidationError(
                    self.env._(
                        "The prepayment amount of %(line)s must have the sign of the line's amount (%(subtotal)s).",  # noqa: E501
                        line=line.name,
                        subtotal=currency.format(line.price_subtotal),
                    )
                )
            if currency.compare_amounts(sign * line.prepmt_amount, sign * line.price_subtotal) > 0:
                raise ValidationError(
                    self.env._(
                        "The prepayment amount of %(line)s (%(amount)s) cannot exceed the line's untaxed amount (%(subtotal)s).",  # noqa: E501
                        line=line.name,
                        amount=line.prepmt_amount,
                        subtotal=line.price_subtotal,
                    )
                )
            if (
                line.currency_id.compare_amounts(
                    line.prepmt_amount, line._prepmt_amount_of_percent()
                )
                == 0
            ):
                # the amount the % gives (the form sends it back on save): keep the % as typed
                continue
            line.prepmt_percent = line.prepmt_amount / line.price_subtotal * 100.0

    @adapter_depends(
        "order_id.state",
        "prepmt_amount",
        "qty_invoiced",
        "invoice_lines.move_id.state",
        "price_subtotal",
        "prepmt_allocation_ids.amount",
        "prepmt_allocation_ids.kind",
        "prepmt_allocation_ids.move_id.state",
        "prepmt_allocation_ids.move_id.move_type",
    )
    def _compute_prepmt_invoiced(self):
        # saved lines: their allocations added up by the database in one query; lines of a
        # form being edited: from their allocations in memory
        saved = self.filtered(lambda ln: isinstance(ln.id, int))
        totals = self.env["prepayment.allocation"].sudo()._prepmt_totals_of_lines(saved)
        values = defaultdict(list)  # see _prepmt_assign_by_value
        for line in self:
            if isinstance(line.id, int):
                invoiced, deducted = totals.get(line.id, (0.0, 0.0))
            else:
                invoiced, deducted = line.prepmt_allocation_ids._prepmt_totals()
            currency = line.currency_id or line.order_id.currency_id
            outstanding = currency.round(invoiced - deducted)
            to_invoice = line._prepmt_invoiceable(
                currency.round(line.prepmt_amount - invoiced), outstanding
            )
            for name, value in (
                ("prepmt_amount_invoiced", currency.round(invoiced)),
                ("prepmt_amount_deducted", currency.round(deducted)),
                ("prepmt_amount_outstanding", outstanding),
                ("prepmt_amount_to_invoice", to_invoice),
            ):
                values[name, currency, value].append(line.id)
        self._prepmt_assign_by_value(values)

    def _prepmt_assign_by_value(self, values):
        """Assign computed amounts given as ``{(field name, currency, value): line ids}``: one
        assignment per distinct value rather than one per line (hundreds of lines of one
        document often share a value: nothing deducted yet, all invoiced, all to deduct). The
        currency is part of the key: Odoo refuses one monetary value for records of several
        currencies (lines of orders in different currencies)."""
        for (name, _currency, value), ids in values.items():
            self.browse(ids)[name] = value

    @adapter_depends(
        "prepmt_amount",
        "prepmt_amount_invoiced",
        "prepmt_amount_outstanding",
        lambda model: model._prepmt_tax_field,
    )
    def _compute_prepmt_amounts_incl(self):
        for line in self:
            line.prepmt_amount_incl = line._prepmt_with_tax(line.prepmt_amount)
            line.prepmt_amount_invoiced_incl = line._prepmt_with_tax(line.prepmt_amount_invoiced)
            line.prepmt_amount_outstanding_incl = line._prepmt_with_tax(
                line.prepmt_amount_outstanding
            )

    @adapter_depends(
        "qty_to_invoice", "prepmt_amount_outstanding", "order_id.prepmt_deduction_plan"
    )
    def _compute_prepmt_amount_to_deduct(self):
        values = defaultdict(list)  # see _prepmt_assign_by_value
        for line in self:
            currency = line.currency_id or line.order_id.currency_id
            amount = line._prepmt_deduction_for_qty(line.qty_to_invoice)
            values["prepmt_amount_to_deduct", currency, amount].append(line.id)
        self._prepmt_assign_by_value(values)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("prepmt_amount_to_deduct")
    def _check_prepmt_amount_to_deduct(self):
        for line in self:
            message = line._prepmt_deduction_error(line.prepmt_amount_to_deduct)
            if message:
                raise ValidationError(message)

    @api.constrains("prepmt_percent")
    def _check_prepmt_percent(self):
        check_percent(
            self,
            lambda line: self.env._(
                "The prepayment %% of line %(line)s must be between 0 and 100.", line=line.name
            ),
        )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.ondelete(at_uninstall=False)
    def _unlink_except_prepmt_outstanding(self):
        # the adapters ask it before Odoo's own refusal of deleting a line of a confirmed
        # order ("set the quantity to 0 instead"), which this guard would refuse as well
        refuse_if_engaged(
            self,
            lambda line: line._prepmt_undeletable_message(),
            lambda line, docs: line._prepmt_on_draft_message(docs),
        )

    def _prepmt_undeletable_message(self):
        """Why this line, whose prepayment is invoiced and not deducted, cannot go, and the
        way out: the order's prepayment credit memo, then deleting the line or, where Odoo
        keeps the lines of a confirmed order, setting its quantity to 0."""
        values = {
            "line": self.name,
            "order": self.order_id.name,
            "amount": self.currency_id.format(self.prepmt_amount_outstanding),
            "button": self.order_id._prepmt_credit_memo_button(),
        }
        if self._prepmt_deletable():
            return self.env._(
                "Line %(line)s of %(order)s has an invoiced prepayment of %(amount)s that was not deducted: "  # noqa: E501
                "post a prepayment credit memo first (the %(button)s button, with only this line chosen to credit it alone), "  # noqa: E501
                "then delete the line.",
                **values,
            )
        return self.env._(
            "Line %(line)s of %(order)s has an invoiced prepayment of %(amount)s that was not deducted: "  # noqa: E501
            "post a prepayment credit memo first (the %(button)s button, with only this line chosen to credit it alone), "  # noqa: E501
            "then set the line's quantity to 0 (a confirmed order keeps its lines).",
            **values,
        )

    def action_open_prepmt_credit_memo_wizard(self):
        """The order's prepayment credit memo window with only this line chosen (the way out
        that the deletion guard names)."""
        self.ensure_one()
        return self.order_id.with_context(
            prepmt_credit_line_ids=self.ids
        ).action_open_prepmt_credit_memo_wizard()

    def _prepmt_on_draft_message(self, docs):
        return self.env._(
            "Line %(line)s of %(order)s is on the draft document %(docs)s: "
            "post or delete the draft first.",
            line=self.name,
            order=self.order_id.name,
            docs=docs,
        )

    def _prepmt_deletable(self):
        """Whether Odoo lets this line be deleted (adapter hook: a confirmed order keeps its
        lines, their quantity set to 0 instead)."""
        return True

    def write(self, vals):
        snapshot = self._prepmt_snapshot_locked(vals)
        res = super().write(vals)
        self._prepmt_check_locked(snapshot)
        if self and {
            "prepmt_percent",
            "prepmt_amount",
            self._prepmt_qty_field,
            "price_unit",
            "discount",
            self._prepmt_tax_field,
        } & set(vals):
            self._prepmt_check_amounts()
        return res

    # ------------------------------------------------------------------
    # Business: adapter hooks (overridden by the concrete line models)
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_percent_depends(self):
        return ["product_id", "order_id.prepmt_percent", "order_id.partner_id"]

    @api.model
    def _prepmt_line_models(self):
        """Names of the concrete order line models that carry prepayments: the line models
        of the order models."""
        return tuple(
            self.env[model]._fields["order_line"].comodel_name
            for model in self.env["prepayment.order.mixin"]._prepmt_order_models()
        )

    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        """The order lines of this model that journal item ``aml`` invoices."""
        raise NotImplementedError

    @api.model
    def _prepmt_line_ids_of_vals(self, aml_vals):
        """Ids of the order lines of this model that the values of a journal item about to
        be created invoice."""
        raise NotImplementedError

    def _prepmt_ordered_qty(self):
        return self[self._prepmt_qty_field]

    def _prepmt_is_product_line(self):
        """Lines that can carry a prepayment (no sections, notes, down payments)."""
        return not self.display_type and not self.is_downpayment

    # ------------------------------------------------------------------
    # Business: the line's % and amounts
    # ------------------------------------------------------------------
    def _prepmt_default_percents(self, use_rules=True):
        """``{line: %}``, the one place that says which % a line gets: the % of the
        prepayment rule valid for its product (see ``prepayment.rule._get_percents``), else
        its order's %. With ``use_rules=False``, the order's % (a % typed on the order
        applies to every line)."""
        result = {}
        for order, lines in self.grouped("order_id").items():
            percents = order._prepmt_rule_percents(lines.product_id) if use_rules else {}
            for line in lines:
                percent = percents.get(line.product_id.id)
                result[line] = order.prepmt_percent if percent is None else percent
        return result

    def _prepmt_set_percent(self, use_rules=True):
        """Give the lines the % of :meth:`_prepmt_default_percents` (one write per %)."""
        by_percent = defaultdict(lambda: self.browse())
        for line, percent in self._prepmt_default_percents(use_rules).items():
            if line.prepmt_percent != percent:
                by_percent[percent] |= line
        for percent, lines in by_percent.items():
            lines.prepmt_percent = percent

    def _prepmt_amount_of_percent(self):
        """The prepayment amount that the line's % gives."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        amount = self.price_subtotal * (self.prepmt_percent or 0.0) / 100.0
        return currency.round(amount) if currency else amount

    def _prepmt_sign(self):
        """1 for a line that adds to the order, -1 for a negative line (a discount or reward
        line, a returned quantity): its prepayment, invoiced and deducted amounts are negative
        too, and every bound below holds in the line's own direction."""
        self.ensure_one()
        return -1 if self.price_subtotal < 0 else 1

    def _prepmt_taxes(self):
        """Taxes of the prepayment and deduction lines: the line's taxes without fixed-amount
        ones (an eco-fee per unit is due on the quantity, once, on the final invoice), as
        Odoo's own down payments do."""
        taxes = self[self._prepmt_tax_field].flatten_taxes_hierarchy()
        return taxes.filtered(lambda tax: tax.amount_type != "fixed")

    def _prepmt_invoiceable(self, missing, outstanding):
        """What a prepayment invoice may still invoice on this line: what is missing, but no
        more than the final invoices still to come can deduct (nothing once the line is fully
        invoiced; nothing on a cancelled order, which requires nothing). In the line's
        direction: negative for a negative line."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        sign = self._prepmt_sign()
        if currency.compare_amounts(sign * missing, 0) <= 0 or (
            self.order_id and self.order_id._prepmt_is_cancelled()
        ):
            return 0.0
        ordered = self._prepmt_ordered_qty()
        if not self.qty_invoiced or not ordered:
            return missing
        remaining_qty = self._prepmt_remaining_qty()
        room = currency.round(
            sign * self.price_subtotal * max(remaining_qty / ordered, 0.0) - sign * outstanding
        )
        return sign * max(min(sign * missing, room), 0.0)

    def _prepmt_draft_documents(self):
        """Draft documents (prepayment or final) that carry a prepayment line of this line."""
        self.ensure_one()
        return self.prepmt_allocation_ids.move_id.filtered(lambda m: m.state == "draft")

    def _prepmt_has_outstanding(self):
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        return not currency.is_zero(self.prepmt_amount_outstanding)

    @api.model
    def _prepmt_invoiced_by_line(self, move_lines):
        """``{order line: [quantity (line UoM), untaxed amount, total with tax]}`` of
        ``move_lines``."""
        result = {}
        for aml in move_lines:
            for line in self._prepmt_lines_of_move_line(aml):
                qty = (
                    aml.product_uom_id._compute_quantity(aml.quantity, line.product_uom)
                    if aml.product_uom_id
                    else aml.quantity
                )
                entry = result.setdefault(line, [0.0, 0.0, 0.0])
                entry[0] += qty
                entry[1] += aml.price_subtotal
                entry[2] += aml.price_total
        return result

    # ------------------------------------------------------------------
    # Business: prepayment and deduction lines of documents
    # ------------------------------------------------------------------
    def _prepmt_group_keys(self):
        """``{line: key}``: lines of the same key share one prepayment (or deduction) line of
        a document when their order groups prepayment lines: same taxes and analytic
        distribution (and same account, see ``prepayment.document.builder._line_commands``).
        Lines of the same taxes share their work (hundreds of lines, a handful of taxes)."""
        keys = {}
        taxes_keys = {}
        for line in self:
            if not line.order_id.prepmt_compress:
                keys[line] = (line.id,)
                continue
            taxes = line[line._prepmt_tax_field]
            if taxes not in taxes_keys:
                taxes_keys[taxes] = tuple(sorted(line._prepmt_taxes().ids))
            keys[line] = (
                taxes_keys[taxes],
                tuple(sorted((line.analytic_distribution or {}).items())),
            )
        return keys

    def _prepmt_new_accounts(self):
        """``{line: account}``: the account a new prepayment of each line goes to: its
        product category's prepayment account, else the company's, fiscal position applied
        (worked out once per order and category)."""
        accounts = {}
        by_category = {}
        # the categories alone: not every field of hundreds of products and templates
        self.product_id.fetch(["product_tmpl_id"])
        self.product_id.product_tmpl_id.fetch(["categ_id"])
        for line in self:
            key = (line.order_id, line.product_id.product_tmpl_id.categ_id)
            if key not in by_category:
                by_category[key] = line.order_id._prepmt_account(key[1])
            accounts[line] = by_category[key]
        return accounts

    def _prepmt_held_by_account(self, is_posted=None):
        """``{order line: {account: amount}}``: what the prepayment accounts hold for each
        line, net of what was deducted from them, as the posted documents (or those
        ``is_posted`` says, see ``prepayment.allocation._prepmt_totals``) left it."""
        result = {}
        for line in self:
            held = {}
            currency = line.currency_id or line.order_id.currency_id
            for account, (
                invoiced,
                deducted,
            ) in line.prepmt_allocation_ids._prepmt_totals_by_account(is_posted).items():
                if not currency.is_zero(invoiced - deducted):
                    held[account] = invoiced - deducted
            result[line] = held
        return result

    def _prepmt_split_by_account(self, amount, held, new_account):
        """``[(account, amount)]``: ``amount`` of this line spread over the accounts of
        ``held`` (``{account: amount}``) in proportion to what each holds, never more than it
        holds (what is left, if anything, goes to the account that holds most); on
        ``new_account``, the line's prepayment account, when nothing is held."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        total = sum((held or {}).values())
        if not held or currency.is_zero(total) or (total > 0) != (amount > 0):
            return [(new_account, amount)]
        accounts = sorted(held, key=lambda a: -abs(held[a]))
        if len(accounts) == 1:
            return [(accounts[0], amount)]
        weights = [held[a] for a in accounts]
        shares = distribute(amount, weights, currency.rounding, caps=weights)
        shares[0] = currency.round(shares[0] + amount - sum(shares))
        return [
            (a, share)
            for a, share in zip(accounts, shares, strict=False)
            if not currency.is_zero(share)
        ]

    def _prepmt_with_tax(self, untaxed):
        """Total with tax of the journal item that carries ``untaxed`` for these order lines
        (one, or several of one group key): their taxes computed as the document does."""
        first = self[:1]
        currency = first.order_id.currency_id
        taxes = first._prepmt_taxes()
        if not taxes:
            return untaxed
        res = taxes.compute_all(first._prepmt_price_unit(untaxed, taxes), currency=currency)
        return currency.round(res["total_included"])

    def _prepmt_price_unit(self, untaxed, taxes, with_tax=None):
        """Price unit that gives ``untaxed`` as subtotal, also with price-included taxes;
        of two such prices, the one nearer ``with_tax`` (the total with tax wanted) when it
        is given, else the one whose tax is this line's share."""
        if not taxes or not any(taxes.mapped("price_include")):
            return untaxed
        currency = self.order_id.currency_id
        res = taxes.compute_all(untaxed, currency=currency, handle_price_include=False)
        included = sum(t["amount"] for t in res["taxes"] if t["price_include"])
        price = currency.round(untaxed + included)
        if (
            not all(taxes.mapped("price_include"))
            or taxes != self[self._prepmt_tax_field].flatten_taxes_hierarchy()
            or currency.is_zero(self.price_subtotal)
        ):
            return price
        # Odoo works out the tax of such a line from its price, and the price a cent apart
        # can give the same untaxed amount: the one with the line's own share of tax (what
        # the order line carries, whose own tax was also worked out from its price), or,
        # better, for a deduction of as much as its document bills, the total that document
        # bills (the line's share rounds differently at a few cents: 0.10 / 0.09), so that
        # the document comes to nothing, not to -0.01
        target = (
            with_tax if with_tax is not None else untaxed * self.price_total / self.price_subtotal
        )
        prices = [price + step * currency.rounding for step in (0, -1, 1)]
        same = [
            candidate
            for candidate in prices
            if currency.compare_amounts(
                taxes.compute_all(candidate, currency=currency)["total_excluded"], untaxed
            )
            == 0
        ]
        return min(same, key=lambda candidate: abs(candidate - target)) if same else price

    def _prepmt_line_label(self, kind):
        """Label of the prepayment or deduction line of these order lines."""
        order = self.order_id
        if len(self) == 1:
            values = {"percent": "%g" % self.prepmt_percent, "order": order.name, "line": self.name}
            if kind == "deduction":
                return order._prepmt_label_documents(
                    self.env._(
                        "Prepayment deduction %(percent)s%% - %(order)s: %(line)s", **values
                    ),
                    self,
                )
            return self.env._("Prepayment %(percent)s%% - %(order)s: %(line)s", **values)
        if kind == "deduction":
            return order._prepmt_label_documents(
                self.env._("Prepayment deduction - %(order)s", order=order.name), self
            )
        return self.env._("Prepayment - %(order)s", order=order.name)

    # ------------------------------------------------------------------
    # Business: the deduction rule
    # ------------------------------------------------------------------
    def _prepmt_posted_invoice_lines(self, exclude_moves=None):
        """The journal items of posted final documents (but ``exclude_moves``) that invoice
        this line."""
        self.ensure_one()
        return self.invoice_lines.filtered(
            lambda ln: (
                ln.move_id.state == "posted" and not (exclude_moves and ln.move_id in exclude_moves)
            )
        )

    def _prepmt_posted_invoiced_qty(self, exclude_moves=None):
        """Quantity invoiced by posted final documents (credit notes negatively)."""
        self.ensure_one()
        qty = 0.0
        for inv_line in self._prepmt_posted_invoice_lines(exclude_moves):
            move = inv_line.move_id
            line_qty = (
                inv_line.product_uom_id._compute_quantity(inv_line.quantity, self.product_uom)
                if inv_line.product_uom_id
                else inv_line.quantity
            )
            qty += move._prepmt_sign() * line_qty
        return qty

    def _prepmt_remaining_qty(self, exclude_moves=None):
        """The ordered quantity that posted final documents (but ``exclude_moves``) have not
        invoiced yet (negative once more was invoiced than ordered)."""
        self.ensure_one()
        return self._prepmt_ordered_qty() - self._prepmt_posted_invoiced_qty(exclude_moves)

    def _prepmt_is_last_qty(self, qty, exclude_moves=None, remaining=None):
        """Whether a final document invoicing ``qty`` invoices the line's last quantity
        (``remaining``: ``_prepmt_remaining_qty``, when the caller has it already)."""
        self.ensure_one()
        if remaining is None:
            remaining = self._prepmt_remaining_qty(exclude_moves)
        return self._prepmt_last_qty(
            qty, self._prepmt_ordered_qty(), remaining, self.product_uom.rounding
        )

    @staticmethod
    def _prepmt_last_qty(qty, ordered, remaining, rounding):
        """Whether invoicing ``qty`` of a line of ``ordered`` of which ``remaining`` is not
        invoiced yet invoices its last quantity (``rounding``: of the line's unit)."""
        rounding = rounding or 0.001
        if float_is_zero(remaining, precision_rounding=rounding) or remaining * ordered < 0:
            return True
        return float_compare(qty / remaining, 1.0, precision_digits=6) >= 0

    def _prepmt_deduction_for_qty(self, qty, exclude_moves=None, cap=None):
        """What a final invoice that invoices ``qty`` (line UoM) must deduct: the one place of
        the order's deduction plan (``prepmt_deduction_plan``).

        'proportional' (Business Central's way): ``outstanding x qty / qty not yet
        invoiced``, rounded; 'first': all that is outstanding; 'last': as little as
        possible. Whatever the plan, the invoice that invoices the last quantity deducts all
        that is left, so no cent is lost to rounding; so that it can, every plan deducts at
        least what the quantity left after a document cannot (``_prepmt_deduction_minimum``),
        which is all that 'last' deducts before the last quantity (nothing, unless the last
        documents are smaller than the prepayment). Never more than outstanding, nor than
        ``cap`` (the untaxed amount invoiced for the line: with 'first', a first invoice
        smaller than the prepayment deducts what it bills and the next ones the rest); all in
        the line's direction (negative for a negative line).
        """
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        sign = self._prepmt_sign()
        outstanding = self.prepmt_amount_outstanding
        rounding = self.product_uom.rounding or 0.001
        if currency.compare_amounts(sign * outstanding, 0) <= 0 or float_is_zero(
            qty, precision_rounding=rounding
        ):
            return 0.0
        ordered = self._prepmt_ordered_qty()
        remaining = self._prepmt_remaining_qty(exclude_moves)
        last = self._prepmt_last_qty(qty, ordered, remaining, rounding)
        if last:
            amount = outstanding
        elif qty / remaining <= 0:
            return 0.0
        elif self.order_id.prepmt_deduction_plan == "last":
            # as late as possible: only what the quantity left after this document cannot
            # deduct (nothing, unless the last documents are too small to carry it)
            amount = self._prepmt_deduction_minimum(qty, remaining=remaining)
        elif self.order_id.prepmt_deduction_plan == "first":
            amount = outstanding
        else:
            # in proportion, and never less than the quantity left after it lets the
            # documents to come deduct (see _prepmt_deduction_minimum)
            minimum = self._prepmt_deduction_minimum(qty, remaining=remaining)
            amount = sign * min(
                max(sign * currency.round(outstanding * qty / remaining), sign * minimum),
                sign * outstanding,
            )
        return self._prepmt_capped(amount, cap, last=last, exclude_moves=exclude_moves)

    def _prepmt_deduction_minimum(self, qty, exclude_moves=None, remaining=None):
        """The least a final document that invoices ``qty`` (line UoM) must deduct: what is
        outstanding beyond what the quantity left to invoice after it can still deduct (its
        share of the line's subtotal), so that the documents to come can always deduct the
        rest, all of it with the last quantity (as Business Central's least *Prepmt Amt to
        Deduct*). A document that deducted less would leave a last invoice that cannot deduct
        what is outstanding without billing less than nothing. In the line's direction.
        ``remaining``: the quantity not invoiced yet by posted documents, when the caller
        has it already."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        sign = self._prepmt_sign()
        ordered = self._prepmt_ordered_qty()
        if remaining is None:
            remaining = self._prepmt_remaining_qty(exclude_moves)
        after = remaining - qty
        room = 0.0
        if ordered and after * ordered > 0:
            room = sign * self.price_subtotal * after / ordered
        return sign * max(currency.round(sign * self.prepmt_amount_outstanding - room), 0.0)

    def _prepmt_capped(self, amount, cap, last=False, exclude_moves=None):
        """``amount`` bounded by ``cap``, the untaxed amount a document invoices for the line
        (a deduction never makes a document negative on its own), in the line's direction.

        With ``last`` (the document invoices the line's last quantity, and ``amount`` is all
        that is outstanding), ``amount`` whole when it is above ``cap`` by no more than the
        documents' own rounding (``_prepmt_rounding_slack``): the prepayment was computed on
        the line's subtotal, rounded once, and the documents that bill the line in parts
        round each part, so that together they can bill a cent or few less (8.65 ordered,
        4.32 + 4.32 billed). The last document deducts that cent too, as what the partner
        prepaid must come off the prepayment account whole."""
        if cap is None:
            return amount
        currency = self.currency_id or self.order_id.currency_id
        sign = self._prepmt_sign()
        bound = max(sign * currency.round(cap), 0.0)
        if sign * amount <= bound:
            return amount
        if last and (
            currency.compare_amounts(
                sign * amount - bound, self._prepmt_rounding_slack(exclude_moves)
            )
            <= 0
        ):
            return amount
        return sign * bound

    def _prepmt_rounding_slack(self, exclude_moves=None):
        """How much less than the line's subtotal its final documents can bill by their
        rounding alone: a rounding unit of the currency for each posted document that
        billed the line (but ``exclude_moves``), one more for the document to come."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        docs = self._prepmt_posted_invoice_lines(exclude_moves).move_id
        return currency.rounding * (len(docs) + 1)

    def _prepmt_deduction_error(
        self, amount, outstanding=None, last=False, move=None, minimum=None
    ):
        """Why deducting ``amount`` on this line is wrong, or False: a deduction lies between
        0 and what is outstanding (in the line's direction); the final document that invoices
        the line's last quantity deducts all that is outstanding, another at least
        ``minimum`` (see ``_prepmt_deduction_minimum``). With ``move``, the message says how
        to correct that draft document."""
        self.ensure_one()
        currency = self.currency_id or self.order_id.currency_id
        sign = self._prepmt_sign()
        outstanding = self.prepmt_amount_outstanding if outstanding is None else outstanding
        out_of_range = (
            currency.compare_amounts(sign * amount, 0) < 0
            or currency.compare_amounts(sign * amount, max(sign * outstanding, 0.0)) > 0
        )
        not_all = last and currency.compare_amounts(amount, outstanding) != 0
        too_little = (
            not last
            and minimum is not None
            and currency.compare_amounts(sign * amount, sign * minimum) < 0
        )
        if not (out_of_range or not_all or too_little):
            return False
        values = {
            "line": self.name,
            "order": self.order_id.name,
            "outstanding": currency.format(outstanding),
            "amount": currency.format(amount),
            "move": move._prepmt_display_name() if move else False,
        }
        if out_of_range:
            if move:
                return self.env._(
                    "The prepayment deducted for line %(line)s of %(order)s must be between 0 and the %(outstanding)s still outstanding, "  # noqa: E501
                    "not %(amount)s. Correct the deduction line of %(move)s, "
                    "or click 'Update Prepayment Deductions' to deduct what its quantities call for.",  # noqa: E501
                    **values,
                )
            return self.env._(
                "The prepayment to deduct for line %(line)s of %(order)s must be between 0 and the %(outstanding)s still outstanding, "  # noqa: E501
                "not %(amount)s.",
                **values,
            )
        if too_little:
            return self.env._(
                "%(move)s must deduct at least %(minimum)s of the %(outstanding)s of prepayment still outstanding for line %(line)s of %(order)s, not %(amount)s: "  # noqa: E501
                "the quantity left to invoice after it can deduct no more than the rest. "
                "Correct its deduction line, "
                "or click 'Update Prepayment Deductions' to deduct what its quantities call for.",
                minimum=currency.format(minimum),
                **values,
            )
        return self.env._(
            "%(move)s invoices the last quantity of line %(line)s of %(order)s: "
            "it must deduct all of the %(outstanding)s of prepayment still outstanding, "
            "not %(amount)s. Correct its deduction line, "
            "or click 'Update Prepayment Deductions' to deduct what its quantities call for.",
            **values,
        )

    # ------------------------------------------------------------------
    # Business: guards
    # ------------------------------------------------------------------
    def _prepmt_locked_fields(self):
        return ["product_id", self._prepmt_tax_field]

    def _prepmt_snapshot_locked(self, vals):
        """Values of the locked fields of the lines whose prepayment is outstanding."""
        locked = [f for f in self._prepmt_locked_fields() if f in vals]
        if not locked:
            return {}
        return {
            line: {f: line[f].ids for f in locked}
            for line in self
            if line._prepmt_has_outstanding()
        }

    def _prepmt_check_locked(self, snapshot):
        for line, before in snapshot.items():
            changed = [f for f, ids in before.items() if sorted(line[f].ids) != sorted(ids)]
            if changed:
                raise UserError(
                    self.env._(
                        "The prepayment of line %(line)s of %(order)s is invoiced: "
                        "its %(fields)s cannot change. Post a prepayment credit memo first.",
                        line=line.name,
                        order=line.order_id.name,
                        fields=", ".join(
                            self._fields[f]._description_string(self.env) for f in changed
                        ),
                    )
                )

    def _prepmt_check_amounts(self):
        """After a change: the required amount may not fall below what is invoiced."""
        for line in self:
            currency = line.currency_id or line.order_id.currency_id
            invoiced = line.prepmt_amount_invoiced
            sign = -1 if invoiced < 0 else 1
            if (
                line._prepmt_has_outstanding()
                and currency.compare_amounts(sign * line.prepmt_amount, sign * invoiced) < 0
            ):
                raise UserError(
                    self.env._(
                        "Line %(line)s of %(order)s would require a prepayment of %(amount)s, "
                        "less than the %(invoiced)s already invoiced. "
                        "Post a prepayment credit memo first, or keep the quantity, price, "
                        "discount and prepayment %%.",
                        line=line.name,
                        order=line.order_id.name,
                        amount=currency.format(line.prepmt_amount),
                        invoiced=currency.format(line.prepmt_amount_invoiced),
                    )
                )

    def _prepmt_fully_invoiced(self):
        """Whether posted final documents invoice the line's ordered quantity or more (in the
        line's direction: a returned quantity is invoiced down to it)."""
        self.ensure_one()
        ordered = self._prepmt_ordered_qty()
        sign = -1 if ordered < 0 else 1
        return (
            float_compare(
                sign * self._prepmt_posted_invoiced_qty(),
                sign * ordered,
                precision_rounding=self.product_uom.rounding or 0.001,
            )
            >= 0
        )

    def _prepmt_invoice_documents(self):
        """Posted prepayment invoices of this line that still hold some of its prepayment
        (their line on the prepayment account is not fully matched yet); all of its posted
        prepayment invoices when none does."""
        self.ensure_one()
        allocs = self.prepmt_allocation_ids.filtered(
            lambda a: (
                a.kind == "prepayment"
                and a.move_id.state == "posted"
                and a.move_id.move_type == self.order_id._prepmt_invoice_type
            )
        )
        open_allocs = allocs.filtered(lambda a: not a.move_line_id.reconciled)
        return (open_allocs or allocs).move_id
