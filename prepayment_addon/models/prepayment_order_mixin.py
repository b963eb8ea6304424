from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL

from ..tools import REFUND_TYPES, distribute


class PrepaymentOrderMixin(models.AbstractModel):
    """Prepayment behaviour of an order, shared by sales and purchase orders.

    The concrete order models (the adapters in sale_order.py and purchase_order.py) only
    say which of their fields play which part; documents, amounts and guards live here.
    """

    _name = "prepayment.order.mixin"
    _description = "Prepayment fields and actions of an order"

    _prepmt_order_type = None  # 'sale' or 'purchase'
    _prepmt_invoice_type = None  # move type of its prepayment invoices
    _prepmt_refund_type = None  # move type of its prepayment credit memos
    _prepmt_partner_percent_field = None  # field of res.partner with the default %
    _prepmt_moves_action = None  # xmlid of the action listing its documents
    _prepmt_confirmed_states = ()  # states in which a prepayment may be invoiced
    _prepmt_move_link_field = None  # field of account.move pointing to the order
    _prepmt_locked_header_fields = ("partner_id", "currency_id", "fiscal_position_id")
    _prepmt_manager_group = None  # xmlid of the group that may override the payment check

    # Defined by the concrete models; declared here so that the mixin's own fields resolve.
    currency_id = fields.Many2one("res.currency")
    company_id = fields.Many2one("res.company")

    prepmt_percent = fields.Float(
        "Prepayment %", compute="_compute_prepmt_percent", store=True, readonly=False,
        precompute=True,
        help="Default prepayment % of the lines that no prepayment rule covers. Changing it "
             "applies it to every line.")
    # its own compute: the form sends this editable field on save, and Odoo does not recompute
    # the fields that share the compute of a field being written (the totals below would stay
    # at their old values)
    prepmt_amount = fields.Monetary(
        "Prepayment Amount", compute="_compute_prepmt_amount", store=True, readonly=False,
        inverse="_inverse_prepmt_amount", copy=False,
        help="Untaxed amount to invoice in advance. Changing it spreads the new total over "
             "the lines that have a prepayment %, in proportion to their amounts.")
    prepmt_amount_invoiced = fields.Monetary(
        "Prepayment Invoiced", compute="_compute_prepmt_amounts", store=True)
    prepmt_amount_deducted = fields.Monetary(
        "Prepayment Deducted", compute="_compute_prepmt_amounts", store=True)
    prepmt_amount_outstanding = fields.Monetary(
        "Prepayment Outstanding", compute="_compute_prepmt_amounts", store=True)
    prepmt_amount_to_invoice = fields.Monetary(
        "Prepayment to Invoice", compute="_compute_prepmt_amounts", store=True)
    prepmt_compress = fields.Boolean(
        "Group Prepayment Lines",
        default=lambda self: self.env.company.prepmt_compress_default,
        help="One prepayment line per account, taxes and analytic distribution instead of "
             "one per order line.")
    prepmt_payment_term_id = fields.Many2one(
        "account.payment.term", "Prepayment Payment Terms",
        compute="_compute_prepmt_payment_term_id", store=True, readonly=False,
        precompute=True,
        help="Payment terms of the prepayment documents. Default: the partner's prepayment "
             "payment terms, else the order's payment terms.")
    prepmt_due_date = fields.Date(
        "Prepayment Due Date", compute="_compute_prepmt_due_date",
        help="When the prepayment is due: the due date of the latest prepayment invoice, or "
             "what the prepayment payment terms give from today.")
    prepmt_amount_paid = fields.Monetary(
        "Prepayment Paid", compute="_compute_prepmt_state", store=True,
        help="Untaxed share of the posted prepayment invoices that is paid (settled), net of "
             "settled prepayment credit memos.")
    prepmt_state = fields.Selection([
        ("none", "No Prepayment"),
        ("to_invoice", "Prepayment to Invoice"),
        ("waiting_payment", "Waiting for Prepayment"),
        ("paid", "Prepayment Paid"),
        ("settled", "Settled"),
    ], string="Prepayment Status", compute="_compute_prepmt_state", store=True, index=True,
        help="Follows the prepayment documents and their payments the moment they change.")
    prepmt_check_override = fields.Boolean(
        "Let Through Without Prepayment", copy=False,
        help="Set by a manager: deliveries/receipts and final invoices of this order are not "
             "held by the prepayment check.")
    prepmt_move_count = fields.Integer(compute="_compute_prepmt_move_count")
    prepmt_allow_quotation = fields.Boolean(related="company_id.prepmt_allow_quotation")

    # ------------------------------------------------------------------
    # Adapter helpers (overridden by the concrete models where they differ)
    # ------------------------------------------------------------------
    def _prepmt_lines(self):
        """Order lines that can carry a prepayment."""
        return self.order_line.filtered(lambda l: l._prepmt_is_product_line())

    def _prepmt_document_title(self):
        """Title of the window that issues a prepayment document (adapters)."""
        raise NotImplementedError

    def _prepmt_final_posting_label(self):
        """What posting a final document of this order is called, for the hold's message."""
        raise NotImplementedError

    def _prepmt_allocations(self):
        return self.order_line.prepmt_allocation_ids

    def _prepmt_has_outstanding(self):
        """Whether a line of the order holds an invoiced prepayment not yet deducted (in
        either direction: a discount line holds a negative one)."""
        self.ensure_one()
        return any(line._prepmt_has_outstanding() for line in self._prepmt_lines())

    def _prepmt_invoice_partner(self):
        return self.partner_id

    def _prepmt_pricelist(self):
        return self.env["product.pricelist"]

    def _prepmt_partner_percent(self):
        partner = self._prepmt_invoice_partner().commercial_partner_id.with_company(
            self.company_id)
        return partner[self._prepmt_partner_percent_field] if partner else 0.0

    def _prepmt_rule_percents(self, products):
        self.ensure_one()
        date = fields.Date.to_date(self.date_order) if self.date_order else fields.Date.today()
        return self.env["prepayment.rule"]._get_percents(
            self._prepmt_order_type, self.company_id, date,
            self._prepmt_invoice_partner(), self._prepmt_pricelist(), products)

    def _prepmt_move_vals(self, move_type):
        """Header values of a prepayment document (completed by the concrete models)."""
        self.ensure_one()
        company = self.company_id
        return {
            "move_type": move_type,
            "partner_id": self._prepmt_invoice_partner().id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_origin": self.name,
            "journal_id": company._prepmt_journal(self._prepmt_order_type).id,
            "company_id": company.id,
            "invoice_payment_term_id": (self.prepmt_payment_term_id.id
                                        if move_type == self._prepmt_invoice_type else False),
            self._prepmt_move_link_field: self.id,
            "invoice_line_ids": [],
        }

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_percent_depends(self):
        return ["partner_id"] if self._prepmt_order_type else []

    @api.depends(lambda self: self._prepmt_percent_depends())
    def _compute_prepmt_percent(self):
        for order in self:
            order.prepmt_percent = order._prepmt_partner_percent()

    @api.depends(lambda self: ["order_line.prepmt_amount"] if self._prepmt_order_type else [])
    def _compute_prepmt_amount(self):
        for order in self:
            order.prepmt_amount = sum(order.order_line.mapped("prepmt_amount"))

    @api.depends(lambda self: [
        "order_line.prepmt_amount_invoiced", "order_line.prepmt_amount_deducted",
        "order_line.prepmt_amount_outstanding", "order_line.prepmt_amount_to_invoice",
    ] if self._prepmt_order_type else [])
    def _compute_prepmt_amounts(self):
        for order in self:
            lines = order.order_line
            order.prepmt_amount_invoiced = sum(lines.mapped("prepmt_amount_invoiced"))
            order.prepmt_amount_deducted = sum(lines.mapped("prepmt_amount_deducted"))
            order.prepmt_amount_outstanding = sum(lines.mapped("prepmt_amount_outstanding"))
            order.prepmt_amount_to_invoice = sum(lines.mapped("prepmt_amount_to_invoice"))

    @api.depends(lambda self: [
        "prepmt_amount", "prepmt_amount_outstanding", "prepmt_amount_to_invoice",
        "prepmt_move_ids.state", "prepmt_move_ids.payment_state",
        "prepmt_move_ids.amount_residual",
    ] if self._prepmt_order_type else [])
    def _compute_prepmt_state(self):
        for order in self:
            currency = order.currency_id
            documents = order.prepmt_move_ids.filtered(
                lambda m: m.state == "posted" and m.is_prepayment)
            paid = 0.0
            unpaid = False
            for move in documents:
                settled = move.payment_state in ("paid", "in_payment", "reversed")
                share = 1.0 if settled or not move.amount_total else \
                    (move.amount_total - move.amount_residual) / move.amount_total
                sign = -1 if move.move_type in REFUND_TYPES else 1
                paid += sign * move.amount_untaxed * share
                if sign > 0 and not settled:
                    unpaid = True
            order.prepmt_amount_paid = currency.round(paid) if currency else paid
            if currency.is_zero(order.prepmt_amount) and \
                    currency.is_zero(order.prepmt_amount_outstanding):
                order.prepmt_state = "none"
            elif currency.compare_amounts(order.prepmt_amount_to_invoice, 0) > 0:
                order.prepmt_state = "to_invoice"
            elif unpaid:
                order.prepmt_state = "waiting_payment"
            else:
                order.prepmt_state = "paid"

    @api.constrains("prepmt_percent")
    def _check_prepmt_percent(self):
        for order in self:
            if not 0 <= order.prepmt_percent <= 100:
                raise ValidationError(_(
                    "The prepayment %% of %(order)s must be between 0 and 100.",
                    order=order.name))

    def _prepmt_blocking_message(self):
        """Why the prepayment check holds this order, or False."""
        self.ensure_one()
        if self.prepmt_check_override or self.prepmt_state not in ("to_invoice", "waiting_payment"):
            return False
        if self.prepmt_state == "to_invoice":
            return _(
                "%(order)s still has %(amount)s of prepayment to invoice: issue the prepayment "
                "invoice and have it paid first.", order=self.name,
                amount=self.currency_id.format(self.prepmt_amount_to_invoice))
        return _(
            "The prepayment of %(order)s is not paid yet (%(paid)s of %(invoiced)s paid): "
            "register the payment first.", order=self.name,
            paid=self.currency_id.format(self.prepmt_amount_paid),
            invoiced=self.currency_id.format(self.prepmt_amount_invoiced))

    def _prepmt_check_enabled(self):
        self.ensure_one()
        return self.company_id["prepmt_%s_check" % self._prepmt_order_type]

    def _prepmt_check_release(self, action):
        """Refuse ``action`` (a translated verb phrase) while the prepayment check holds."""
        for order in self:
            if not order._prepmt_check_enabled():
                continue
            message = order._prepmt_blocking_message()
            if message:
                raise UserError(_(
                    "You cannot %(action)s: %(reason)s A manager can let the order through with "
                    "'Let Through Without Prepayment' on its Prepayment tab.",
                    action=action, reason=message))

    @api.depends(lambda self: ["partner_id", "payment_term_id"] if self._prepmt_order_type else [])
    def _compute_prepmt_payment_term_id(self):
        for order in self:
            partner = order._prepmt_invoice_partner().commercial_partner_id.with_company(
                order.company_id)
            order.prepmt_payment_term_id = partner.prepmt_payment_term_id or order.payment_term_id

    @api.depends(lambda self: [
        "prepmt_payment_term_id", self._prepmt_move_link_field and "prepmt_move_ids.invoice_date_due",
    ] if self._prepmt_order_type else [])
    def _compute_prepmt_due_date(self):
        today = fields.Date.context_today(self)
        for order in self:
            invoices = order.prepmt_move_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == self._prepmt_invoice_type)
            if invoices:
                order.prepmt_due_date = max(invoices.mapped("invoice_date_due"))
            elif order.prepmt_amount > 0:
                term = order.prepmt_payment_term_id
                order.prepmt_due_date = max(
                    (line._get_due_date(today) for line in term.line_ids), default=today)
            else:
                order.prepmt_due_date = False

    @api.depends(lambda self: ["prepmt_move_ids"] if self._prepmt_order_type else [])
    def _compute_prepmt_move_count(self):
        for order in self:
            order.prepmt_move_count = len(order.prepmt_move_ids)

    def _inverse_prepmt_amount(self):
        for order in self:
            order._prepmt_spread_amount(order.prepmt_amount)

    def _prepmt_spread_amount(self, total):
        """Spread ``total`` over the lines that have a % > 0, in proportion to their amounts
        (a negative line counts negatively), so that they all get the same %.  Nothing
        changes when ``total`` is what the lines already require."""
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(total, sum(self._prepmt_lines().mapped("prepmt_amount"))) == 0:
            return
        lines = self._prepmt_lines().filtered(
            lambda l: l.prepmt_percent > 0 and not currency.is_zero(l.price_subtotal))
        if total < 0:
            raise ValidationError(_("The prepayment amount of %(order)s cannot be negative.",
                                    order=self.name))
        if not lines:
            raise UserError(_(
                "No line of %(order)s has a prepayment %%: set a prepayment %% on the order or "
                "on its lines before entering a prepayment amount.", order=self.name))
        base = sum(lines.mapped("price_subtotal"))
        if currency.compare_amounts(total, base) > 0 or currency.compare_amounts(base, 0) <= 0:
            raise ValidationError(_(
                "The prepayment amount (%(amount)s) cannot exceed the untaxed amount of the lines "
                "that have a prepayment %% (%(base)s).",
                amount=currency.format(total), base=currency.format(base)))
        shares = distribute(total, lines.mapped("price_subtotal"), currency.rounding,
                            caps=lines.mapped("price_subtotal"))
        for line, share in zip(lines, shares):
            line.prepmt_amount = share
        lines._inverse_prepmt_amount()

    # ------------------------------------------------------------------
    # Header % and guards
    # ------------------------------------------------------------------
    @api.onchange("prepmt_percent")
    def _onchange_prepmt_percent(self):
        # A % typed by the user applies to every line; one that follows a partner change
        # leaves the rules in charge.
        if self._origin and self.partner_id != self._origin.partner_id:
            return
        for line in self._prepmt_lines():
            if line.prepmt_percent != self.prepmt_percent:
                line.prepmt_percent = self.prepmt_percent

    @api.onchange("date_order")
    def _onchange_date_order_prepmt(self):
        # the rules valid on the new date, while nothing is invoiced
        if not any(self.order_line.mapped("prepmt_amount_invoiced")):
            self.action_apply_prepmt_rules()

    def _prepmt_check_header_write(self, vals):
        locked = [f for f in self._prepmt_locked_header_fields if f in vals]
        if not locked:
            return
        for order in self:
            if not order._prepmt_has_outstanding():
                continue
            # all locked header fields are many2one fields
            changed = [f for f in locked if order[f].id != (vals[f] or False)]
            if changed:
                raise UserError(_(
                    "A prepayment of %(amount)s is invoiced on %(order)s: its %(fields)s cannot "
                    "change. Post a prepayment credit memo first.",
                    order=order.name, amount=order.currency_id.format(order.prepmt_amount_outstanding),
                    fields=", ".join(self._fields[f].string for f in changed)))

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("prepmt_check_override") for vals in vals_list):
            self._prepmt_check_override_group()
        return super().create(vals_list)

    def write(self, vals):
        self._prepmt_check_header_write(vals)
        if "prepmt_check_override" in vals:
            self._prepmt_check_override_rights(vals["prepmt_check_override"])
        res = super().write(vals)
        if "prepmt_percent" in vals and "partner_id" not in vals:
            for order in self:
                lines = order._prepmt_lines().filtered(
                    lambda l: l.prepmt_percent != order.prepmt_percent)
                lines.write({"prepmt_percent": order.prepmt_percent})
        return res

    def _prepmt_check_override_group(self):
        if not self.env.su and not self.env.user.has_group(self._prepmt_manager_group):
            raise AccessError(_(
                "Only managers can let an order through without its prepayment."))

    def _prepmt_check_override_rights(self, value):
        self._prepmt_check_override_group()
        for order in self:
            if bool(order.prepmt_check_override) != bool(value):
                order.message_post(body=_(
                    "%(user)s let this order through without its prepayment.",
                    user=self.env.user.name) if value else _(
                    "%(user)s put this order back under the prepayment check.",
                    user=self.env.user.name))

    def _prepmt_check_cancel(self):
        for order in self:
            if order._prepmt_has_outstanding():
                raise UserError(_(
                    "%(order)s has an invoiced prepayment of %(amount)s that was not deducted: "
                    "post a prepayment credit memo first, then cancel the order.",
                    order=order.name,
                    amount=order.currency_id.format(order.prepmt_amount_outstanding)))
            drafts = order.prepmt_move_ids.filtered(lambda m: m.state == "draft")
            if drafts:
                raise UserError(_(
                    "%(order)s has draft prepayment documents (%(docs)s): post or delete them "
                    "first, then cancel the order.",
                    order=order.name, docs=", ".join(drafts.mapped("display_name"))))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_prepmt_outstanding(self):
        # the lines of a deleted order go by cascade, without their own guard: ask it here
        self.order_line._unlink_except_prepmt_outstanding()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_apply_prepmt_rules(self):
        """Give every line the % of the prepayment rules again (header % without a rule)."""
        for order in self:
            lines = order._prepmt_lines()
            percents = order._prepmt_rule_percents(lines.product_id)
            for line in lines:
                percent = percents.get(line.product_id.id)
                percent = order.prepmt_percent if percent is None else percent
                if line.prepmt_percent != percent:
                    line.prepmt_percent = percent
        return True

    def action_create_prepmt_invoice(self):
        """Invoice all that is still to invoice; return an action on the new document."""
        moves = self.env["account.move"]
        for order in self:
            moves |= order._prepmt_create_document("invoice")
        return self._prepmt_action_view_moves(moves)

    def action_create_prepmt_credit_memo(self):
        """Credit all that is outstanding; return an action on the new document."""
        moves = self.env["account.move"]
        for order in self:
            moves |= order._prepmt_create_document("credit")
        return self._prepmt_action_view_moves(moves)

    def action_open_prepmt_invoice_wizard(self):
        self.ensure_one()
        self._prepmt_check_can_invoice()
        return {
            "name": self._prepmt_document_title(),
            "type": "ir.actions.act_window",
            "res_model": "prepayment.invoice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def action_view_prepmt_moves(self):
        return self._prepmt_action_view_moves(self.prepmt_move_ids)

    def _prepmt_action_view_moves(self, moves):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            self._prepmt_moves_action)
        action["name"] = _("Prepayment Documents")
        action["context"] = {"create": False}
        if len(moves) == 1:
            action["views"] = [(self.env.ref("account.view_move_form").id, "form")]
            action["res_id"] = moves.id
        else:
            action["domain"] = [("id", "in", moves.ids)]
        return action

    # ------------------------------------------------------------------
    # Prepayment documents
    # ------------------------------------------------------------------
    def _prepmt_lock(self):
        """Make sure two users cannot invoice or credit the same amount twice.

        A transaction-level advisory lock per order (no failing query, nothing logged): a
        second user gets a clear message while the first one works. Then the order row is
        touched, so that a transaction that started before the first one committed fails
        to serialize (and Odoo retries it) instead of working from a stale state.
        """
        self.env.cr.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(hashtext(%s), id)) FROM unnest(%s) id",
            [self._table, self.ids])
        if not self.env.cr.fetchone()[0]:
            raise UserError(_(
                "Another user is working on the prepayment of %(order)s right now. "
                "Try again in a moment.", order=", ".join(self.mapped("name"))))
        self.env.cr.execute(SQL(
            "UPDATE %s SET write_date = write_date WHERE id IN %s",
            SQL.identifier(self._table), tuple(self.ids)))

    def _prepmt_check_can_invoice(self):
        self.ensure_one()
        if self.state not in self._prepmt_confirmed_states and not (
                self.company_id.prepmt_allow_quotation and self.state in ("draft", "sent")):
            raise UserError(_(
                "Confirm %(order)s before issuing a prepayment document (or allow prepayment "
                "invoices on quotations in the settings).", order=self.name))
        drafts = self.prepmt_move_ids.filtered(lambda m: m.state == "draft")
        if drafts:
            raise UserError(_(
                "A draft prepayment document (%(docs)s) is already open for %(order)s: post or "
                "delete the draft first.",
                docs=", ".join(drafts.mapped("display_name")), order=self.name))

    def _prepmt_create_document(self, doc, amount=None):
        """Create (and post, unless the company says draft) a prepayment invoice or credit memo.

        :param doc: 'invoice' or 'credit'
        :param amount: for an invoice, a lower untaxed total than what is still to invoice
        """
        self.ensure_one()
        self._prepmt_lock()
        self.invalidate_recordset()
        self.order_line.invalidate_recordset()
        self._prepmt_check_can_invoice()
        currency = self.currency_id
        lines = self._prepmt_lines()
        if doc == "invoice":
            amounts = {l: l.prepmt_amount_to_invoice for l in lines
                       if not currency.is_zero(l.prepmt_amount_to_invoice)}
            if currency.compare_amounts(sum(amounts.values()), 0) <= 0:
                raise UserError(_(
                    "There is no prepayment left to invoice on %(order)s: its prepayment amount "
                    "is fully invoiced. Raise a line's prepayment %% or quantity first.",
                    order=self.name))
            if amount is not None:
                amounts = self._prepmt_lower_amounts(amounts, amount)
            move_type = self._prepmt_invoice_type
        else:
            amounts = {l: l.prepmt_amount_outstanding for l in lines
                       if not currency.is_zero(l.prepmt_amount_outstanding)}
            if currency.compare_amounts(sum(amounts.values()), 0) <= 0:
                raise UserError(_(
                    "There is no outstanding prepayment to credit on %(order)s: nothing was "
                    "invoiced, or the final invoices have deducted it all.", order=self.name))
            move_type = self._prepmt_refund_type
        vals = self._prepmt_move_vals(move_type)
        vals["invoice_line_ids"] = self._prepmt_line_commands(amounts, "prepayment")
        Move = self.env["account.move"]
        if not Move.has_access("create"):
            # Like Odoo's down payments: a salesperson without billing rights may invoice
            # what the order requires; the document is created as superuser.
            self.check_access("write")
            Move = Move.sudo()
        move = Move.with_company(self.company_id).create(vals)
        move._prepmt_fix_included_tax_rounding()
        move._prepmt_true_up_taxes()
        if currency.compare_amounts(move.amount_total, 0) < 0:
            # negative lines (discounts, returns) that carry more tax than the others
            raise UserError(_(
                "The prepayment document of %(order)s would have a negative total with taxes "
                "(%(total)s): its negative lines carry more tax than the others. Change the "
                "amount or the lines' prepayment %%.",
                order=self.name, total=currency.format(move.amount_total)))
        can_post = self.env.su or self.env.user.has_group("account.group_account_invoice")
        if self.company_id.prepmt_auto_post and can_post:
            move.action_post()
        elif self.company_id.prepmt_auto_post:
            # Like Odoo's down payments: users without billing rights leave a draft that
            # the accounting team posts.
            self.message_post(body=Markup(_(
                "Draft prepayment document %(doc)s created: you may not post invoices, so an "
                "accountant will review and post it.")) % {"doc": move._get_html_link()})
        else:
            self.message_post(body=Markup(_(
                "Draft prepayment document %(doc)s created: review and post it.")) % {
                "doc": move._get_html_link()})
        return move.sudo(False)

    def _prepmt_lower_amounts(self, amounts, total):
        """Spread a lower total over the lines in proportion to what each has to invoice
        (largest remainder: the shares add up to ``total`` exactly and none exceeds what its
        line has to invoice)."""
        currency = self.currency_id
        due = sum(amounts.values())
        if currency.compare_amounts(total, 0) <= 0 or currency.compare_amounts(total, due) > 0:
            raise ValidationError(_(
                "The prepayment amount to invoice must be more than 0 and at most "
                "%(due)s (what is still to invoice on %(order)s).",
                due=currency.format(due), order=self.name))
        total = currency.round(total)
        if currency.compare_amounts(total, due) == 0:
            return dict(amounts)
        dues = list(amounts.values())
        shares = distribute(total, dues, currency.rounding, caps=dues)
        return {line: share for line, share in zip(amounts, shares)
                if not currency.is_zero(share)}

    def _prepmt_line_commands(self, amounts, kind, sign=1):
        """Invoice line commands for ``{order line: untaxed amount}`` on the prepayment account.

        ``kind`` is 'prepayment' (prepayment documents) or 'deduction' (final invoices, with
        ``sign=-1``).  Lines are grouped by account, taxes and analytic distribution when the
        order says so.
        """
        self.ensure_one()
        account = self.company_id._prepmt_account(self._prepmt_order_type)
        account = self.fiscal_position_id.map_account(account) if self.fiscal_position_id else account
        alloc_field = self.order_line._prepmt_alloc_field
        groups = defaultdict(list)
        for line, amount in amounts.items():
            if self.prepmt_compress:
                key = (tuple(sorted(line._prepmt_taxes().ids)),
                       tuple(sorted((line.analytic_distribution or {}).items())))
            else:
                key = (line.id,)
            groups[key].append((line, amount))
        commands = []
        for items in groups.values():
            first = items[0][0]
            taxes = first._prepmt_taxes()
            total = self.currency_id.round(sum(a for _l, a in items))
            name = self._prepmt_line_label(kind, [l for l, _a in items])
            commands.append(Command.create({
                "name": name,
                "account_id": account.id,
                "quantity": 1.0,
                "price_unit": sign * self._prepmt_price_unit(total, taxes),
                "tax_ids": [Command.set(taxes.ids)],
                "analytic_distribution": first.analytic_distribution,
                "prepmt_allocation_ids": [
                    Command.create({"kind": kind, alloc_field: line.id, "amount": amount})
                    for line, amount in items
                ],
            }))
        return commands

    def _prepmt_price_unit(self, untaxed, taxes):
        """Price unit that gives ``untaxed`` as subtotal, also with price-included taxes."""
        if not taxes or not any(taxes.mapped("price_include")):
            return untaxed
        res = taxes.compute_all(untaxed, currency=self.currency_id, handle_price_include=False)
        included = sum(t["amount"] for t in res["taxes"] if t["price_include"])
        return self.currency_id.round(untaxed + included)

    def _prepmt_line_label(self, kind, lines):
        if kind == "prepayment":
            prefix = _("Prepayment")
        else:
            prefix = _("Prepayment deduction")
        if len(lines) == 1:
            line = lines[0]
            label = _("%(prefix)s %(percent)s%% - %(order)s: %(line)s", prefix=prefix,
                      percent="%g" % line.prepmt_percent, order=self.name, line=line.name)
        else:
            label = _("%(prefix)s - %(order)s", prefix=prefix, order=self.name)
        return self._prepmt_label_documents(label, lines) if kind == "deduction" else label
