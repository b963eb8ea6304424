from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Priority of the rule levels, most specific first: the first level that has a rule valid on the
# order date wins.  Each entry is (product level, partner level).
#
# The customer's risk (issue 24, sales only) comes first: a risk rule whose condition holds for
# the order's customer (over its credit limit, invoices overdue, no paid invoice yet) wins over
# every other rule, the customer's own included. The credit controller's decision must win: a
# customer who does not pay is asked for more in advance whatever was agreed for its products
# or for it when it paid. Among risk rules, the product's, then the nearest category's, then
# all products'.
RULE_LEVELS = [
    ("product", "risk"),
    ("category", "risk"),
    ("all", "risk"),
    ("product", "partner"),
    ("product", "pricelist"),
    ("product", "all"),
    ("category", "partner"),
    ("category", "pricelist"),
    ("category", "all"),
    ("all", "partner"),
    ("all", "pricelist"),
    ("all", "all"),
]


class PrepaymentRule(models.Model):
    """A prepayment requirement: which share of a line must be invoiced in advance.

    This model is the only place that decides which prepayment % a line gets
    (see :meth:`_get_percents`); the sales and purchase sides both call it.
    """

    _name = "prepayment.rule"
    _description = "Prepayment Rule"
    _order = "order_type, company_id, date_start desc, id desc"
    _check_company_auto = True

    active = fields.Boolean(default=True)
    order_type = fields.Selection(
        [("sale", "Sales"), ("purchase", "Purchase")],
        required=True,
        default=lambda self: self.env.context.get("default_order_type", "sale"),
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    product_tmpl_id = fields.Many2one(
        "product.template",
        string="Product",
        check_company=True,
        ondelete="cascade",
        help="Leave empty to apply to a product category or to all products.",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        ondelete="cascade",
        help="Applies to the products of this category and of its sub-categories.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer/Vendor",
        check_company=True,
        ondelete="cascade",
        help="Leave empty to apply to every customer (or vendor).",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        check_company=True,
        ondelete="cascade",
        help="Sales rules only: applies to the orders that use this pricelist.",
    )
    risk = fields.Selection(
        [
            ("credit_limit", "Over Its Credit Limit"),
            ("overdue", "Invoices Overdue"),
            ("new_customer", "No Paid Invoice Yet"),
        ],
        string="Customer's Risk",
        help="Sales rules only: the rule applies to the customers in that situation, read from "
        "the accounting: over its credit limit with this order (the partner's credit limit, "
        "Settings > Invoicing > Customer Credit Limit), posted invoices overdue by more than "
        "the days below, or no paid invoice yet (a new customer). Checked when the quotation "
        "is made and again at its confirmation. A risk rule wins over every other rule, the "
        "customer's own included: the credit controller's decision comes first.",
    )
    overdue_days = fields.Integer(
        "Overdue by More Than (Days)",
        help="Invoices overdue: the rule applies when a posted invoice of the customer is "
        "unpaid more than this many days after its due date (0: any overdue invoice).",
    )
    date_start = fields.Date("Valid From")
    date_end = fields.Date("Valid To")
    percent = fields.Float("Prepayment %", required=True, digits=(5, 2))
    product_level = fields.Selection(
        [("product", "Product"), ("category", "Category"), ("all", "All products")],
        compute="_compute_levels",
        store=True,
    )
    partner_level = fields.Selection(
        [
            ("risk", "Customer's Risk"),
            ("partner", "Customer/Vendor"),
            ("pricelist", "Pricelist"),
            ("all", "Everyone"),
        ],
        compute="_compute_levels",
        store=True,
    )
    priority = fields.Integer(
        compute="_compute_levels",
        store=True,
        help="1 is the most specific level; the first level with a valid rule wins.",
    )

    @api.depends("product_tmpl_id", "product_categ_id", "partner_id", "pricelist_id", "risk")
    def _compute_levels(self):
        for rule in self:
            rule.product_level = (
                "product"
                if rule.product_tmpl_id
                else "category"
                if rule.product_categ_id
                else "all"
            )
            rule.partner_level = (
                "risk"
                if rule.risk
                else "partner"
                if rule.partner_id
                else "pricelist"
                if rule.pricelist_id
                else "all"
            )
            rule.priority = RULE_LEVELS.index((rule.product_level, rule.partner_level)) + 1

    @api.depends(
        "order_type",
        "product_tmpl_id",
        "product_categ_id",
        "partner_id",
        "pricelist_id",
        "percent",
        "risk",
        "overdue_days",
    )
    def _compute_display_name(self):
        for rule in self:
            what = (
                rule.product_tmpl_id.display_name
                or rule.product_categ_id.display_name
                or self.env._("All products")
            )
            who = (
                rule._risk_label()
                or rule.partner_id.display_name
                or rule.pricelist_id.display_name
                or self.env._("Everyone")
            )
            rule.display_name = f"{what} / {who}: {rule.percent:g}%"

    @api.constrains(
        "percent",
        "date_start",
        "date_end",
        "order_type",
        "pricelist_id",
        "product_tmpl_id",
        "product_categ_id",
        "partner_id",
        "risk",
        "overdue_days",
    )
    def _check_rule(self):
        for rule in self:
            rule._check_risk()
            if not 0 <= rule.percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The prepayment %% of a rule must be between 0 and 100 (got %(percent)s).",
                        percent=rule.percent,
                    )
                )
            if rule.date_start and rule.date_end and rule.date_start > rule.date_end:
                raise ValidationError(
                    self.env._(
                        "The rule's 'Valid From' date (%(start)s) is after its 'Valid To' date (%(end)s): "  # noqa: E501
                        "swap or correct the dates.",
                        start=rule.date_start,
                        end=rule.date_end,
                    )
                )
            if rule.order_type == "purchase" and rule.pricelist_id:
                raise ValidationError(
                    self.env._(
                        "A purchase prepayment rule cannot use a pricelist: "
                        "choose a vendor or leave the pricelist empty."
                    )
                )
            if rule.product_tmpl_id and rule.product_categ_id:
                raise ValidationError(
                    self.env._(
                        "A prepayment rule applies to a product or to a product category, "
                        "not both: clear one of them."
                    )
                )
            if rule.partner_id and rule.pricelist_id:
                raise ValidationError(
                    self.env._(
                        "A prepayment rule applies to a customer or to a pricelist, "
                        "not both: clear one of them."
                    )
                )

    def _risk_label(self):
        """The customers a risk rule applies to, in words ("Invoices overdue > 30 days"), or
        False for another rule."""
        self.ensure_one()
        if not self.risk:
            return False
        label = dict(self._fields["risk"]._description_selection(self.env))[self.risk]
        if self.risk == "overdue" and self.overdue_days:
            return self.env._("%(risk)s > %(days)s days", risk=label, days=self.overdue_days)
        return label

    def _check_risk(self):
        self.ensure_one()
        if self.overdue_days < 0:
            raise ValidationError(
                self.env._(
                    "The days overdue of a prepayment rule cannot be negative (got %(days)s).",
                    days=self.overdue_days,
                )
            )
        if not self.risk:
            return
        if self.order_type != "sale":
            raise ValidationError(
                self.env._(
                    "A prepayment rule on the customer's risk is a sales rule: set the order "
                    "type to Sales or clear the risk."
                )
            )
        if self.partner_id or self.pricelist_id:
            raise ValidationError(
                self.env._(
                    "A prepayment rule on the customer's risk applies to every customer in "
                    "that situation: clear its customer and pricelist."
                )
            )

    def write(self, vals):
        res = super().write(vals)
        if "order_type" in vals and not self.env.su:
            # record rules are checked on the old values: check the new type too, so that a
            # sales manager cannot turn a sales rule into a purchase rule
            self.check_access("write")
        return res

    # ------------------------------------------------------------------
    # The rules engine
    # ------------------------------------------------------------------
    @api.model
    def _get_percents(self, order_type, company, date, partner, pricelist, products, order=None):
        """Return ``{product.id: percent or None}`` for the given products.

        One query for all products of an order. ``None`` means no rule applies and the
        caller falls back to the order's header %. With ``order`` (a sales order), the rules
        on the customer's risk whose condition holds for it come first (see RULE_LEVELS).
        """
        return {
            product_id: found[0].percent if found else None
            for product_id, found in self._get_rules(
                order_type, company, date, partner, pricelist, products, order=order
            ).items()
        }

    @api.model
    def _get_rules(self, order_type, company, date, partner, pricelist, products, order=None):
        """``{product.id: (rule, reason) or None}``: the winning rule of each product, and
        for a rule on the customer's risk why it applies ("overdue invoices: 2, 4,350.00")."""
        partner = partner.commercial_partner_id if partner else partner
        rules = self._valid_rules(order_type, company, date)
        risk_rules = rules.filtered("risk")
        reasons = risk_rules._risk_reasons(order) if order and risk_rules else {}
        holding = risk_rules.filtered(lambda rule: rule in reasons)
        plain = rules - risk_rules
        result = {}
        for product in products:
            rule = holding._select_rule(product, partner, pricelist, ("risk",))
            if rule:
                result[product.id] = (rule, reasons[rule])
                continue
            rule = plain._select_rule(product, partner, pricelist)
            result[product.id] = (rule, False) if rule else None
        return result

    @api.model
    def _get_candidate_percents(self, order_type, company, date, partner, pricelist, products):
        """``{product.id: (percent or None, {percent})}``: the % the rules give each product
        without the customer's risk (None: no rule, the order's %), and the %s of the risk
        rules that match it, whether their condition holds or not: a line's % that is none of
        these was typed by the user (see ``prepayment.order.mixin._prepmt_reapply_rules``)."""
        partner = partner.commercial_partner_id if partner else partner
        rules = self._valid_rules(order_type, company, date)
        risk_rules = rules.filtered("risk")
        plain = rules - risk_rules
        result = {}
        for product in products:
            rule = plain._select_rule(product, partner, pricelist)
            result[product.id] = (
                rule.percent if rule else None,
                set(risk_rules._matching_product(product).mapped("percent")),
            )
        return result

    @api.model
    def _valid_rules(self, order_type, company, date):
        domain = [
            ("order_type", "=", order_type),
            ("company_id", "in", [company.id, False]),
            "|",
            ("date_start", "=", False),
            ("date_start", "<=", date),
            "|",
            ("date_end", "=", False),
            ("date_end", ">=", date),
        ]
        return self.sudo().search(domain, order="date_start desc nulls last, id desc")

    def _matching_product(self, product):
        """The rules of ``self`` that apply to ``product``: its own, its category's (or a
        parent's), all products'."""
        tmpl = product.product_tmpl_id
        categories = self.env["product.category"]
        categ = product.categ_id
        while categ:
            categories |= categ
            categ = categ.parent_id
        return self.filtered(
            lambda r: (
                r.product_tmpl_id == tmpl
                if r.product_tmpl_id
                else r.product_categ_id in categories
                if r.product_categ_id
                else True
            )
        )

    def _select_percent(self, product, partner, pricelist):
        """Pick the winning rule in ``self`` (valid rules, latest start first): its %."""
        rule = self._select_rule(product, partner, pricelist)
        return rule.percent if rule else None

    def _select_rule(self, product, partner, pricelist, levels=("partner", "pricelist", "all")):
        """Pick the winning rule in ``self`` (valid rules, latest start first), among the
        partner ``levels`` of RULE_LEVELS (``("risk",)``: the risk rules)."""

        def matches_partner(rule, level):
            if level == "risk":
                return bool(rule.risk)
            if rule.risk:
                return False
            if level == "partner":
                return bool(partner) and rule.partner_id == partner
            if level == "pricelist":
                return bool(pricelist) and not rule.partner_id and rule.pricelist_id == pricelist
            return not rule.partner_id and not rule.pricelist_id

        def first(candidates, level):
            for rule in candidates:  # already sorted by date_start desc
                if matches_partner(rule, level):
                    return rule
            return None

        tmpl = product.product_tmpl_id
        product_rules = (
            self.filtered(lambda r: r.product_tmpl_id == tmpl) if tmpl else self.browse()
        )
        for level in levels:
            rule = first(product_rules, level)
            if rule:
                return rule
        # Nearest category (the product's own, then its parents) that has a matching rule.
        categ = product.categ_id
        categ_rules = self.filtered(lambda r: r.product_categ_id and not r.product_tmpl_id)
        while categ:
            rules = categ_rules.filtered(lambda r, categ=categ: r.product_categ_id == categ)
            for level in levels:
                rule = first(rules, level)
                if rule:
                    return rule
            categ = categ.parent_id
        all_rules = self.filtered(lambda r: not r.product_tmpl_id and not r.product_categ_id)
        for level in levels:
            rule = first(all_rules, level)
            if rule:
                return rule
        return None

    # ------------------------------------------------------------------
    # The customer's risk (sales)
    # ------------------------------------------------------------------
    def _risk_reasons(self, order):
        """``{risk rule: reason}`` of the rules of ``self`` whose condition holds for the
        customer of ``order``, the reason in words ("overdue invoices: 2, 4,350.00"); each
        condition read once."""
        cache = {}
        result = {}
        for rule in self:
            key = (rule.risk, rule.overdue_days if rule.risk == "overdue" else 0)
            if key not in cache:
                cache[key] = self._risk_reason(order, *key)
            if cache[key]:
                result[rule] = cache[key]
        return result

    @api.model
    def _risk_reason(self, order, risk, days=0):
        """Why the customer of ``order`` is at ``risk`` (a sentence), or False; read from
        Odoo's own data, as the accounting sees it (superuser: a salesperson may not read
        invoices)."""
        company = order.company_id
        partner = order._prepmt_invoice_partner().commercial_partner_id
        if not partner:
            return False
        partner = partner.with_company(company).sudo()
        currency = company.currency_id
        Move = self.env["account.move"].sudo().with_company(company)
        base = [
            ("commercial_partner_id", "=", partner.id),
            ("company_id", "=", company.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
        ]
        if risk == "credit_limit":
            # as Odoo's sale warns on the quotation (sale.order._compute_partner_credit_warning,
            # account.move._build_credit_warning_message): receivable + confirmed orders not
            # invoiced + this order, against the partner's (or the company's) credit limit
            if not company.account_use_credit_limit or not partner.credit_limit:
                return False
            current = order.amount_total / (getattr(order, "currency_rate", 1.0) or 1.0)
            if order.state in order._prepmt_confirmed_states:
                current = 0.0  # already counted in credit_to_invoice
            total = partner.credit + partner.credit_to_invoice + current
            if currency.compare_amounts(total, partner.credit_limit) <= 0:
                return False
            return self.env._(
                "over its credit limit: %(total)s due with this order, limit %(limit)s",
                total=currency.format(total),
                limit=currency.format(partner.credit_limit),
            )
        if risk == "overdue":
            today = fields.Date.context_today(self)
            overdue = Move.search(
                [
                    *base,
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", today - timedelta(days=days)),
                ]
            )
            if not overdue:
                return False
            return self.env._(
                "overdue invoices: %(count)s, %(amount)s",
                count=len(overdue),
                amount=currency.format(sum(overdue.mapped("amount_residual_signed"))),
            )
        if risk == "new_customer":
            if Move.search_count([*base, ("payment_state", "in", ("paid", "in_payment"))], limit=1):
                return False
            return self.env._("no paid invoice yet")
        return False
