from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import float_compare

from .prepayment_order_mixin import adapter_depends


class PrepaymentOrderMixin(models.AbstractModel):
    """The customer loop of an order's prepayment: sending its documents, reading its status
    and what is overdue, reminding the responsible user (and the customer, when the company
    says so). Shared by sales and purchase orders; the adapters name the templates and the
    responsible user."""

    _inherit = "prepayment.order.mixin"

    # Adapter configuration (sale_order.py, purchase_order.py)
    _prepmt_invoice_mail_template = None  # xmlid of the mail template of prepayment invoices
    _prepmt_credit_mail_template = None  # xmlid of the mail template of prepayment credit memos
    _prepmt_reminder_mail_template = None  # xmlid of the partner's overdue reminder
    _prepmt_reminder_setting = None  # company field: e-mail the reminder to the partner
    _prepmt_responsible_field = "user_id"  # salesperson / buyer, who gets the activity
    _prepmt_lines_view = None  # xmlid of the list of the order's lines with their prepayment

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

    @adapter_depends("state", "invoice_status", "order_line.qty_invoiced")
    def _compute_prepmt_state(self):
        res = super()._compute_prepmt_state()
        for order in self:
            # only from "paid": an order whose prepayment documents are not all paid is not
            # settled, however fully invoiced it is (the unpaid status wins)
            if order.prepmt_state == "paid" and order._prepmt_is_settled():
                order.prepmt_state = "settled"
        return res

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

    def _prepmt_required_with_tax(self):
        """The whole prepayment the order requires, taxes included (nothing once it is
        cancelled)."""
        self.ensure_one()
        if self._prepmt_is_cancelled():
            return 0.0
        return self._prepmt_total_with_tax(
            {line: line.prepmt_amount for line in self._prepmt_lines()}
        )

    def _prepmt_to_invoice_with_tax(self):
        """What the next prepayment invoice would ask, taxes included."""
        self.ensure_one()
        return self._prepmt_total_with_tax(
            {line: line.prepmt_amount_to_invoice for line in self._prepmt_lines()}
        )

    def _prepmt_portal_documents(self):
        """Posted prepayment invoices and credit memos, oldest first."""
        self.ensure_one()
        return self.prepmt_move_ids.filtered(
            lambda m: m.state == "posted" and m.is_prepayment
        ).sorted(lambda m: (m.invoice_date or m.date, m.id))

    def _prepmt_portal_values(self):
        """What the partner's portal page of the order shows of its prepayment (taxes
        included, order currency)."""
        self.ensure_one()
        documents = self._prepmt_portal_documents()
        invoiced = paid = 0.0
        for move in documents:
            sign = 1 if move.move_type == self._prepmt_invoice_type else -1
            invoiced += sign * move.amount_total
            paid += sign * (move.amount_total - move.amount_residual)
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
                    "The prepayment of %(order)s was due on %(date)s: %(amount)s (taxes "
                    "included) is not paid.",
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


class PrepaymentLineMixin(models.AbstractModel):
    _inherit = "prepayment.line.mixin"

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
