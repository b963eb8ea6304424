from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Priority of the rule levels, most specific first: the first level that has a rule valid on the
# order date wins.  Each entry is (product level, partner level).
RULE_LEVELS = [
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
    date_start = fields.Date("Valid From")
    date_end = fields.Date("Valid To")
    percent = fields.Float("Prepayment %", required=True, digits=(5, 2))
    product_level = fields.Selection(
        [("product", "Product"), ("category", "Category"), ("all", "All products")],
        compute="_compute_levels",
        store=True,
    )
    partner_level = fields.Selection(
        [("partner", "Customer/Vendor"), ("pricelist", "Pricelist"), ("all", "Everyone")],
        compute="_compute_levels",
        store=True,
    )
    priority = fields.Integer(
        compute="_compute_levels",
        store=True,
        help="1 is the most specific level; the first level with a valid rule wins.",
    )

    @api.depends("product_tmpl_id", "product_categ_id", "partner_id", "pricelist_id")
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
                "partner" if rule.partner_id else "pricelist" if rule.pricelist_id else "all"
            )
            rule.priority = RULE_LEVELS.index((rule.product_level, rule.partner_level)) + 1

    @api.depends(
        "order_type", "product_tmpl_id", "product_categ_id", "partner_id", "pricelist_id", "percent"
    )
    def _compute_display_name(self):
        for rule in self:
            what = (
                rule.product_tmpl_id.display_name
                or rule.product_categ_id.display_name
                or self.env._("All products")
            )
            who = (
                rule.partner_id.display_name
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
    )
    def _check_rule(self):
        for rule in self:
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
    def _get_percents(self, order_type, company, date, partner, pricelist, products):
        """Return ``{product.id: percent or None}`` for the given products.

        One query for all products of an order. ``None`` means no rule applies and the
        caller falls back to the order's header %.
        """
        partner = partner.commercial_partner_id if partner else partner
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
        rules = self.sudo().search(domain, order="date_start desc nulls last, id desc")
        result = {}
        for product in products:
            result[product.id] = rules._select_percent(product, partner, pricelist)
        return result

    def _select_percent(self, product, partner, pricelist):
        """Pick the winning rule in ``self`` (valid rules, latest start first)."""

        def matches_partner(rule, level):
            if level == "partner":
                return bool(partner) and rule.partner_id == partner
            if level == "pricelist":
                return bool(pricelist) and not rule.partner_id and rule.pricelist_id == pricelist
            return not rule.partner_id and not rule.pricelist_id

        def first(candidates, level):
            for rule in candidates:  # already sorted by date_start desc
                if matches_partner(rule, level):
                    return rule.percent
            return None

        tmpl = product.product_tmpl_id
        product_rules = (
            self.filtered(lambda r: r.product_tmpl_id == tmpl) if tmpl else self.browse()
        )
        for level in ("partner", "pricelist", "all"):
            percent = first(product_rules, level)
            if percent is not None:
                return percent
        # Nearest category (the product's own, then its parents) that has a matching rule.
        categ = product.categ_id
        categ_rules = self.filtered(lambda r: r.product_categ_id and not r.product_tmpl_id)
        while categ:
            rules = categ_rules.filtered(lambda r, categ=categ: r.product_categ_id == categ)
            for level in ("partner", "pricelist", "all"):
                percent = first(rules, level)
                if percent is not None:
                    return percent
            categ = categ.parent_id
        all_rules = self.filtered(lambda r: not r.product_tmpl_id and not r.product_categ_id)
        for level in ("partner", "pricelist", "all"):
            percent = first(all_rules, level)
            if percent is not None:
                return percent
        return None
