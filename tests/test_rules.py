"""Which prepayment % a line gets, and the rule records' own checks."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError

from .common import PrepaymentCase, PurchasePrepaymentCase, SalePrepaymentCase


class RuleScenarios:
    def rule(self, percent, **vals):
        return self.env["prepayment.rule"].create(
            {"order_type": self.order_type, "percent": percent, **vals}
        )

    @property
    def order_type(self):
        return "sale" if self.side.inbound else "purchase"

    def percent_of(self, product=None, partner=None, **order_vals):
        order = self.new_order(
            [{"product": product or self.product_a, "qty": 1, "price": 100.0}],
            partner=partner,
            **order_vals,
        )
        return order.order_line.prepmt_percent

    def test_priority_levels(self):
        """Each level beats the ones below it; removing it lets the next one win."""
        categ_parent = self.env["product.category"].create({"name": "Parent"})
        categ = self.env["product.category"].create({"name": "Child", "parent_id": categ_parent.id})
        self.product_a.categ_id = categ
        tmpl = self.product_a.product_tmpl_id
        levels = [
            self.rule(1, product_tmpl_id=tmpl.id, partner_id=self.partner_a.id),
            self.rule(3, product_tmpl_id=tmpl.id),
            self.rule(4, product_categ_id=categ.id, partner_id=self.partner_a.id),
            self.rule(6, product_categ_id=categ.id),
            self.rule(7, partner_id=self.partner_a.id),
            self.rule(9),
        ]
        for rule in levels:
            self.assertEqual(self.percent_of(), rule.percent, f"level {rule.priority}")
            rule.active = False
        self.assertEqual(self.percent_of(), 0.0)  # no rule: the header %

    def test_nearest_parent_category(self):
        parent = self.env["product.category"].create({"name": "Parent"})
        child = self.env["product.category"].create({"name": "Child", "parent_id": parent.id})
        self.product_a.categ_id = child
        self.rule(20, product_categ_id=parent.id)
        self.assertEqual(self.percent_of(), 20)
        self.rule(35, product_categ_id=child.id)
        self.assertEqual(self.percent_of(), 35)
        # a rule for another partner does not apply
        self.rule(50, product_categ_id=child.id, partner_id=self.partner_b.id)
        self.assertEqual(self.percent_of(), 35)
        self.assertEqual(self.percent_of(partner=self.partner_b), 50)

    def test_dates_and_latest_start_wins(self):
        today = fields.Date.today()
        self.rule(10, date_start=today - timedelta(days=30))
        self.rule(15, date_start=today - timedelta(days=5))
        self.rule(99, date_start=today + timedelta(days=5))
        self.rule(88, date_end=today - timedelta(days=1))
        self.assertEqual(self.percent_of(), 15)

    def test_order_date_change_applies_the_rules_of_that_date(self):
        later = fields.Date.today() + timedelta(days=60)
        self.rule(45, date_start=later)
        order = self.new_order()
        self.assertEqual(order.order_line.prepmt_percent, 0.0)
        # what the form's onchange does when the user changes the order date
        order.date_order = fields.Datetime.to_datetime(later)
        order._onchange_date_order_prepmt()
        self.assertEqual(order.order_line.prepmt_percent, 45.0)

    def test_contact_of_partner_uses_commercial_entity(self):
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.partner_a.id})
        self.rule(25, partner_id=self.partner_a.id)
        self.assertEqual(self.percent_of(partner=contact), 25)

    def test_rule_beats_header(self):
        field = "customer_prepmt_percent" if self.side.inbound else "vendor_prepmt_percent"
        self.partner_a[field] = 40
        self.rule(5, product_tmpl_id=self.product_a.product_tmpl_id.id)
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 100.0},
                {"product": self.product_b, "qty": 1, "price": 100.0},
            ]
        )
        self.assertEqual(order.prepmt_percent, 40)
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [5.0, 40.0])

    def test_other_company_rules_ignored(self):
        other = self.setup_other_company()["company"]
        self.env["prepayment.rule"].create(
            {"order_type": self.order_type, "percent": 77, "company_id": other.id}
        )
        self.assertEqual(self.percent_of(), 0.0)

    def test_rule_constraints(self):
        with self.assertRaises(ValidationError):
            self.rule(101)
        with self.assertRaises(ValidationError):
            self.rule(-1)
        today = fields.Date.today()
        with self.assertRaisesRegex(ValidationError, "Valid From"):
            self.rule(10, date_start=today, date_end=today - timedelta(days=1))
        with self.assertRaisesRegex(ValidationError, "not both"):
            self.rule(
                10,
                product_tmpl_id=self.product_a.product_tmpl_id.id,
                product_categ_id=self.product_a.categ_id.id,
            )


class TestSaleRules(RuleScenarios, SalePrepaymentCase):
    def test_pricelist_level(self):
        pricelist = self.env["product.pricelist"].create({"name": "Export"})
        tmpl = self.product_a.product_tmpl_id
        self.rule(30, pricelist_id=pricelist.id)
        self.rule(60, product_tmpl_id=tmpl.id, pricelist_id=pricelist.id)
        self.assertEqual(self.percent_of(pricelist_id=pricelist.id), 60)
        self.assertEqual(self.percent_of(product=self.product_b, pricelist_id=pricelist.id), 30)
        # the partner beats the pricelist on the same level
        self.rule(70, product_tmpl_id=tmpl.id, partner_id=self.partner_a.id)
        self.assertEqual(self.percent_of(pricelist_id=pricelist.id), 70)

    def test_order_follows_partner_change_until_invoiced(self):
        self.rule(12, partner_id=self.partner_b.id)
        order = self.new_order()
        self.assertEqual(order.order_line.prepmt_percent, 0.0)
        order.partner_id = self.partner_b
        self.assertEqual(order.order_line.prepmt_percent, 12.0)


class TestPurchaseRules(RuleScenarios, PurchasePrepaymentCase):
    def test_pricelist_refused_on_purchase_rule(self):
        pricelist = self.env["product.pricelist"].create({"name": "Export"})
        with self.assertRaisesRegex(ValidationError, "pricelist"):
            self.rule(10, pricelist_id=pricelist.id)


class TestRuleEngineIsShared(PrepaymentCase):
    """Both sides ask the same engine: one change to the priority is one edit."""

    def test_same_engine(self):
        from odoo.addons.prepayment_addon.models import prepayment_rule

        # the customer's risk first (issue 24: product, category, all products), then the nine
        self.assertEqual(len(prepayment_rule.RULE_LEVELS), 12)
        self.assertEqual(
            [level for level in prepayment_rule.RULE_LEVELS if level[1] == "risk"],
            prepayment_rule.RULE_LEVELS[:3],
        )
        sale = type(self.env["sale.order"])._prepmt_rule_percents
        purchase = type(self.env["purchase.order"])._prepmt_rule_percents
        self.assertIs(sale, purchase)
