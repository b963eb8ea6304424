import ast
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools.misc import format_date

from ..helpers import PREPMT_STATES


class PrepaymentAnalysis(models.Model):
    """Open prepayments per order and prepayment account (sales and purchase), as an
    accountant reads them, today or **as of a date** (context key ``prepmt_as_of``, see the
    *Open Prepayments as of* window): then only the orders created by the end of that day
    (or that have documents dated by then), the documents dated on or before it, and the
    status the order had on that day.

    One row per order and prepayment account its documents used, plus one without account
    for the lines that no prepayment document has invoiced yet (an order without documents
    has that row only). Each line's required amount is on the row of the account its latest
    prepayment document used, so that the rows of an account add up to what was required,
    invoiced and is outstanding on it. ``outstanding_company`` is the balance, in company
    currency, of the order's journal items on that account (with the exchange differences
    Odoo booked on them), so that its total per account and company equals the balance of
    that prepayment account on the date.

    Customer prepayments (a liability) and vendor prepayments (an asset) are never added up:
    the actions open one side only (``order_type`` in their domain).
    """

    _name = "prepayment.analysis"
    _description = "Open Prepayments"
    _auto = False
    _order = "date_order desc, order_name desc, id"
    _rec_name = "order_name"

    order_type = fields.Selection([("sale", "Sales"), ("purchase", "Purchase")], readonly=True)
    order_name = fields.Char("Order", readonly=True)
    # the order, whatever its model (one per adapter, see prepayment.order.mixin)
    order_model = fields.Char(readonly=True)
    order_ref = fields.Many2oneReference("Order ID", model_field="order_model", readonly=True)
    prepmt_overdue = fields.Boolean(
        "Prepayment Overdue",
        compute="_compute_prepmt_overdue",
        search="_search_prepmt_overdue",
    )
    date_order = fields.Datetime("Order Date", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    account_id = fields.Many2one("account.account", "Prepayment Account", readonly=True)
    prepmt_state = fields.Selection(
        PREPMT_STATES,
        string="Prepayment Status",
        readonly=True,
    )
    required = fields.Monetary(
        readonly=True,
        help="The prepayment amount of the order's lines (as they are today; as of a date, "
        "the lines that existed then), on the account of their latest prepayment document.",
    )
    invoiced = fields.Monetary(readonly=True)
    paid = fields.Monetary(
        readonly=True,
        help="Untaxed share of the prepayment invoices paid by the date (credit memos negatively).",
    )
    deducted = fields.Monetary(readonly=True)
    outstanding = fields.Monetary(
        "Not Yet Deducted",
        readonly=True,
        help="Invoiced and not yet deducted by final documents: what the prepayment account holds.",
    )
    outstanding_company = fields.Monetary(
        "Not Yet Deducted (Company Currency)",
        currency_field="company_currency_id",
        readonly=True,
        help="Balance of the order's journal items on the prepayment account.",
    )

    @api.model
    def _prepmt_as_of(self):
        """The date of the context (``prepmt_as_of``), or None: everything posted."""
        value = self.env.context.get("prepmt_as_of")
        return fields.Date.to_date(value) if value else None

    @property
    def _table_query(self):
        order_models = self.env["prepayment.order.mixin"]._prepmt_order_models()
        branches = "\nUNION ALL\n".join(f"({self._select_order(model)})" for model in order_models)
        return f"""
            SELECT ROW_NUMBER() OVER (
                       ORDER BY rows.order_type, rows.order_model, rows.order_ref,
                                rows.account_id NULLS FIRST
                   ) AS id, rows.*
            FROM ({branches}) rows
        """

    @api.model
    def _prepmt_as_of_cutoff(self, as_of):
        """The first moment after the day ``as_of`` in the user's timezone, in UTC as the
        database stores creation dates: what was created before it existed on that day."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        start = tz.localize(datetime.combine(as_of + timedelta(days=1), time.min))
        return start.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _select_order(self, model):
        """The rows of the orders of ``model``, from what its adapter declares (tables and
        fields of the ORM, no user input; the date is a date object, quoted as a literal)."""
        Order = self.env[model]
        Line = Order.order_line
        line_field = Line._prepmt_alloc_field
        link = Order._prepmt_move_link_field
        as_of = self._prepmt_as_of()
        cancelled = Order._prepmt_cancelled_state
        move_date = f"m.date <= DATE '{as_of.isoformat()}'" if as_of else "TRUE"
        line_date = f"aml.date <= DATE '{as_of.isoformat()}'" if as_of else "TRUE"
        partial_date = f"apr.max_date <= DATE '{as_of.isoformat()}'" if as_of else "TRUE"
        exchange_date = f"ex.date <= DATE '{as_of.isoformat()}'" if as_of else "TRUE"
        if as_of:
            cutoff = f"TIMESTAMP '{self._prepmt_as_of_cutoff(as_of).isoformat(' ')}'"
            # the order and its lines as they existed on the date (an order with documents
            # of the date stays, so that the accounts' balances still add up)
            line_created = f"l.create_date < {cutoff}"
            order_created = f"(o.create_date < {cutoff} OR st.documented)"
            # the status of the order on the date, from the figures of the date (as
            # _compute_prepmt_state does from today's); "settled" when it is settled today
            # and nothing was invoiced or deducted after the date
            state = """CASE
                    WHEN o.prepmt_state = 'settled' AND st.deducted <> 0
                         AND ABS(st.invoiced - st.deducted) < cur.rounding / 2
                         AND st.invoiced = o.prepmt_amount_invoiced
                         AND st.deducted = o.prepmt_amount_deducted THEN 'settled'
                    WHEN ABS(st.required) < cur.rounding / 2
                         AND ABS(st.invoiced - st.deducted) < cur.rounding / 2 THEN 'none'
                    WHEN st.required - st.invoiced >= cur.rounding / 2 THEN 'to_invoice'
                    WHEN st.unpaid THEN 'waiting_payment'
                    ELSE 'paid'
                END"""
        else:
            line_created = order_created = "TRUE"
            state = "o.prepmt_state"
        return f"""
            WITH items AS (
                -- the order's allocations on posted documents of the date
                SELECT a.id AS alloc_id, a.kind, a.amount, a.move_line_id, a.move_id,
                       a.{line_field} AS line_id,
                       COALESCE(l.order_id, m.{link}) AS order_id,
                       aml.account_id, aml.balance, aml.date AS line_date,
                       CASE WHEN m.move_type IN ('out_refund', 'in_refund') THEN -1 ELSE 1
                       END AS sign
                FROM prepayment_allocation a
                JOIN account_move m ON m.id = a.move_id
                JOIN account_move_line aml ON aml.id = a.move_line_id
                LEFT JOIN {Line._table} l ON l.id = a.{line_field}
                WHERE (a.{line_field} IS NOT NULL OR m.{link} IS NOT NULL)
                  AND m.state = 'posted' AND {move_date}
            ),
            paid_share AS (
                -- the share of each prepayment document paid (matched) by the date
                SELECT m.id AS move_id,
                       LEAST(1.0, COALESCE(SUM(p.amount), 0) / NULLIF(m.amount_total, 0))
                           AS share
                FROM account_move m
                JOIN account_move_line t
                  ON t.move_id = m.id AND t.display_type = 'payment_term'
                LEFT JOIN LATERAL (
                    SELECT apr.debit_amount_currency AS amount
                    FROM account_partial_reconcile apr
                    WHERE apr.debit_move_id = t.id AND {partial_date}
                    UNION ALL
                    SELECT apr.credit_amount_currency
                    FROM account_partial_reconcile apr
                    WHERE apr.credit_move_id = t.id AND {partial_date}
                ) p ON TRUE
                WHERE m.{link} IS NOT NULL AND m.state = 'posted' AND {move_date}
                GROUP BY m.id, m.amount_total
            ),
            amounts AS (
                SELECT i.order_id, i.account_id,
                       SUM(CASE WHEN i.kind = 'prepayment' THEN i.sign * i.amount ELSE 0 END)
                           AS invoiced,
                       SUM(CASE WHEN i.kind = 'deduction' THEN i.sign * i.amount ELSE 0 END)
                           AS deducted,
                       SUM(CASE WHEN i.kind = 'prepayment'
                                THEN i.sign * i.amount * COALESCE(ps.share, 0) ELSE 0 END)
                           AS paid,
                       BOOL_OR(i.kind = 'prepayment' AND i.sign > 0
                               AND COALESCE(ps.share, 0) < 1) AS unpaid
                FROM items i
                LEFT JOIN paid_share ps ON ps.move_id = i.move_id
                GROUP BY i.order_id, i.account_id
            ),
            line_accounts AS (
                -- the account of each line's latest prepayment document of the date: where
                -- the line's required amount is shown
                SELECT DISTINCT ON (i.line_id) i.line_id, i.account_id
                FROM items i
                WHERE i.kind = 'prepayment' AND i.line_id IS NOT NULL
                ORDER BY i.line_id, i.line_date DESC, i.move_id DESC, i.alloc_id DESC
            ),
            required AS (
                -- a cancelled order requires nothing: listed only for its documents
                SELECT l.order_id, la.account_id, SUM(l.prepmt_amount) AS required
                FROM {Line._table} l
                JOIN {Order._table} lo ON lo.id = l.order_id
                LEFT JOIN line_accounts la ON la.line_id = l.id
                WHERE l.prepmt_amount <> 0 AND {line_created} AND lo.state <> '{cancelled}'
                GROUP BY l.order_id, la.account_id
            ),
            journal_items AS (
                SELECT DISTINCT i.order_id, i.account_id, i.move_line_id, i.balance
                FROM items i
                JOIN account_move_line aml ON aml.id = i.move_line_id
                WHERE {line_date}
            ),
            exchange_lines AS (
                -- what Odoo booked on the account when it matched the order's items at
                -- another rate
                SELECT DISTINCT ji.order_id, ji.account_id, exl.id, exl.balance
                FROM journal_items ji
                JOIN account_partial_reconcile apr
                  ON ji.move_line_id IN (apr.debit_move_id, apr.credit_move_id)
                LEFT JOIN account_full_reconcile afr ON afr.id = apr.full_reconcile_id
                JOIN account_move ex
                  ON ex.id IN (apr.exchange_move_id, afr.exchange_move_id)
                 AND ex.state = 'posted' AND {exchange_date}
                JOIN account_move_line exl
                  ON exl.move_id = ex.id AND exl.account_id = ji.account_id
            ),
            balances AS (
                SELECT order_id, account_id, SUM(balance) AS balance
                FROM (SELECT order_id, account_id, balance FROM journal_items
                      UNION ALL
                      SELECT order_id, account_id, balance FROM exchange_lines) b
                GROUP BY order_id, account_id
            ),
            keys AS (
                SELECT order_id, account_id FROM amounts
                UNION
                SELECT order_id, account_id FROM required
            ),
            accounts AS (
                SELECT k.order_id, k.account_id,
                       COALESCE(r.required, 0) AS required,
                       COALESCE(am.invoiced, 0) AS invoiced,
                       COALESCE(am.deducted, 0) AS deducted,
                       COALESCE(am.paid, 0) AS paid,
                       COALESCE(am.unpaid, FALSE) AS unpaid,
                       am.order_id IS NOT NULL AS documented,
                       COALESCE(bal.balance, 0) AS balance
                FROM keys k
                LEFT JOIN required r
                  ON r.order_id = k.order_id AND r.account_id IS NOT DISTINCT FROM k.account_id
                LEFT JOIN amounts am
                  ON am.order_id = k.order_id AND am.account_id = k.account_id
                LEFT JOIN balances bal
                  ON bal.order_id = k.order_id AND bal.account_id = k.account_id
            ),
            status AS (
                -- the order's totals over its accounts
                SELECT order_id, SUM(required) AS required, SUM(invoiced) AS invoiced,
                       SUM(deducted) AS deducted, BOOL_OR(unpaid) AS unpaid,
                       BOOL_OR(documented) AS documented
                FROM accounts
                GROUP BY order_id
            )
            SELECT
                '{Order._prepmt_order_type}' AS order_type,
                o.id AS order_ref,
                '{model}' AS order_model,
                o.name AS order_name,
                o.date_order AS date_order,
                COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                o.company_id AS company_id,
                o.currency_id AS currency_id,
                c.currency_id AS company_currency_id,
                acc.account_id AS account_id,
                {state} AS prepmt_state,
                acc.required AS required,
                acc.invoiced AS invoiced,
                ROUND(acc.paid, 6) AS paid,
                acc.deducted AS deducted,
                acc.invoiced - acc.deducted AS outstanding,
                {Order._prepmt_balance_sign} * acc.balance AS outstanding_company
            FROM accounts acc
            JOIN status st ON st.order_id = acc.order_id
            JOIN {Order._table} o ON o.id = acc.order_id
            JOIN res_partner p ON p.id = o.partner_id
            JOIN res_company c ON c.id = o.company_id
            JOIN res_currency cur ON cur.id = o.currency_id
            WHERE {order_created}
        """

    @api.model
    def _prepmt_action(self, order_type):
        """The Open Prepayments window of one side: customer prepayments (``sale``) or vendor
        prepayments (``purchase``), never both added up."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            f"prepayment_addon.action_prepayment_analysis_{order_type}"
        )
        for key, default in (("domain", "[]"), ("context", "{}")):
            action[key] = ast.literal_eval(action.get(key) or default)
        return action

    def _compute_prepmt_overdue(self):
        for row in self:
            row.prepmt_overdue = bool(
                row.order_ref and self.env[row.order_model].browse(row.order_ref).prepmt_overdue
            )

    def _search_prepmt_overdue(self, operator, value):
        """The rows of the orders whose prepayment is overdue (``prepmt_overdue`` of each
        order model)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(self.env._("Operation not supported"))
        domain = expression.OR(
            [
                [
                    ("order_model", "=", model),
                    ("order_ref", "in", self.env[model]._search([("prepmt_overdue", "=", True)])),
                ]
                for model in self.env["prepayment.order.mixin"]._prepmt_order_models()
            ]
        )
        return domain if (operator == "=") == value else ["!", *domain]


class PrepaymentAnalysisDate(models.TransientModel):
    """Open the Open Prepayments analysis of one side (customer or vendor prepayments) as of
    a date (a month end)."""

    _name = "prepayment.analysis.date"
    _description = "Open Prepayments as of a Date"

    order_type = fields.Selection(
        [("sale", "Customer Prepayments"), ("purchase", "Vendor Prepayments")],
        "Prepayments",
        required=True,
        default="sale",
        help="Customer prepayments (received: a liability) and vendor prepayments (paid: an "
        "asset) are listed apart, never added up.",
    )
    date = fields.Date(
        "As of",
        required=True,
        default=fields.Date.context_today,
        help="Orders created and documents dated on or after the next day are left out: "
        "invoiced, paid, deducted, not yet deducted and status as they stood at the end of this day.",  # noqa: E501
    )

    def action_open(self):
        self.ensure_one()
        action = self.env["prepayment.analysis"]._prepmt_action(self.order_type)
        date = format_date(self.env, self.date)
        if self.order_type == "sale":
            title = self.env._("Open Customer Prepayments as of %(date)s", date=date)
        else:
            title = self.env._("Open Vendor Prepayments as of %(date)s", date=date)
        # the web client shows display_name before name
        action["name"] = action["display_name"] = title
        action["context"] = dict(
            action["context"],
            prepmt_as_of=fields.Date.to_string(self.date),
            search_default_group_currency=1,
        )
        return action
