"""Issue 24, point 3 (sales): prepayment rules on the customer's risk, read from Odoo's own
data: over its credit limit with this order, posted invoices overdue by more than N days, no
paid invoice yet. They win over every other rule, are evaluated when the quotation is made and
again at its confirmation (a % the user typed on a line stays), and the order says which rule
set the % and why."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form

from .common import SalePrepaymentCase


class TestRiskRules(SalePrepaymentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the customer's agreed prepayment: 30 % (the order's %, lines without a rule)
        cls.partner_a.with_company(cls.company).customer_prepmt_percent = 30.0

    # ------------------------------------------------------------------ helpers
    def risk_rule(self, risk, percent, **vals):
        """A rule made in its form, as Sales > Configuration > Prepayment Rules does."""
        form = Form(self.env["prepayment.rule"].with_context(default_order_type="sale"))
        form.risk = risk
        if "overdue_days" in vals:
            form.overdue_days = vals.pop("overdue_days")
        form.percent = percent
        for name, value in vals.items():
            form[name] = value
        return form.save()

    def customer_invoice(self, amount, days_ago=0, post=True, partner=None):
        """A customer invoice of ``amount`` (no tax) dated ``days_ago`` days back, due that
        day, made in the invoice form."""
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = partner or self.partner_a
        date = fields.Date.today() - timedelta(days=days_ago)
        form.invoice_payment_term_id = self.env["account.payment.term"]
        form.invoice_date = date
        form.invoice_date_due = date
        with form.invoice_line_ids.new() as line:
            line.product_id = self.product_b
            line.price_unit = amount
            line.tax_ids.clear()
        move = form.save()
        if post:
            move.action_post()
        return move

    def quotation(self, partner=None):
        """10 x 100.00 and 2 x 50.00, 15 % tax (1,265.00), made in the order form."""
        return self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            partner=partner,
        )

    def percents(self, order):
        return order.order_line.sorted("id").mapped("prepmt_percent")

    # ------------------------------------------------------------------ overdue invoices
    def test_overdue_invoices_raise_the_percent_and_say_why(self):
        rule = self.risk_rule("overdue", 50, overdue_days=30)
        self.assertEqual(rule.display_name, "All products / Invoices Overdue > 30 days: 50%")
        self.assertEqual((rule.priority, rule.partner_level), (3, "risk"))
        first = self.customer_invoice(3000.0, days_ago=60)
        second = self.customer_invoice(1350.0, days_ago=45)
        self.customer_invoice(700.0, days_ago=10)  # overdue, but not by more than 30 days
        order = self.quotation()
        self.assertEqual(order.prepmt_percent, 30.0)
        self.assertEqual(self.percents(order), [50.0, 50.0])
        self.assertEqual(order.prepmt_amount, 550.0)
        self.assertEqual(
            order.prepmt_rule_reason,
            "All products / Invoices Overdue > 30 days: 50% (overdue invoices: 2, $\xa04,350.00)",
        )
        self.assertEqual(Form(order).prepmt_rule_reason, order.prepmt_rule_reason)
        # one paid (Odoo's Register Payment): still overdue, the reason follows
        self.pay(second)
        order.invalidate_recordset(["prepmt_rule_reason"])
        self.assertIn("overdue invoices: 1, $\xa03,000.00", order.prepmt_rule_reason)
        # both paid before the confirmation: the risk is read again, the agreed 30 %
        self.pay(first)
        self.side.confirm(order)
        self.assertEqual(self.percents(order), [30.0, 30.0])
        self.assertEqual(order.prepmt_amount, 330.0)
        self.assertFalse(order.prepmt_rule_reason)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 330.0)
        self.assertLedger(order)

    def test_overdue_at_confirmation_raises_it_but_keeps_a_typed_percent(self):
        self.risk_rule("overdue", 50, overdue_days=30)
        order = self.quotation()
        self.assertEqual(self.percents(order), [30.0, 30.0])
        self.assertFalse(order.prepmt_rule_reason)
        # the user types 40 % on the second line; then an invoice falls overdue
        with Form(order) as form, form.order_line.edit(1) as line:
            line.prepmt_percent = 40.0
        self.customer_invoice(500.0, days_ago=31)
        self.side.confirm(order)
        self.assertEqual(self.percents(order), [50.0, 40.0])
        self.assertEqual(order.prepmt_amount, 540.0)
        self.assertEqual(
            order.prepmt_rule_reason,
            "All products / Invoices Overdue > 30 days: 50% (overdue invoices: 1, $\xa0500.00)",
        )
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced_incl, 621.0)
        self.assertLedger(order)

    def test_risk_wins_over_the_customers_own_rule(self):
        tmpl = self.product_a.product_tmpl_id
        self.env["prepayment.rule"].create(
            {
                "order_type": "sale",
                "percent": 10,
                "product_tmpl_id": tmpl.id,
                "partner_id": self.partner_a.id,
            }
        )
        self.risk_rule("overdue", 80)
        order = self.quotation()
        self.assertEqual(self.percents(order), [10.0, 30.0])
        self.customer_invoice(100.0, days_ago=1)
        order.action_apply_prepmt_rules()
        self.assertEqual(self.percents(order), [80.0, 80.0])
        # a risk rule of the product beats the risk rule of all products
        self.risk_rule("overdue", 90, product_tmpl_id=tmpl)
        order.action_apply_prepmt_rules()
        self.assertEqual(self.percents(order), [90.0, 80.0])

    # ------------------------------------------------------------------ credit limit
    def test_over_the_credit_limit_with_this_order(self):
        self.risk_rule("credit_limit", 100)
        self.company.account_use_credit_limit = True
        partner = self.partner_a.with_company(self.company)
        partner.use_partner_credit_limit = True
        partner.credit_limit = 2000.0
        # not overdue: due today; 900.00 receivable
        self.customer_invoice(900.0)
        order = self.quotation()
        # 900.00 + 1,265.00 with this order > 2,000.00
        self.assertEqual(self.percents(order), [100.0, 100.0])
        self.assertEqual(
            order.prepmt_rule_reason,
            "All products / Over Its Credit Limit: 100% (over its credit limit: $\xa02,165.00 "
            "due with this order, limit $\xa02,000.00)",
        )
        # Odoo's own warning on the quotation says the same
        self.assertIn("has reached its credit limit", order.partner_credit_warning)
        # a higher limit before the confirmation: the agreed 30 %
        partner.credit_limit = 2500.0
        self.side.confirm(order)
        self.assertEqual(self.percents(order), [30.0, 30.0])
        self.assertFalse(order.prepmt_rule_reason)

    def test_credit_limit_off_in_the_company(self):
        self.risk_rule("credit_limit", 100)
        partner = self.partner_a.with_company(self.company)
        partner.credit_limit = 10.0
        self.company.account_use_credit_limit = False
        self.assertEqual(self.percents(self.quotation()), [30.0, 30.0])

    # ------------------------------------------------------------------ new customer
    def test_new_customer_until_a_paid_invoice(self):
        self.risk_rule("new_customer", 100)
        order = self.quotation()
        self.assertEqual(self.percents(order), [100.0, 100.0])
        self.assertEqual(
            order.prepmt_rule_reason,
            "All products / No Paid Invoice Yet: 100% (no paid invoice yet)",
        )
        invoice = self.customer_invoice(50.0)
        order.action_apply_prepmt_rules()
        self.assertEqual(self.percents(order), [100.0, 100.0])  # posted, not paid
        self.pay(invoice)
        self.side.confirm(order)
        self.assertEqual(self.percents(order), [30.0, 30.0])
        self.assertFalse(order.prepmt_rule_reason)

    # ------------------------------------------------------------------ the rule's own checks
    def test_risk_rule_checks(self):
        with self.assertRaisesRegex(ValidationError, "is a sales rule"):
            self.env["prepayment.rule"].create(
                {"order_type": "purchase", "percent": 50, "risk": "overdue"}
            )
        with self.assertRaisesRegex(ValidationError, "clear its customer and pricelist"):
            self.env["prepayment.rule"].create(
                {
                    "order_type": "sale",
                    "percent": 50,
                    "risk": "overdue",
                    "partner_id": self.partner_a.id,
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["prepayment.rule"].create(
                {"order_type": "sale", "percent": 50, "risk": "overdue", "overdue_days": -1}
            )

    def test_purchase_orders_ignore_the_customers_risk(self):
        """Purchase side: not needed (a vendor's risk is not ours); its orders never ask."""
        self.risk_rule("new_customer", 100)
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.partner_b.id,
                "order_line": [(0, 0, {"product_id": self.product_a.id, "product_qty": 1})],
            }
        )
        self.assertEqual(order.order_line.prepmt_percent, 0.0)
        self.assertFalse(order.prepmt_rule_reason)
