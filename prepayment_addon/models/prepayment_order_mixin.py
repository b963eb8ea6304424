import logging
from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from ..helpers import PREPMT_STATES, check_percent, distribute, refuse_if_engaged
from .res_company import DEDUCTION_PLANS

_logger = logging.getLogger(__name__)

# orders named in the mass action's notification or error, each kind (the rest counted)
MASS_MESSAGE_LINES = 20


def adapter_depends(*names):
    """``api.depends`` of a mixin's compute on fields of the adapters (the concrete order and
    line models); a name may be a function of the model giving a name or a list of names.
    The abstract mixins have none of those fields: no dependencies there."""

    def depends(model):
        if not model._prepmt_order_type:  # the abstract mixin itself
            return []
        result = []
        for name in names:
            value = name(model) if callable(name) else name
            result += [value] if isinstance(value, str) else list(value)
        return result

    return api.depends(depends)


class PrepaymentOrderMixin(models.AbstractModel):
    """Prepayment behaviour of an order, shared by sales and purchase orders.

    The engine lives here and in ``prepayment.line.mixin``. The concrete order models (the
    adapters in sale_order.py and purchase_order.py) declare the attributes below and
    override the few adapter hooks at the end of this class; nothing here branches on the
    side. A third order type plugs in by inheriting both mixins and declaring the same.
    """

    _name = "prepayment.order.mixin"
    _description = "Prepayment fields and actions of an order"

    # The adapter contract: every attribute an order model sets, with its default (as
    # sequence.mixin declares its own). The sales and purchase adapters set all that have
    # no default; the hooks they override are at the end of this class.
    _prepmt_order_type = None  # 'sale' or 'purchase': its rules, journal type, report side
    _prepmt_invoice_type = None  # move type of its prepayment invoices
    _prepmt_refund_type = None  # move type of its prepayment credit memos
    _prepmt_partner_percent_field = None  # field of res.partner with the default %
    _prepmt_partner_payment_term_field = None  # field of res.partner: prepayment payment terms
    _prepmt_moves_action = None  # xmlid of the action listing its documents
    _prepmt_confirmed_states = ()  # states in which a prepayment may be invoiced
    _prepmt_cancelled_state = "cancel"  # state of a cancelled order: it requires nothing
    _prepmt_move_link_field = None  # field of account.move pointing to the order
    _prepmt_account_field = None  # field of res.company and product.category: the account
    _prepmt_journal_field = None  # field of res.company: the prepayment journal
    _prepmt_check_field = None  # field of res.company: hold until the prepayment is paid
    _prepmt_locked_header_fields = ("partner_id", "currency_id", "fiscal_position_id")
    _prepmt_manager_group = None  # xmlid of the group that may override the payment check
    _prepmt_balance_sign = 1  # sign of its prepayment account's balance (-1: a liability)
    _prepmt_invoice_mail_template = None  # xmlid of the mail template of prepayment invoices
    _prepmt_credit_mail_template = None  # xmlid of the mail template of prepayment credit memos
    _prepmt_reminder_mail_template = None  # xmlid of the partner's overdue reminder
    _prepmt_reminder_setting = None  # company field: e-mail the reminder to the partner
    _prepmt_responsible_field = "user_id"  # salesperson / buyer, who gets the activity
    _prepmt_lines_view = None  # xmlid of the list of the order's lines with their prepayment

    # Defined by the concrete models; declared here so that the mixin's own fields resolve.
    currency_id = fields.Many2one("res.currency")
    company_id = fields.Many2one("res.company")

    prepmt_percent = fields.Float(
        "Prepayment %",
        compute="_compute_prepmt_percent",
        store=True,
        readonly=False,
        precompute=True,
        help="Default prepayment % of the lines that no prepayment rule covers. Changing it "
        "applies it to every line.",
    )
    # its own compute: the form sends this editable field on save, and Odoo does not recompute
    # the fields that share the compute of a field being written (the totals below would stay
    # at their old values)
    prepmt_amount = fields.Monetary(
        "Prepayment Amount",
        compute="_compute_prepmt_amount",
        store=True,
        readonly=False,
        inverse="_inverse_prepmt_amount",
        copy=False,
        help="Untaxed amount to invoice in advance. Changing it spreads the new total over "
        "the lines that have a prepayment %, in proportion to their amounts.",
    )
    prepmt_amount_invoiced = fields.Monetary(
        "Prepayment Invoiced",
        compute="_compute_prepmt_amounts",
        store=True,
        help="Untaxed total of the posted prepayment invoices minus the posted prepayment "
        "credit memos.",
    )
    prepmt_amount_deducted = fields.Monetary(
        "Prepayment Deducted",
        compute="_compute_prepmt_amounts",
        store=True,
        help="What the posted final invoices deducted of the prepayment, minus their credit "
        "notes (untaxed).",
    )
    prepmt_amount_outstanding = fields.Monetary(
        "Prepayment Not Yet Deducted",
        compute="_compute_prepmt_amounts",
        store=True,
        help="Invoiced minus deducted: what the prepayment account still holds for the order, "
        "paid or not, until final invoices deduct it or a prepayment credit memo credits it.",
    )
    prepmt_amount_to_invoice = fields.Monetary(
        "Prepayment to Invoice",
        compute="_compute_prepmt_amounts",
        store=True,
        help="Required minus invoiced: what the next prepayment invoice asks (untaxed).",
    )
    prepmt_compress = fields.Boolean(
        "Group Prepayment Lines",
        compute="_compute_prepmt_compress",
        store=True,
        readonly=False,
        precompute=True,
        help="One prepayment line per account, taxes and analytic distribution instead of "
        "one per order line.",
    )
    prepmt_deduction_plan = fields.Selection(
        DEDUCTION_PLANS,
        "Deduction Plan",
        compute="_compute_prepmt_deduction_plan",
        store=True,
        readonly=False,
        precompute=True,
        help="How the final invoices (bills) deduct the prepayment: in proportion to the "
        "quantity each invoices, all on the first one (as far as it bills: the rest on the "
        "next ones), or nothing until the one that invoices the last quantity. The lines' "
        "Prepayment to Deduct may still be changed by hand. Default: the company's.",
    )
    prepmt_payment_term_id = fields.Many2one(
        "account.payment.term",
        "Prepayment Payment Terms",
        compute="_compute_prepmt_payment_term_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Payment terms of the prepayment documents. Default: the partner's prepayment "
        "payment terms, else the order's payment terms.",
    )
    prepmt_due_date = fields.Date(
        "Prepayment Due Date",
        compute="_compute_prepmt_due_date",
        help="When the prepayment is due: the due date of the latest prepayment invoice, or "
        "what the prepayment payment terms give from today.",
    )
    prepmt_amount_paid = fields.Monetary(
        "Prepayment Paid",
        compute="_compute_prepmt_state",
        store=True,
        help="Untaxed share of the posted prepayment invoices that is paid (settled), net of "
        "settled prepayment credit memos.",
    )
    prepmt_state = fields.Selection(
        PREPMT_STATES,
        string="Prepayment Status",
        compute="_compute_prepmt_state",
        store=True,
        index=True,
        help="Follows the prepayment documents and their payments the moment they change.",
    )
    # the same amounts with tax: what the partner is asked for, as the documents say it
    prepmt_amount_incl = fields.Monetary(
        "Prepayment Amount (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="The prepayment amount with the taxes a prepayment invoice of it carries.",
    )
    prepmt_amount_invoiced_incl = fields.Monetary(
        "Prepayment Invoiced (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="Total of the posted prepayment invoices minus the posted prepayment credit memos.",
    )
    prepmt_amount_paid_incl = fields.Monetary(
        "Prepayment Paid (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="What the partner paid of the posted prepayment invoices, net of settled "
        "prepayment credit memos.",
    )
    prepmt_amount_outstanding_incl = fields.Monetary(
        "Prepayment Not Yet Deducted (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="Invoiced with tax minus the deduction lines of posted final documents with "
        "their taxes.",
    )
    prepmt_amount_to_pay = fields.Monetary(
        "Prepayment Still to Pay",
        compute="_compute_prepmt_amount_to_pay",
        help="Untaxed share of the posted prepayment invoices that is not paid yet.",
    )
    prepmt_amount_to_pay_incl = fields.Monetary(
        "Prepayment Still to Pay (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="What the partner still has to pay of the posted prepayment invoices, taxes "
        "included (what the customer portal shows).",
    )
    prepmt_amount_deducted_incl = fields.Monetary(
        "Prepayment Deducted (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="The deduction lines of posted final documents with their taxes, minus their "
        "credit notes.",
    )
    prepmt_amount_to_invoice_incl = fields.Monetary(
        "Prepayment to Invoice (with Tax)",
        compute="_compute_prepmt_amounts_incl",
        help="Total with tax of the next prepayment invoice.",
    )
    prepmt_tax_note = fields.Char(
        "Prepayment Tax Rounding",
        compute="_compute_prepmt_amounts_incl",
        help="Why the amounts with tax differ by a cent: each document rounds its own tax.",
    )
    prepmt_check_override = fields.Boolean(
        "Let Through Without Prepayment",
        copy=False,
        help="Set by a manager: deliveries/receipts and final invoices of this order are not "
        "held by the prepayment check.",
    )
    prepmt_move_count = fields.Integer(compute="_compute_prepmt_move_count")
    prepmt_allow_quotation = fields.Boolean(related="company_id.prepmt_allow_quotation")
    prepmt_rule_reason = fields.Char(
        "Prepayment % Set By",
        compute="_compute_prepmt_rule_reason",
        help="The prepayment rule on the customer's risk that set the lines' %, and why (read "
        "from the accounting when the quotation was made and again at its confirmation).",
    )

    prepmt_percent_effective = fields.Float(
        "Overall Prepayment %",
        compute="_compute_prepmt_percent_effective",
        digits=(16, 2),
        help="The prepayment amount as a share of the order's untaxed amount (its lines may "
        "have their own % from the prepayment rules).",
    )
    prepmt_rules_apply = fields.Boolean(
        "Line Percentages Differ",
        compute="_compute_prepmt_percent_effective",
        help="Some lines have another prepayment % than the order's (prepayment rules, or "
        "edited by hand).",
    )
    prepmt_overdue = fields.Boolean(
        "Prepayment Overdue",
        compute="_compute_prepmt_overdue",
        search="_search_prepmt_overdue",
        help="A posted prepayment invoice of the order is past its due date and not paid.",
    )
    prepmt_reminded_due_date = fields.Date(
        "Prepayment Reminded For",
        copy=False,
        readonly=True,
        help="Due date of the overdue prepayment the last reminder was about: one reminder per "
        "order and due date.",
    )

    # ------------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_percent_depends(self):
        return ["partner_id"]

    @adapter_depends(lambda model: model._prepmt_percent_depends())
    def _compute_prepmt_percent(self):
        for order in self:
            order.prepmt_percent = order._prepmt_partner_percent()

    @adapter_depends("order_line.prepmt_amount")
    def _compute_prepmt_amount(self):
        for order in self:
            order.prepmt_amount = sum(order.order_line.mapped("prepmt_amount"))

    def _inverse_prepmt_amount(self):
        for order in self:
            order._prepmt_spread_amount(order.prepmt_amount)

    @adapter_depends(
        "order_line.prepmt_amount_invoiced",
        "order_line.prepmt_amount_deducted",
        "order_line.prepmt_amount_outstanding",
        "order_line.prepmt_amount_to_invoice",
    )
    def _compute_prepmt_amounts(self):
        for order in self:
            lines = order.order_line
            order.prepmt_amount_invoiced = sum(lines.mapped("prepmt_amount_invoiced"))
            order.prepmt_amount_deducted = sum(lines.mapped("prepmt_amount_deducted"))
            order.prepmt_amount_outstanding = sum(lines.mapped("prepmt_amount_outstanding"))
            order.prepmt_amount_to_invoice = sum(lines.mapped("prepmt_amount_to_invoice"))

    @adapter_depends(
        "order_line.prepmt_amount",
        "order_line.prepmt_amount_to_invoice",
        "prepmt_amount_outstanding",
        "prepmt_move_ids.state",
        "prepmt_move_ids.amount_total",
        "prepmt_move_ids.amount_residual",
        "prepmt_move_ids.payment_state",
    )
    def _compute_prepmt_amounts_incl(self):
        for order in self:
            currency = order.currency_id
            required = order._prepmt_lines_with_tax("prepmt_amount")
            to_invoice = (
                required
                if all(
                    currency.compare_amounts(line.prepmt_amount_to_invoice, line.prepmt_amount) == 0
                    for line in order._prepmt_lines()
                )
                else order._prepmt_to_invoice_with_tax()
            )
            paid_values = order._prepmt_documents_paid()
            invoiced, paid = paid_values["invoiced"], paid_values["paid"]
            deducted = 0.0
            items = (
                order._prepmt_allocations()
                .filtered(lambda a: a.kind == "deduction" and a.move_id.state == "posted")
                .move_line_id
            )
            for item in items:
                # a deduction line is negative; a credit note's gives the deduction back
                deducted -= item.move_id._prepmt_sign() * item.price_total
            # nothing left to deduct: the last final document gave back the tax exactly as
            # invoiced (its true-up moved the cent its deduction lines' own taxes miss)
            outstanding = (
                0.0
                if currency.is_zero(order.prepmt_amount_outstanding)
                else currency.round(invoiced - deducted)
            )
            order.prepmt_amount_incl = required
            order.prepmt_amount_to_invoice_incl = to_invoice
            order.prepmt_amount_invoiced_incl = invoiced
            order.prepmt_amount_paid_incl = paid
            order.prepmt_amount_to_pay_incl = currency.round(max(invoiced - paid, 0.0))
            order.prepmt_amount_outstanding_incl = outstanding
            order.prepmt_amount_deducted_incl = currency.round(invoiced - outstanding)
            order.prepmt_tax_note = order._prepmt_tax_rounding_note(required, invoiced, to_invoice)

    def _prepmt_lines_with_tax(self, field):
        """Total with tax of a prepayment document of the lines' amounts of ``field``
        (``prepmt_amount``: what the order requires, ``prepmt_amount_to_invoice``: the next
        prepayment invoice)."""
        self.ensure_one()
        amounts = {
            line: line[field]
            for line in self._prepmt_lines()
            if not self.currency_id.is_zero(line[field])
        }
        try:
            return self._prepmt_total_with_tax(amounts)
        except UserError:
            # a company without a prepayment account yet: the lines' own totals
            return sum(line._prepmt_with_tax(amount) for line, amount in amounts.items())

    def _prepmt_posted_documents(self):
        """The order's posted prepayment invoices and credit memos."""
        self.ensure_one()
        return self.prepmt_move_ids.filtered(lambda m: m.state == "posted" and m.is_prepayment)

    def _prepmt_documents_paid(self):
        """What the posted prepayment documents invoice and what of it is paid, credit memos
        negatively: the one rule for the order's amounts with tax, its status and its portal
        page. A settled document (paid, in payment, reversed) counts as paid in full, the
        others by what their partner paid.

        :return: ``{"invoiced": total with tax, "paid": paid with tax, "paid_untaxed": the
            paid share of their untaxed amounts, "unpaid": whether a prepayment invoice is
            not settled yet}``
        """
        self.ensure_one()
        invoiced = paid = paid_untaxed = 0.0
        unpaid = False
        for move in self._prepmt_posted_documents():
            sign = move._prepmt_sign()
            settled = move.payment_state in ("paid", "in_payment", "reversed")
            share = (
                1.0
                if settled or not move.amount_total
                else (move.amount_total - move.amount_residual) / move.amount_total
            )
            invoiced += sign * move.amount_total
            paid += sign * (
                move.amount_total if settled else move.amount_total - move.amount_residual
            )
            paid_untaxed += sign * move.amount_untaxed * share
            if sign > 0 and not settled:
                unpaid = True
        return {
            "invoiced": invoiced,
            "paid": paid,
            "paid_untaxed": paid_untaxed,
            "unpaid": unpaid,
        }

    def _prepmt_tax_rounding_note(self, required, invoiced, to_invoice):
        """The note of the Prepayment tab when the amounts with tax do not add up to the cent
        (``required``, ``invoiced`` and ``to_invoice`` with tax): each prepayment document
        rounds its own tax, so two invoices of halves can carry a cent more or less tax than
        one invoice of the whole. False when they add up (or the order was lowered after a
        credit memo: then the untaxed amounts do not add up either)."""
        self.ensure_one()
        currency = self.currency_id
        untaxed = self.prepmt_amount_invoiced + self.prepmt_amount_to_invoice
        diff = currency.round(invoiced + to_invoice - required)
        if currency.is_zero(diff) or currency.compare_amounts(untaxed, self.prepmt_amount):
            return False
        values = {
            "diff": currency.format(abs(diff)),
            "total": currency.format(currency.round(invoiced + to_invoice)),
            "required": currency.format(required),
        }
        if diff > 0:
            return self.env._(
                "Invoiced and to invoice with tax make %(total)s, "
                "%(diff)s more than required (%(required)s): "
                "each prepayment document rounds its own tax. "
                "Final invoices deduct the tax exactly as it was invoiced, "
                "so over all documents the order total is invoiced, no more.",
                **values,
            )
        return self.env._(
            "Invoiced and to invoice with tax make %(total)s, "
            "%(diff)s less than required (%(required)s): "
            "each prepayment document rounds its own tax. "
            "Final invoices deduct the tax exactly as it was invoiced, "
            "so over all documents the order total is invoiced, no less.",
            **values,
        )

    @adapter_depends("prepmt_amount_invoiced", "prepmt_amount_paid")
    def _compute_prepmt_amount_to_pay(self):
        for order in self:
            order.prepmt_amount_to_pay = order.currency_id.round(
                max(order.prepmt_amount_invoiced - order.prepmt_amount_paid, 0.0)
            )

    @adapter_depends("company_id")
    def _compute_prepmt_compress(self):
        for order in self:
            order.prepmt_compress = (order.company_id or self.env.company).prepmt_compress_default

    @adapter_depends("company_id")
    def _compute_prepmt_deduction_plan(self):
        for order in self:
            order.prepmt_deduction_plan = (
                order.company_id or self.env.company
            ).prepmt_deduction_plan or "proportional"

    @adapter_depends("partner_id", "payment_term_id")
    def _compute_prepmt_payment_term_id(self):
        for order in self:
            partner = order._prepmt_invoice_partner().commercial_partner_id.with_company(
                order.company_id
            )
            order.prepmt_payment_term_id = (
                partner[self._prepmt_partner_payment_term_field] or order.payment_term_id
            )

    @adapter_depends("state", "prepmt_payment_term_id", "prepmt_move_ids.invoice_date_due")
    def _compute_prepmt_due_date(self):
        today = fields.Date.context_today(self)
        for order in self:
            invoices = order.prepmt_move_ids.filtered(
                lambda m: m.state == "posted" and m.move_type == self._prepmt_invoice_type
            )
            if order._prepmt_is_cancelled():
                # a cancelled order requires nothing: nothing is due
                order.prepmt_due_date = False
            elif invoices:
                order.prepmt_due_date = max(invoices.mapped("invoice_date_due"))
            elif order.prepmt_amount > 0:
                term = order.prepmt_payment_term_id
                order.prepmt_due_date = max(
                    (line._get_due_date(today) for line in term.line_ids), default=today
                )
            else:
                order.prepmt_due_date = False

    @adapter_depends(
        "state",
        "prepmt_amount",
        "prepmt_amount_outstanding",
        "prepmt_amount_to_invoice",
        "prepmt_move_ids.state",
        "prepmt_move_ids.payment_state",
        "prepmt_move_ids.amount_residual",
        "invoice_status",
        "order_line.qty_invoiced",
    )
    def _compute_prepmt_state(self):
        for order in self:
            currency = order.currency_id
            paid_values = order._prepmt_documents_paid()
            paid = paid_values["paid_untaxed"]
            order.prepmt_amount_paid = currency.round(paid) if currency else paid
            state = order._prepmt_state_of(paid_values["unpaid"])
            # only from "paid": an order whose prepayment documents are not all paid is not
            # settled, however fully invoiced it is (the unpaid status wins)
            if state == "paid" and order._prepmt_is_settled():
                state = "settled"
            order.prepmt_state = state

    def _prepmt_state_of(self, unpaid):
        """The prepayment status (the state table of the README), ``unpaid`` saying whether
        a posted prepayment invoice of the order is not paid yet. A cancelled order requires
        nothing: no status unless it still holds an outstanding prepayment. Then, in this
        order: something to invoice, something not paid, all paid. (``settled``, the end of
        an order fully invoiced, comes on top of ``paid``: see ``_prepmt_is_settled``.)"""
        self.ensure_one()
        currency = self.currency_id
        required = 0.0 if self._prepmt_is_cancelled() else self.prepmt_amount
        if currency.is_zero(required) and currency.is_zero(self.prepmt_amount_outstanding):
            return "none"
        if currency.compare_amounts(self.prepmt_amount_to_invoice, 0) > 0:
            return "to_invoice"
        if unpaid:
            return "waiting_payment"
        return "paid"

    def _prepmt_is_cancelled(self):
        """Whether the order is cancelled: it requires no prepayment (its history stays)."""
        self.ensure_one()
        return self.state == self._prepmt_cancelled_state

    @adapter_depends("prepmt_move_ids")
    def _compute_prepmt_move_count(self):
        for order in self:
            order.prepmt_move_count = len(order.prepmt_move_ids)

    # ------------------------------------------------------------------
    # Constraints and onchanges
    # ------------------------------------------------------------------
    @api.constrains("prepmt_percent")
    def _check_prepmt_percent(self):
        check_percent(
            self,
            lambda order: self.env._(
                "The prepayment %% of %(order)s must be between 0 and 100.", order=order.name
            ),
        )

    @api.onchange("prepmt_percent")
    def _onchange_prepmt_percent(self):
        # A % typed by the user applies to every line; one that follows a partner change
        # leaves the rules in charge.
        if self._origin and self.partner_id != self._origin.partner_id:
            return
        self._prepmt_lines()._prepmt_set_percent(use_rules=False)

    @api.onchange("date_order")
    def _onchange_date_order_prepmt(self):
        # the rules valid on the new date, while nothing is invoiced
        if not any(self.order_line.mapped("prepmt_amount_invoiced")):
            self._prepmt_lines()._prepmt_set_percent()

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("prepmt_check_override") for vals in vals_list):
            self._prepmt_check_override_group()
        return super().create(vals_list)

    def write(self, vals):
        self._prepmt_check_header_write(vals)
        if "prepmt_check_override" in vals:
            self._prepmt_check_override_group()
            self._prepmt_post_override_change(vals["prepmt_check_override"])
        res = super().write(vals)
        if "prepmt_percent" in vals and "partner_id" not in vals:
            self._prepmt_lines()._prepmt_set_percent(use_rules=False)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_prepmt_outstanding(self):
        # the lines of a deleted order go by cascade, without their own guard: ask it here
        self.order_line._unlink_except_prepmt_outstanding()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_apply_prepmt_rules(self):
        """Give every line the % of the prepayment rules again (header % without a rule)."""
        self._prepmt_lines()._prepmt_set_percent()
        return True

    def action_create_prepmt_invoice(self):
        """Invoice all that is still to invoice; return an action on the new document."""
        moves = self.env["account.move"]
        for order in self:
            moves |= order._prepmt_issue_invoice()
        return self._prepmt_action_view_moves(moves)

    def action_create_prepmt_credit_memo(self):
        """Credit all that is outstanding; return an action on the new document."""
        moves = self.env["account.move"]
        for order in self:
            moves |= order._prepmt_issue_credit_memo()
        return self._prepmt_action_view_moves(moves)

    def action_open_prepmt_credit_memo_wizard(self):
        """The prepayment credit memo window: the lines with what each holds not yet
        deducted, all chosen (only those of context key ``prepmt_credit_line_ids`` when
        given: the line a user wants to delete)."""
        self.ensure_one()
        self._prepmt_check_can_invoice()
        self._prepmt_amounts_to_credit()  # nothing outstanding: said at once
        return {
            "name": self._prepmt_credit_memo_button(),
            "type": "ir.actions.act_window",
            "res_model": "prepayment.credit.memo.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": self._name,
                "default_res_id": self.id,
                "prepmt_credit_line_ids": self.env.context.get("prepmt_credit_line_ids"),
            },
        }

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

    def action_open_prepmt_payment_wizard(self):
        """*Register Prepayment*: a payment received (made) before any prepayment document,
        see ``prepayment.payment.wizard``."""
        self.ensure_one()
        self._prepmt_check_can_invoice()
        self.env["prepayment.payment.wizard"]._check_payment_rights()
        return {
            "name": self.env._("Register Prepayment"),
            "type": "ir.actions.act_window",
            "res_model": "prepayment.payment.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }

    def _prepmt_open_payments(self):
        """The partner's posted payments (of the order's company and currency, in the
        direction of its prepayment invoices) that nothing is reconciled with yet: what a
        payment received before the prepayment invoice was registered as from Accounting.
        Those whose memo names the order come first."""
        self.ensure_one()
        inbound = self._prepmt_invoice_type.startswith("out_")
        payments = self.env["account.payment"].search(
            [
                ("company_id", "=", self.company_id.id),
                (
                    "partner_id.commercial_partner_id",
                    "=",
                    self._prepmt_invoice_partner().commercial_partner_id.id,
                ),
                ("payment_type", "=", "inbound" if inbound else "outbound"),
                ("partner_type", "=", "customer" if inbound else "supplier"),
                ("state", "in", ("in_process", "paid")),
                ("is_reconciled", "=", False),
                ("currency_id", "=", self.currency_id.id),
            ],
            order="date, id",
        )
        return payments.sorted(lambda p: not self._prepmt_named_by(p))

    def _prepmt_named_by(self, payment):
        """Whether the memo of ``payment`` names this order (a transfer for it)."""
        self.ensure_one()
        return bool(self.name) and self.name.lower() in (payment.memo or "").lower()

    def action_view_prepmt_moves(self):
        """The *Prepayments* smart button: the order's prepayment documents."""
        self.ensure_one()
        return self._prepmt_action_view_moves(self.prepmt_move_ids)

    def _prepmt_action_view_moves(self, moves):
        """The prepayment documents ``moves`` of these orders (one model): the form of a
        single one, else a list with the partner, the order and the totals, titled with the
        order when there is one ("Prepayment Invoices of S00012")."""
        action = self.env["ir.actions.act_window"]._for_xml_id(self._prepmt_moves_action)
        if len(self) == 1 and self._prepmt_order_type == "sale":
            title = self.env._("Prepayment Invoices of %(order)s", order=self.name)
        elif len(self) == 1:
            title = self.env._("Prepayment Bills of %(order)s", order=self.name)
        else:
            title = self.env._("Prepayment Documents")
        # the web client shows display_name before name
        action["name"] = action["display_name"] = title
        # default_move_type: the columns and labels of the side (Customer / Vendor)
        action["context"] = {"create": False, "default_move_type": self._prepmt_invoice_type}
        form = (self.env.ref("account.view_move_form").id, "form")
        if len(moves) == 1:
            action["views"] = [form]
            action["res_id"] = moves.id
        else:
            action["views"] = [
                (self.env.ref("prepayment_addon.account_move_view_list_prepayment").id, "list"),
                form,
            ]
            action["view_mode"] = "list,form"
            action["domain"] = [("id", "in", moves.ids)]
        return action

    # ------------------------------------------------------------------
    # Business: amounts, hold, guards
    # ------------------------------------------------------------------
    def _prepmt_lines(self):
        """Order lines that can carry a prepayment."""
        return self.order_line.filtered(lambda ln: ln._prepmt_is_product_line())

    def _prepmt_allocations(self):
        return self.order_line.prepmt_allocation_ids

    def _prepmt_draft_documents(self):
        """The order's draft prepayment documents."""
        self.ensure_one()
        return self.prepmt_move_ids.filtered(lambda m: m.state == "draft")

    def _prepmt_has_outstanding(self):
        """Whether a line of the order holds an invoiced prepayment not yet deducted (in
        either direction: a discount line holds a negative one)."""
        self.ensure_one()
        return any(line._prepmt_has_outstanding() for line in self._prepmt_lines())

    def _prepmt_partner_percent(self):
        partner = self._prepmt_invoice_partner().commercial_partner_id.with_company(self.company_id)
        return partner[self._prepmt_partner_percent_field] if partner else 0.0

    def _prepmt_rule_percents(self, products):
        """``{product id: %}`` of the prepayment rules valid on the order date."""
        self.ensure_one()
        return self.env["prepayment.rule"]._get_percents(
            *self._prepmt_rule_args(), products, order=self
        )

    def _prepmt_rule_args(self):
        """The arguments of ``prepayment.rule._get_rules`` for this order, but the products."""
        self.ensure_one()
        date = fields.Date.to_date(self.date_order) if self.date_order else fields.Date.today()
        return (
            self._prepmt_order_type,
            self.company_id,
            date,
            self._prepmt_invoice_partner(),
            self._prepmt_pricelist(),
        )

    @adapter_depends(
        "partner_id", "date_order", "order_line.product_id", "order_line.prepmt_percent"
    )
    def _compute_prepmt_rule_reason(self):
        for order in self:
            order.prepmt_rule_reason = order._prepmt_risk_reason_text()

    def _prepmt_risk_reason_text(self):
        """Which rule on the customer's risk gave the lines their %, and why ("All products /
        Invoices Overdue: 50% (overdue invoices: 2, 4,350.00)"), or False."""
        self.ensure_one()
        lines = self._prepmt_lines()
        if not lines or not self._prepmt_has_risk_rules():
            return False
        found = self.env["prepayment.rule"]._get_rules(
            *self._prepmt_rule_args(), lines.product_id, order=self
        )
        texts = []
        for line in lines:
            rule, reason = found.get(line.product_id.id) or (None, False)
            if not reason or line.prepmt_percent != rule.percent:
                continue
            text = self.env._("%(rule)s (%(reason)s)", rule=rule.sudo().display_name, reason=reason)
            if text not in texts:
                texts.append(text)
        return "; ".join(texts) or False

    def _prepmt_has_risk_rules(self):
        """Whether rules on the customer's risk exist for this order's type and company."""
        self.ensure_one()
        return bool(
            self.env["prepayment.rule"]
            .sudo()
            .search_count(
                [
                    ("risk", "!=", False),
                    ("order_type", "=", self._prepmt_order_type),
                    ("company_id", "in", [self.company_id.id, False]),
                ],
                limit=1,
            )
        )

    def _prepmt_reapply_rules(self):
        """At confirmation: the rules again, the customer's risk read as it is now, on the
        lines whose % the rules or the order's % gave; a % the user typed on a line (one
        that no rule matching the line, nor the order, gives) stays, as do the lines whose
        prepayment is invoiced."""
        for order in self:
            lines = order._prepmt_lines().filtered(
                lambda ln: (
                    not any(
                        a.kind == "prepayment" and a.move_id.state == "posted"
                        for a in ln.prepmt_allocation_ids
                    )
                )
            )
            if not lines or not order._prepmt_has_risk_rules():
                continue
            candidates = self.env["prepayment.rule"]._get_candidate_percents(
                *order._prepmt_rule_args(), lines.product_id
            )
            wanted = lines._prepmt_default_percents()
            for line in lines:
                plain, risky = candidates[line.product_id.id]
                given = order.prepmt_percent if plain is None else plain
                from_rules = line.prepmt_percent == given or line.prepmt_percent in risky
                if from_rules and line.prepmt_percent != wanted[line]:
                    line.prepmt_percent = wanted[line]

    def _prepmt_spread_amount(self, total):
        """Spread ``total`` over the lines that have a % > 0, in proportion to their amounts
        (a negative line counts negatively), so that they all get the same %.  Nothing
        changes when ``total`` is what the lines already require."""
        self.ensure_one()
        currency = self.currency_id
        if currency.compare_amounts(total, sum(self._prepmt_lines().mapped("prepmt_amount"))) == 0:
            return
        lines = self._prepmt_lines().filtered(
            lambda ln: ln.prepmt_percent > 0 and not currency.is_zero(ln.price_subtotal)
        )
        if total < 0:
            raise ValidationError(
                self.env._(
                    "The prepayment amount of %(order)s cannot be negative.", order=self.name
                )
            )
        if not lines:
            raise UserError(
                self.env._(
                    "No line of %(order)s has a prepayment %%: "
                    "set a prepayment %% on the order or on its lines before entering a prepayment amount.",  # noqa: E501
                    order=self.name,
                )
            )
        base = sum(lines.mapped("price_subtotal"))
        if currency.compare_amounts(total, base) > 0 or currency.compare_amounts(base, 0) <= 0:
            raise ValidationError(
                self.env._(
                    "The prepayment amount (%(amount)s) cannot exceed the untaxed amount of the lines that have a prepayment %% (%(base)s).",  # noqa: E501
                    amount=currency.format(total),
                    base=currency.format(base),
                )
            )
        shares = distribute(
            total,
            lines.mapped("price_subtotal"),
            currency.rounding,
            caps=lines.mapped("price_subtotal"),
        )
        for line, share in zip(lines, shares, strict=True):
            line.prepmt_amount = share
        lines._inverse_prepmt_amount()

    def _prepmt_blocking_message(self, amounts=True):
        """Why the prepayment check holds this order (a full sentence), or False.

        :param amounts: whether the sentence may give the order's figures; without them, for
            a user who may not read the order, it only says what is missing.
        """
        self.ensure_one()
        if self.prepmt_check_override or self.prepmt_state not in ("to_invoice", "waiting_payment"):
            return False
        if self.prepmt_state == "to_invoice":
            if not amounts:
                return self.env._(
                    "%(order)s still has prepayment to invoice: "
                    "its prepayment must be invoiced and paid first.",
                    order=self.name,
                )
            return self.env._(
                "%(order)s still has %(amount)s of prepayment to invoice: "
                "issue the prepayment invoice and have it paid first.",
                order=self.name,
                amount=self.currency_id.format(self.prepmt_amount_to_invoice),
            )
        if not amounts:
            return self.env._(
                "The prepayment of %(order)s is not paid yet: its payment must be registered first.",  # noqa: E501
                order=self.name,
            )
        return self.env._(
            "The prepayment of %(order)s is not paid yet (%(paid)s of %(invoiced)s paid): "
            "register the payment first.",
            order=self.name,
            paid=self.currency_id.format(self.prepmt_amount_paid),
            invoiced=self.currency_id.format(self.prepmt_amount_invoiced),
        )

    def _prepmt_check_release(self, held):
        """Refuse an operation while the prepayment check holds the order.

        The check reads the orders as the superuser: whoever does the operation is held,
        also a user who may not read the order (a warehouse user validating the delivery of
        another salesperson's order); the refusal then says what is missing without the
        order's figures.

        :param held: a full sentence that says what cannot be done (e.g. the adapter's
            ``_prepmt_final_posting_held()``); the error puts the reason and the way out
            after it, each a sentence of its own.
        """
        for order in self:
            order_su = order.sudo()
            if not order_su.company_id[order._prepmt_check_field]:
                continue
            reason = order_su._prepmt_blocking_message(
                amounts=order.env.su or order.sudo(False).has_access("read")
            )
            if reason:
                raise UserError(
                    "\n".join(
                        [
                            held,
                            reason,
                            self.env._(
                                "A manager can let the order through with 'Let Through Without Prepayment' on its Prepayment tab."  # noqa: E501
                            ),
                        ]
                    )
                )

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
                raise UserError(
                    self.env._(
                        "A prepayment of %(amount)s is invoiced on %(order)s: "
                        "its %(fields)s cannot change. Post a prepayment credit memo first.",
                        order=order.name,
                        amount=order.currency_id.format(order.prepmt_amount_outstanding),
                        fields=", ".join(
                            self._fields[f]._description_string(self.env) for f in changed
                        ),
                    )
                )

    def _prepmt_check_override_group(self):
        """Refuse a user who is not a manager of the side (``_prepmt_manager_group``)."""
        if not self.env.su and not self.env.user.has_group(self._prepmt_manager_group):
            raise AccessError(
                self.env._("Only managers can let an order through without its prepayment.")
            )

    def _prepmt_post_override_change(self, value):
        """Say on the chatter of each order whose 'Let Through Without Prepayment' changes to
        ``value`` who let it through, or put it back under the prepayment check."""
        for order in self:
            if bool(order.prepmt_check_override) != bool(value):
                order.message_post(
                    body=self.env._(
                        "%(user)s let this order through without its prepayment.",
                        user=self.env.user.name,
                    )
                    if value
                    else self.env._(
                        "%(user)s put this order back under the prepayment check.",
                        user=self.env.user.name,
                    )
                )

    def _prepmt_check_cancel(self):
        refuse_if_engaged(
            self,
            lambda order: self.env._(
                "%(order)s has an invoiced prepayment of %(amount)s that was not deducted: "
                "post a prepayment credit memo first, then cancel the order.",
                order=order.name,
                amount=order.currency_id.format(order.prepmt_amount_outstanding),
            ),
            lambda order, docs: self.env._(
                "%(order)s has draft prepayment documents (%(docs)s): post or delete them first, "
                "then cancel the order.",
                order=order.name,
                docs=docs,
            ),
        )

    # ------------------------------------------------------------------
    # Business: prepayment documents
    # ------------------------------------------------------------------
    def _prepmt_issue_invoice(self, amount=None, total=None, date=None):
        """Issue a prepayment invoice (bill) of this order: see
        ``prepayment.document.builder._issue_invoice``, whatever asks for it (the button, the
        wizard, the mass action, the online payment, a payment received first)."""
        return self.env["prepayment.document.builder"]._issue_invoice(
            self, amount=amount, total=total, date=date
        )

    def _prepmt_issue_credit_memo(self, amounts=None, total=None):
        """Issue a prepayment credit memo of this order (of all that is outstanding, or of
        ``amounts``, ``{order line: untaxed amount}``, its total with tax ``total`` when
        typed so): see ``prepayment.document.builder._issue_credit_memo``."""
        return self.env["prepayment.document.builder"]._issue_credit_memo(
            self, amounts=amounts, total=total
        )

    def _prepmt_begin_document(self):
        """Lock the order and read it afresh before computing a document's amounts."""
        self._prepmt_lock()
        self.invalidate_recordset()
        self.order_line.invalidate_recordset()
        self._prepmt_check_can_invoice()

    def _prepmt_lock(self):
        """Make sure two users cannot invoice or credit the same amount twice.

        A transaction-level advisory lock per order (no failing query, nothing logged): a
        second user gets a clear message while the first one works. Then the order row is
        touched, so that a transaction that started before the first one committed fails
        to serialize (and Odoo retries it) instead of working from a stale state.
        """
        self.env.cr.execute(
            "SELECT bool_and(pg_try_advisory_xact_lock(hashtext(%s), id)) FROM unnest(%s) id",
            [self._table, self.ids],
        )
        if not self.env.cr.fetchone()[0]:
            raise UserError(
                self.env._(
                    "Another user is working on the prepayment of %(order)s right now. "
                    "Try again in a moment.",
                    order=", ".join(self.mapped("name")),
                )
            )
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET write_date = write_date WHERE id IN %s",
                SQL.identifier(self._table),
                tuple(self.ids),
            )
        )

    def _prepmt_check_can_invoice(self):
        self.ensure_one()
        if self.state not in self._prepmt_confirmed_states and not (
            self.company_id.prepmt_allow_quotation and self.state in ("draft", "sent")
        ):
            raise UserError(
                self.env._(
                    "Confirm %(order)s before issuing a prepayment document (or allow prepayment invoices on quotations in the settings).",  # noqa: E501
                    order=self.name,
                )
            )
        drafts = self._prepmt_draft_documents()
        if drafts:
            raise UserError(
                self.env._(
                    "A draft prepayment document (%(docs)s) is already open for %(order)s: "
                    "post or delete the draft first.",
                    docs=", ".join(drafts.mapped("display_name")),
                    order=self.name,
                )
            )

    def _prepmt_amounts_to_invoice(self, amount=None):
        """``{order line: untaxed amount}`` of a new prepayment invoice: what each line still
        has to invoice, or ``amount`` spread over the lines in proportion to it (largest
        remainder: the shares add up to ``amount`` exactly and none exceeds its line's)."""
        self.ensure_one()
        currency = self.currency_id
        amounts = {
            line: line.prepmt_amount_to_invoice
            for line in self._prepmt_lines()
            if not currency.is_zero(line.prepmt_amount_to_invoice)
        }
        due = sum(amounts.values())
        if currency.compare_amounts(due, 0) <= 0:
            raise UserError(
                self.env._(
                    "There is no prepayment left to invoice on %(order)s: "
                    "its prepayment amount is fully invoiced. "
                    "Raise a line's prepayment %% or quantity first.",
                    order=self.name,
                )
            )
        if amount is None:
            return amounts
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, due) > 0:
            raise ValidationError(
                self.env._(
                    "The prepayment amount to invoice must be more than 0 and at most %(due)s (what is still to invoice on %(order)s).",  # noqa: E501
                    due=currency.format(due),
                    order=self.name,
                )
            )
        return self._prepmt_spread(amount, amounts)

    def _prepmt_spread(self, amount, base):
        """``amount`` spread over ``base`` (``{order line: amount}``) in proportion (largest
        remainder: the shares add up to ``amount`` exactly and none goes past its line's):
        the one rule of a lowered amount, for a prepayment invoice (``base``: what each line
        still has to invoice) and for a credit memo (what each chosen line holds)."""
        self.ensure_one()
        currency = self.currency_id
        amount = currency.round(amount)
        if currency.compare_amounts(amount, sum(base.values())) == 0:
            return dict(base)
        dues = list(base.values())
        shares = distribute(amount, dues, currency.rounding, caps=dues)
        return {
            line: share
            for line, share in zip(base, shares, strict=True)
            if not currency.is_zero(share)
        }

    def _prepmt_credit_base(self, lines=None):
        """``{order line: untaxed amount}`` that ``lines`` (all the order's) hold not yet
        deducted: what a prepayment credit memo of them credits in full."""
        self.ensure_one()
        currency = self.currency_id
        return {
            line: line.prepmt_amount_outstanding
            for line in (self._prepmt_lines() if lines is None else lines)
            if not currency.is_zero(line.prepmt_amount_outstanding)
        }

    def _prepmt_amounts_to_credit(self, lines=None, amount=None, total=None):
        """``{order line: untaxed amount}`` of a prepayment credit memo of ``lines`` (all the
        order's lines when not given): all they hold not yet deducted, or the lower untaxed
        ``amount`` of it, or the lower ``total`` with tax, spread over them as a lowered
        prepayment invoice is (``_prepmt_spread``, ``_prepmt_amounts_for_total``)."""
        self.ensure_one()
        currency = self.currency_id
        base = self._prepmt_credit_base(lines)
        if lines is None and currency.compare_amounts(sum(base.values()), 0) <= 0:
            raise UserError(
                self.env._(
                    "There is no outstanding prepayment to credit on %(order)s: "
                    "nothing was invoiced, or the final invoices have deducted it all.",
                    order=self.name,
                )
            )
        if not base:
            raise UserError(
                self.env._(
                    "The chosen lines of %(order)s hold no prepayment that is not yet "
                    "deducted: choose lines that do.",
                    order=self.name,
                )
            )
        held = currency.round(sum(base.values()))
        if currency.compare_amounts(held, 0) <= 0:
            raise ValidationError(
                self.env._(
                    "The chosen lines of %(order)s hold %(amount)s not yet deducted: a credit "
                    "memo of them alone would be negative. Choose other lines as well.",
                    order=self.name,
                    amount=currency.format(held),
                )
            )
        if total is not None:
            return self._prepmt_amounts_for_total(total, due=base)
        if amount is None:
            return base
        if currency.compare_amounts(amount, 0) <= 0 or currency.compare_amounts(amount, held) > 0:
            raise ValidationError(
                self.env._(
                    "The amount to credit must be more than 0 and at most %(held)s (what the "
                    "chosen lines of %(order)s hold not yet deducted).",
                    held=currency.format(held),
                    order=self.name,
                )
            )
        return self._prepmt_spread(amount, base)

    def _prepmt_check_amounts_to_credit(self, amounts):
        """``amounts`` (``{order line: untaxed amount}``) of a prepayment credit memo, checked
        against what each line holds now: lines of this order, each amount of the sign of its
        line's outstanding prepayment and no more than it; zero amounts left out."""
        self.ensure_one()
        currency = self.currency_id
        result = {}
        for line, amount in amounts.items():
            if currency.is_zero(amount):
                continue
            outstanding = line.prepmt_amount_outstanding
            sign = -1 if outstanding < 0 else 1
            if line.order_id != self:
                raise ValidationError(
                    self.env._(
                        "Line %(line)s is not a line of %(order)s: a prepayment credit memo "
                        "credits the lines of its own order.",
                        line=line.display_name,
                        order=self.name,
                    )
                )
            if (
                currency.is_zero(outstanding)
                or currency.compare_amounts(sign * amount, 0) < 0
                or currency.compare_amounts(sign * amount, sign * outstanding) > 0
            ):
                raise ValidationError(
                    self.env._(
                        "Line %(line)s of %(order)s holds %(outstanding)s of prepayment not yet "
                        "deducted: it can be credited up to that, not %(amount)s.",
                        line=line.name,
                        order=self.name,
                        outstanding=currency.format(outstanding),
                        amount=currency.format(amount),
                    )
                )
            result[line] = amount
        if currency.compare_amounts(sum(result.values()), 0) <= 0:
            raise UserError(
                self.env._(
                    "Nothing to credit on %(order)s: choose lines that hold a prepayment not yet "
                    "deducted, and an amount above 0.",
                    order=self.name,
                )
            )
        return result

    def _prepare_prepmt_invoice(self, move_type):
        """Header values of a prepayment document of ``move_type`` (completed by the
        adapters), without lines."""
        self.ensure_one()
        return {
            "move_type": move_type,
            "partner_id": self._prepmt_invoice_partner().id,
            "currency_id": self.currency_id.id,
            "fiscal_position_id": self.fiscal_position_id.id,
            "invoice_origin": self.name,
            "journal_id": self._prepmt_journal().id,
            "company_id": self.company_id.id,
            "invoice_payment_term_id": (
                self.prepmt_payment_term_id.id if move_type == self._prepmt_invoice_type else False
            ),
            self._prepmt_move_link_field: self.id,
            "invoice_line_ids": [],
        }

    def _prepmt_total_with_tax(self, amounts):
        """Total with taxes of a prepayment document that would invoice ``amounts``
        (``{order line: untaxed amount}``): its lines are built as the document's are (grouped
        or not), and taxed the way an invoice is (the company's rounding method)."""
        self.ensure_one()
        amounts = {
            line: amount for line, amount in amounts.items() if not self.currency_id.is_zero(amount)
        }
        if not amounts:
            return 0.0
        AccountTax = self.env["account.tax"]
        base_lines = []
        builder = self.env["prepayment.document.builder"]
        for command in builder._line_commands(self, amounts, "prepayment"):
            vals = command[2]
            base_lines.append(
                AccountTax._prepare_base_line_for_taxes_computation(
                    None,
                    price_unit=vals["price_unit"],
                    quantity=1.0,
                    tax_ids=AccountTax.browse(vals["tax_ids"][0][2]),
                    currency_id=self.currency_id,
                    partner_id=self._prepmt_invoice_partner(),
                )
            )
        AccountTax._add_tax_details_in_base_lines(base_lines, self.company_id)
        AccountTax._round_base_lines_tax_details(base_lines, self.company_id)
        totals = AccountTax._get_tax_totals_summary(
            base_lines=base_lines, currency=self.currency_id, company=self.company_id
        )
        return totals["total_amount_currency"]

    def _prepmt_amounts_for_total(self, total, due=None):
        """``{order line: untaxed amount}`` of a prepayment invoice whose total with tax is
        ``total``: ``total`` is shared over the tax groups (journal items) of what is still to
        invoice (or of ``due``, ``{order line: amount}``: what the lines chosen for a
        credit memo hold) in proportion to their totals with tax; per group, the untaxed
        amount whose total with tax is nearest its share, chosen so that the totals add up to
        ``total`` to
        the cent (a total that one group's tax cannot reach, another group makes up), spread
        over the group's lines in proportion to what each still has to invoice. When no
        choice adds up (one tax group, a total its tax rounding skips), the builder
        puts the missing cent on the tax."""
        self.ensure_one()
        currency = self.currency_id
        crediting = due is not None
        if due is None:
            due = self._prepmt_amounts_to_invoice()
        groups = self.env["prepayment.document.builder"]._groups(self, due)
        totals = [lines._prepmt_with_tax(sum(group.values())) for _a, lines, group in groups]
        # the bound is the document's total, as the wizard shows it (a company that rounds
        # taxes globally: the journal items' totals may miss its cent)
        due_total = self._prepmt_total_with_tax(due)
        out_of_bounds = (
            currency.compare_amounts(total, 0) <= 0
            or currency.compare_amounts(total, due_total) > 0
        )
        if out_of_bounds and crediting:
            raise ValidationError(
                self.env._(
                    "The amount with tax to credit must be more than 0 and at most %(due)s "
                    "(what the chosen lines of %(order)s hold not yet deducted, with tax).",
                    due=currency.format(due_total),
                    order=self.name,
                )
            )
        if out_of_bounds:
            raise ValidationError(
                self.env._(
                    "The prepayment amount with tax to invoice must be more than 0 and at most %(due)s (what is still to invoice on %(order)s, "  # noqa: E501
                    "with tax).",
                    due=currency.format(due_total),
                    order=self.name,
                )
            )
        if currency.compare_amounts(total, due_total) == 0:
            return due
        unit = currency.rounding
        targets = distribute(currency.round(total), totals, unit, caps=totals)
        # per group, untaxed amounts near the proportional one and their totals with tax
        options = []
        for (_account, lines, group), target, group_total in zip(
            groups, targets, totals, strict=False
        ):
            group_due = sum(group.values())
            sign = -1 if group_due < 0 else 1
            guess = currency.round(group_due * target / group_total) if group_total else 0.0
            near = {currency.round(guess + step * unit) for step in range(-3, 4)}
            near = [u for u in near if 0 <= sign * u <= sign * group_due] or [guess]
            options.append([(u, lines._prepmt_with_tax(u)) for u in sorted(near)])
        # the choice per group whose totals add up to ``total`` exactly (a total with tax
        # that one group cannot reach, another can make up), closest to the shares
        reach = {0: (0.0, [])}  # sum of totals in units: (distance to the shares, choices)
        for target, choices in zip(targets, options, strict=False):
            further = {}
            for reached, (distance, picked) in reach.items():
                for untaxed, with_tax in choices:
                    key = reached + round(with_tax / unit)
                    value = (distance + abs(with_tax - target), picked + [untaxed])
                    if key not in further or value[0] < further[key][0]:
                        further[key] = value
            reach = further
        wanted = round(total / unit)
        _reached, (_distance, picked) = min(
            reach.items(), key=lambda item: (abs(item[0] - wanted), item[1][0])
        )
        result = {}
        for (_account, _lines, group), untaxed in zip(groups, picked, strict=False):
            if currency.is_zero(untaxed):
                continue
            result.update(self._prepmt_spread(untaxed, group))
        result = {line: share for line, share in result.items() if not currency.is_zero(share)}
        if not result and crediting:
            raise ValidationError(
                self.env._(
                    "%(total)s with tax is too small to credit a prepayment of %(order)s.",
                    total=currency.format(total),
                    order=self.name,
                )
            )
        if not result:
            raise ValidationError(
                self.env._(
                    "%(total)s with tax is too small to invoice a prepayment of %(order)s.",
                    total=currency.format(total),
                    order=self.name,
                )
            )
        return result

    def _prepmt_account(self, category=None):
        """The prepayment account of the order's documents for products of ``category``:
        the category's own (or its nearest parent's), else the company's, with the fiscal
        position's account mapping applied."""
        self.ensure_one()
        account = self.env["account.account"]
        if category:
            account = category.with_company(self.company_id)._prepmt_category_account(
                self._prepmt_account_field
            )
        if not account:
            account = self._prepmt_company_account(self.company_id)
        return self.fiscal_position_id.map_account(account) if self.fiscal_position_id else account

    @api.model
    def _prepmt_company_account(self, company):
        account = company._prepmt_company_account(self._prepmt_account_field)
        if not account:
            raise UserError(self._prepmt_missing_account_message(company))
        return account

    def _prepmt_journal(self):
        """The journal of the order's prepayment documents: the company's prepayment
        journal, else its first journal of the adapter's type."""
        self.ensure_one()
        company = self.company_id
        journal = company[self._prepmt_journal_field]
        if not journal:
            Journal = self.env["account.journal"]
            journal = Journal.search(
                [
                    *Journal._check_company_domain(company),
                    ("type", "=", self._prepmt_order_type),
                ],
                limit=1,
            )
        if not journal:
            raise UserError(self._prepmt_missing_journal_message(company))
        return journal

    # ------------------------------------------------------------------
    # Reading the status
    # ------------------------------------------------------------------
    @adapter_depends(
        "prepmt_amount",
        "prepmt_percent",
        "order_line.prepmt_percent",
        "order_line.price_subtotal",
    )
    def _compute_prepmt_percent_effective(self):
        for order in self:
            lines = order._prepmt_lines()
            base = sum(lines.mapped("price_subtotal"))
            order.prepmt_percent_effective = (
                100.0 * order.prepmt_amount / base if not order.currency_id.is_zero(base) else 0.0
            )
            order.prepmt_rules_apply = any(
                line.prepmt_percent != order.prepmt_percent for line in lines
            )

    def _prepmt_is_settled(self):
        """A confirmed (or locked) order that Odoo calls fully invoiced, whose every line is
        invoiced by posted final documents up to its ordered quantity or beyond (a quantity
        delivered or received above the ordered one, invoiced too), and whose prepayment is
        all deducted (or was never invoiced): nothing more to ask or to deduct, even if a
        lowered prepayment left part of the requirement uninvoiced. Its prepayment documents
        being paid is the status's own condition (``paid`` before ``settled``)."""
        self.ensure_one()
        if (
            self.state not in self._prepmt_confirmed_states
            or self.invoice_status not in ("invoiced", "upselling")
            or not self.currency_id.is_zero(self.prepmt_amount_outstanding)
        ):
            return False
        lines = self._prepmt_lines()
        return bool(lines) and all(line._prepmt_fully_invoiced() for line in lines)

    def action_view_prepmt_lines(self):
        """The order's lines with their prepayment %, amount, invoiced and deducted."""
        self.ensure_one()
        return {
            "name": self.env._("Prepayment by Line - %(order)s", order=self.name),
            "type": "ir.actions.act_window",
            "res_model": self.order_line._name,
            "view_mode": "list",
            "views": [(self.env.ref(self._prepmt_lines_view).id, "list")],
            "domain": [("id", "in", self._prepmt_lines().ids)],
            "target": "new",
        }

    def _prepmt_open_invoices(self):
        """Posted prepayment invoices of the order that are not paid yet."""
        self.ensure_one()
        return self.prepmt_move_ids.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type == self._prepmt_invoice_type
                and m.payment_state in ("not_paid", "partial")
            )
        ).sorted("invoice_date_due")

    def _prepmt_overdue_invoices(self, today=None):
        """Posted prepayment invoices past their due date and not paid; none on a cancelled
        order (it requires nothing: no reminder)."""
        self.ensure_one()
        if self._prepmt_is_cancelled():
            return self.env["account.move"]
        today = today or fields.Date.context_today(self)
        return self._prepmt_open_invoices().filtered(
            lambda m: m.invoice_date_due and m.invoice_date_due < today
        )

    def _prepmt_amount_unpaid_with_tax(self):
        """What the partner still has to pay on the posted prepayment invoices (taxes
        included, order currency)."""
        self.ensure_one()
        return sum(self._prepmt_open_invoices().mapped("amount_residual"))

    @adapter_depends(
        "state",
        "prepmt_move_ids.payment_state",
        "prepmt_move_ids.invoice_date_due",
        "prepmt_move_ids.state",
    )
    def _compute_prepmt_overdue(self):
        for order in self:
            order.prepmt_overdue = bool(order.id and order._prepmt_overdue_invoices())

    @api.model
    def _prepmt_overdue_domain(self):
        return [
            ("state", "!=", self._prepmt_cancelled_state),
            (
                "prepmt_move_ids",
                "any",
                [
                    ("state", "=", "posted"),
                    ("move_type", "=", self._prepmt_invoice_type),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", fields.Date.context_today(self)),
                ],
            ),
        ]

    def _search_prepmt_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Operation not supported"))
        positive = (operator == "=") == value
        domain = expression.normalize_domain(self._prepmt_overdue_domain())
        return domain if positive else ["!", *domain]

    # ------------------------------------------------------------------
    # Amounts with taxes, as the partner reads them
    # ------------------------------------------------------------------
    def _prepmt_required_with_tax(self):
        """The whole prepayment the order requires, taxes included (nothing once it is
        cancelled): the Prepayment Amount (with Tax) of the order's tab."""
        self.ensure_one()
        if self._prepmt_is_cancelled():
            return 0.0
        return self._prepmt_lines_with_tax("prepmt_amount")

    def _prepmt_to_invoice_with_tax(self):
        """What the next prepayment invoice would ask, taxes included: the Prepayment to
        Invoice (with Tax) of the order's tab, and what the wizard proposes."""
        self.ensure_one()
        return self._prepmt_lines_with_tax("prepmt_amount_to_invoice")

    def _prepmt_portal_documents(self):
        """Posted prepayment invoices and credit memos, oldest first."""
        self.ensure_one()
        return self._prepmt_posted_documents().sorted(lambda m: (m.invoice_date or m.date, m.id))

    def _prepmt_portal_values(self):
        """What the partner's portal page of the order shows of its prepayment (taxes
        included, order currency)."""
        self.ensure_one()
        documents = self._prepmt_portal_documents()
        paid_values = self._prepmt_documents_paid()
        invoiced, paid = paid_values["invoiced"], paid_values["paid"]
        currency = self.currency_id
        states = dict(self._fields["prepmt_state"]._description_selection(self.env))
        return {
            "required": self._prepmt_required_with_tax(),
            "invoiced": currency.round(invoiced),
            "paid": currency.round(paid),
            "to_pay": currency.round(max(invoiced - paid, 0.0)),
            "due_date": self.prepmt_due_date,
            "state": self.prepmt_state,
            "state_label": states.get(self.prepmt_state, ""),
            "documents": documents,
            "overdue": self.prepmt_overdue,
        }

    # ------------------------------------------------------------------
    # Explaining the deductions
    # ------------------------------------------------------------------
    def _prepmt_label_documents(self, label, lines):
        """``label`` of a deduction line naming the prepayment invoices it deducts."""
        documents = self.env["account.move"].union(
            *(line._prepmt_invoice_documents() for line in lines)
        )
        names = [name for name in documents.sorted("id").mapped("name") if name and name != "/"]
        if not names:
            return label
        return self.env._("%(label)s (%(documents)s)", label=label, documents=", ".join(names))

    # ------------------------------------------------------------------
    # Chatter
    # ------------------------------------------------------------------
    def _prepmt_log(self, body):
        """Leave ``body`` on the chatter of these orders as a note by the current user: the
        trace of what the prepayment engine did (a document posted or paid, a draft left to
        review, a mass action's failure). A note notifies nobody, so Odoo's log of a note
        (``_message_log_batch``) writes it without working out the followers and their
        notifications each time, as Odoo logs its own traces."""
        if self:
            self._message_log_batch({order.id: body for order in self})

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    def _prepmt_mail_template(self, move):
        """The mail template of a prepayment document of this order, or None (the purchase
        side sends no mail: the vendor sends the bill)."""
        self.ensure_one()
        xmlid = (
            self._prepmt_invoice_mail_template
            if move.move_type == self._prepmt_invoice_type
            else self._prepmt_credit_mail_template
        )
        return self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None

    def _prepmt_can_send(self):
        return bool(self._prepmt_invoice_mail_template)

    # ------------------------------------------------------------------
    # Reminding
    # ------------------------------------------------------------------
    def _prepmt_reminder_due_date(self, today=None):
        """Due date of the latest overdue prepayment invoice, or False."""
        self.ensure_one()
        overdue = self._prepmt_overdue_invoices(today)
        return max(overdue.mapped("invoice_date_due")) if overdue else False

    def _prepmt_remind(self, today=None):
        """Remind the overdue prepayments of these orders: one 'Prepayment overdue' activity
        for the salesperson / buyer per order and due date, and the partner's e-mail when the
        company says so. Return the orders reminded now."""
        reminded = self.browse()
        for order in self:
            due = order._prepmt_reminder_due_date(today)
            if not due or order.prepmt_reminded_due_date == due:
                continue
            user = order[order._prepmt_responsible_field]
            order.activity_schedule(
                "prepayment_addon.mail_activity_prepayment_overdue",
                date_deadline=fields.Date.context_today(order),
                summary=self.env._(
                    "Prepayment overdue since %(date)s", date=fields.Date.to_string(due)
                ),
                note=self.env._(
                    "The prepayment of %(order)s was due on %(date)s: "
                    "%(amount)s (taxes included) is not paid.",
                    order=order.name,
                    date=fields.Date.to_string(due),
                    amount=order.currency_id.format(order._prepmt_amount_unpaid_with_tax()),
                ),
                user_id=(user if user.active else order.create_uid).id or self.env.uid,
            )
            order.prepmt_reminded_due_date = due
            if order._prepmt_reminder_mail_enabled():
                order.message_post_with_source(
                    order._prepmt_reminder_mail_template,
                    email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
            reminded |= order
        return reminded

    def _prepmt_reminder_mail_enabled(self):
        self.ensure_one()
        return bool(
            self._prepmt_reminder_mail_template
            and self._prepmt_reminder_setting
            and self.company_id[self._prepmt_reminder_setting]
        )

    @api.model
    def _cron_prepmt_remind(self):
        """Daily: remind the overdue prepayments of the orders of every model that carries
        prepayments (sales and purchase orders)."""
        for name in self._prepmt_order_models():
            Model = self.env[name]
            for company, orders in (
                Model.search(Model._prepmt_overdue_domain()).grouped("company_id").items()
            ):
                orders.with_company(company)._prepmt_remind()
        return True

    # ------------------------------------------------------------------
    # Mass action of the order lists (its queue: prepayment_invoice_batch.py)
    # ------------------------------------------------------------------
    def action_mass_create_prepmt_invoice(self):
        """*Create Prepayment Invoices* of the order lists: invoice every selected order that
        has a prepayment to invoice (the others are skipped, as Odoo's *Create invoices*
        does, and named with the reason); above the company's threshold, in the background."""
        orders = self._prepmt_mass_invoiceable()
        skipped = [
            self.env._(
                "%(order)s: %(reason)s",
                order=order.display_name,
                reason=order._prepmt_mass_skip_reason(),
            )
            for order in self - orders
        ]
        if not orders:
            raise UserError(
                self.env._(
                    "None of the selected orders has a prepayment to invoice: "
                    "confirm them or raise their prepayment percentage, then try again.\n%(orders)s",  # noqa: E501
                    orders=self._prepmt_mass_lines(skipped),
                )
            )
        if len(orders) > self.env.company.prepmt_mass_invoice_threshold:
            action = self.env["prepayment.invoice.batch"]._prepmt_queue(orders)
            return self._prepmt_mass_notification(action._prepmt_action_open(), [], skipped)
        results = orders._prepmt_mass_issue()
        moves = self.env["account.move"].union(
            *(move for state, move, _message in results.values() if state == "done")
        )
        failures = [message for state, _move, message in results.values() if state == "failed"]
        # orders that had nothing left to invoice by the time their turn came
        skipped += [message for state, _move, message in results.values() if state == "skipped"]
        if not moves:
            # nothing to show: the user reads why (and nothing of this call is kept)
            raise UserError(self._prepmt_mass_lines(failures + skipped))
        return self._prepmt_mass_notification(
            orders._prepmt_action_view_moves(moves), failures, skipped
        )

    def _prepmt_mass_notification(self, action, failures, skipped):
        """``action``, after a notification naming the orders that failed and those skipped,
        each with the reason, if there are any."""
        if not failures and not skipped:
            return action
        parts = []
        if failures:
            parts.append(
                self.env._(
                    "Not invoiced (see their chatter):\n%(orders)s",
                    orders=self._prepmt_mass_lines(failures),
                )
            )
        if skipped:
            parts.append(
                self.env._("Skipped:\n%(orders)s", orders=self._prepmt_mass_lines(skipped))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "className": "text-prewrap",
                "title": (
                    self.env._("Not every order was invoiced (see their chatter)")
                    if failures
                    else self.env._("Some orders were skipped")
                ),
                "message": "\n\n".join(parts),
                "next": action,
            },
        }

    def _prepmt_mass_lines(self, lines, limit=MASS_MESSAGE_LINES):
        """``lines`` one per line, the first ``limit`` of them and how many more."""
        shown = lines[:limit]
        if len(lines) > limit:
            shown.append(self.env._("... and %(count)s more", count=len(lines) - limit))
        return "\n".join(shown)

    def _prepmt_mass_skip_reason(self):
        """Why the mass action leaves this order out (a sentence), or False: it has a
        prepayment to invoice and may be invoiced now."""
        self.ensure_one()
        if self.state == "cancel":
            return self.env._("cancelled")
        if self.state not in self._prepmt_confirmed_states and not (
            self.company_id.prepmt_allow_quotation and self.state in ("draft", "sent")
        ):
            return self.env._("not confirmed: confirm it first")
        if self.currency_id.is_zero(self.prepmt_amount):
            return self.env._("no prepayment required (0 %)")
        if self.currency_id.compare_amounts(self.prepmt_amount_to_invoice, 0) <= 0:
            return self.env._("nothing left to invoice: its prepayment is invoiced")
        return False

    def _prepmt_mass_invoiceable(self):
        """The orders of a mass action that have a prepayment to invoice: confirmed (or
        quotations, when the company allows it) with something left to invoice."""
        return self.filtered(lambda o: not o._prepmt_mass_skip_reason())

    def _prepmt_mass_issue(self):
        """Issue the prepayment invoice of each order, in its own company: ``{order id:
        (state, move, message)}`` with state ``done`` (the new document), ``skipped``
        (nothing to invoice any more) or ``failed`` (why, also logged on the order's
        chatter). The user's access rights apply as when issuing by hand.

        Each order is locked and its amounts worked out in its own savepoint; then the
        documents of a company are created and posted together, as Odoo does a batch of
        documents (a fraction of the time of one by one). When that fails (one document's
        total or posting), the orders are issued one by one, each in its own savepoint, so
        that the one at fault fails alone."""
        results = {}
        builder = self.env["prepayment.document.builder"]
        prepared = defaultdict(list)  # company: [(order, amounts, held)]
        for order_id in self.ids:
            # each order read on its own: one the user may not read must not stop the others
            order = self.browse(order_id)
            try:
                with self.env.cr.savepoint():
                    order = order.with_company(order.company_id)
                    reason = order._prepmt_mass_skip_reason()
                    if reason:
                        message = self.env._(
                            "%(order)s: %(reason)s", order=order.display_name, reason=reason
                        )
                        results[order.id] = ("skipped", self.env["account.move"], message)
                        continue
                    amounts = builder._invoice_amounts(order)
                prepared[order.company_id].append((order, amounts, None))
            except Exception as error:  # pylint: disable=broad-exception-caught
                # one order's failure (a guard, a lock, access, a database error rolled back
                # to the savepoint) must not stop the others
                results[order_id] = order._prepmt_mass_failure(error)
        for items in prepared.values():
            try:
                with self.env.cr.savepoint():
                    moves = builder._create_documents(self._prepmt_invoice_type, items)
            except Exception:  # pylint: disable=broad-exception-caught
                for order, _amounts, _held in items:
                    results[order.id] = order._prepmt_mass_issue_one()
                continue
            for (order, _amounts, _held), move in zip(items, moves, strict=True):
                results[order.id] = ("done", move, False)
        return results

    def _prepmt_mass_issue_one(self):
        """``(state, move, message)`` of issuing this order's prepayment invoice on its own
        in a savepoint (see ``_prepmt_mass_issue``)."""
        try:
            with self.env.cr.savepoint():
                move = self._prepmt_issue_invoice()
        except Exception as error:  # pylint: disable=broad-exception-caught
            return self._prepmt_mass_failure(error)
        return ("done", move, False)

    def _prepmt_mass_failure(self, error):
        """``(state, move, message)`` of this order whose prepayment document the mass
        action could not issue because of ``error``; the reason logged on its chatter."""
        if not isinstance(error, UserError):
            _logger.exception("Mass prepayment invoice of %s %s failed", self._name, self.id)
        reason = error.args[0] if isinstance(error, UserError) and error.args else error
        message = self.env._(
            "No prepayment document was created for %(order)s: %(error)s",
            order=self.sudo().display_name,
            error=reason,
        )
        self.sudo()._prepmt_log(message)
        return ("failed", self.env["account.move"], message)

    # ------------------------------------------------------------------
    # Adapter hooks: overridden by the concrete order models
    # ------------------------------------------------------------------
    @api.model
    @tools.ormcache()
    def _prepmt_order_models(self):
        """Names of the concrete order models that carry prepayments."""
        mixin = self.env.registry["prepayment.order.mixin"]
        return tuple(
            name
            for name, model in self.env.registry.items()
            if not model._abstract and issubclass(model, mixin)
        )

    @api.model
    def _prepmt_adapter_values(self, attribute):
        """The values of adapter attribute ``attribute`` of the order models, each once (two
        order models may share one: another customer order type the sales account)."""
        values = [getattr(self.env[model], attribute) for model in self._prepmt_order_models()]
        return list(dict.fromkeys(values))

    def _prepmt_invoice_partner(self):
        return self.partner_id

    def _prepmt_pricelist(self):
        return self.env["product.pricelist"]

    def _prepmt_document_title(self):
        """Title of the window that issues a prepayment document."""
        raise NotImplementedError

    def _prepmt_credit_memo_button(self):
        """The label of the order form's button that issues a prepayment credit memo."""
        raise NotImplementedError

    def _prepmt_final_posting_held(self):
        """The sentence that says a final document of this order cannot be posted yet."""
        raise NotImplementedError

    @api.model
    def _prepmt_account_template(self):
        """``{name, account_type, fallback_type, code}`` of the prepayment account created for
        a company that has none: its type, the type whose first account its code follows
        when the chart has no account of its own type, and the code without either."""
        raise NotImplementedError

    @api.model
    def _prepmt_missing_account_message(self, company):
        """The error when ``company`` has no prepayment account for these orders."""
        raise NotImplementedError

    @api.model
    def _prepmt_missing_journal_message(self, company):
        """The error when ``company`` has no journal for these orders' documents."""
        raise NotImplementedError

    def _prepmt_asks_document_ref(self):
        """Whether the prepayment invoice window asks for the partner's reference of the
        document (a vendor's invoice number)."""
        return False

    def _prepmt_requires_document_ref(self):
        """Whether that reference is required."""
        return False

    def _prepmt_default_document_ref(self):
        return False
