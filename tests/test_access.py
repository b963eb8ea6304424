"""Issue #5: access rights and multi-company isolation of prepayments and prepayment rules."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import PrepaymentCase, PurchasePrepaymentCase, SalePrepaymentCase


class AccessCase(PrepaymentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        common = {"company_id": company.id, "company_ids": [(6, 0, company.ids)]}
        cls.salesman = new_test_user(
            cls.env, "acc_salesman", groups="sales_team.group_sale_salesman", **common
        )
        cls.salesman_2 = new_test_user(
            cls.env, "acc_salesman2", groups="sales_team.group_sale_salesman", **common
        )
        cls.sale_manager = new_test_user(
            cls.env, "acc_sale_mgr", groups="sales_team.group_sale_manager", **common
        )
        cls.purchase_user = new_test_user(
            cls.env, "acc_purch", groups="purchase.group_purchase_user", **common
        )
        cls.purchase_manager = new_test_user(
            cls.env, "acc_purch_mgr", groups="purchase.group_purchase_manager", **common
        )
        cls.portal = new_test_user(cls.env, "acc_portal", groups="base.group_portal", **common)
        Rule = cls.env["prepayment.rule"]
        cls.sale_rule = Rule.create({"order_type": "sale", "percent": 10, "company_id": company.id})
        cls.purchase_rule = Rule.create(
            {"order_type": "purchase", "percent": 20, "company_id": company.id}
        )

    def assertNoAccess(self, func, *args, **kwargs):
        with self.assertRaises(AccessError):
            func(*args, **kwargs)

    def rule_vals(self, order_type, percent=30):
        return {"order_type": order_type, "percent": percent, "company_id": self.company.id}


class TestSalesAccess(AccessCase, SalePrepaymentCase):
    def salesman_order(self, user):
        order = (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.partner_a.id,
                    "user_id": user.id,
                    "order_line": [(0, 0, self.side.line_vals(self.product_a, qty=2, price=100.0))],
                }
            )
        )
        self.assertEqual(order.order_line.prepmt_percent, 10.0)  # the company's sales rule
        order.action_confirm()
        return order

    def test_portal_customer_sees_own_prepayment_invoice(self):
        customer = self.env["res.partner"].create({"name": "Portal Customer"})
        portal = new_test_user(
            self.env, "acc_portal_customer", groups="base.group_portal", partner_id=customer.id
        )
        order = self.new_order(partner=customer, percent=25)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        other = self.new_order(percent=25)  # another customer's
        self.side.confirm(other)
        other_move = self.env["account.move"].browse(other.action_create_prepmt_invoice()["res_id"])
        self.env.flush_all()
        visible = (
            self.env["account.move"]
            .with_user(portal)
            .search([("move_type", "in", ("out_invoice", "out_refund"))])
        )
        self.assertIn(move, visible)
        self.assertNotIn(other_move, visible)
        self.assertTrue(move.with_user(portal).is_prepayment)
        self.assertNoAccess(self.env["prepayment.rule"].with_user(portal).search, [])

    def test_salesperson_issues_prepayment_invoice(self):
        """Like Odoo's down payments: a salesperson without billing rights may issue the
        prepayment invoice of an order they can write; it stays a draft that an accountant
        posts (it counts as invoiced once posted)."""
        self.assertFalse(self.salesman.has_group("account.group_account_invoice"))
        order = self.salesman_order(self.salesman)
        action = order.action_create_prepmt_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.state, "draft")
        self.assertEqual(move.amount_untaxed, 20.0)
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        # the salesperson cannot post it nor open a second one
        with self.assertRaises(AccessError):
            move.with_user(self.salesman).action_post()
        with self.assertRaises(UserError):
            order.action_create_prepmt_invoice()
        move.action_post()  # the accountant
        self.assertEqual(order.prepmt_amount_invoiced, 20.0)
        self.assertLedger(order.sudo())
        # ... and through the wizard, after the quantity grows
        order.order_line.write({"product_uom_qty": 3, "price_unit": 100.0})
        wizard = self.open_prepmt_wizard(order, user=self.salesman)
        self.assertEqual(wizard.amount, 10.0)
        wizard.amount = 5.0
        wizard.action_create_invoice()
        second = (order.prepmt_move_ids - move).with_env(self.env)
        self.assertEqual((second.state, second.amount_untaxed), ("draft", 5.0))
        second.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 25.0)
        self.assertLedger(order.sudo())

    def test_salesperson_cannot_invoice_order_of_someone_else(self):
        order = self.salesman_order(self.salesman_2)
        with self.assertRaises(AccessError):
            order.with_user(self.salesman).action_create_prepmt_invoice()
        self.assertFalse(order.prepmt_move_ids)

    def test_salesperson_cannot_edit_rules_or_settings(self):
        Rule = self.env["prepayment.rule"].with_user(self.salesman)
        self.assertEqual(Rule.search([("id", "=", self.sale_rule.id)]), self.sale_rule)
        self.assertNoAccess(Rule.create, self.rule_vals("sale"))
        self.assertNoAccess(self.sale_rule.with_user(self.salesman).write, {"percent": 50})
        self.assertNoAccess(self.sale_rule.with_user(self.salesman).unlink)
        self.assertNoAccess(
            self.env["res.config.settings"].with_user(self.salesman).create,
            {"prepmt_auto_post": False},
        )
        self.assertNoAccess(
            self.company.with_user(self.salesman).write, {"prepmt_auto_post": False}
        )
        self.assertEqual(self.sale_rule.percent, 10)
        self.assertTrue(self.company.prepmt_auto_post)

    def test_sales_manager_edits_sales_rules_only(self):
        Rule = self.env["prepayment.rule"].with_user(self.sale_manager)
        rule = Rule.create(self.rule_vals("sale"))
        rule.percent = 40
        self.sale_rule.with_user(self.sale_manager).percent = 15
        self.assertEqual(self.sale_rule.percent, 15)
        self.assertNoAccess(Rule.create, self.rule_vals("purchase"))
        self.assertNoAccess(self.purchase_rule.with_user(self.sale_manager).write, {"percent": 1})
        self.assertNoAccess(self.purchase_rule.with_user(self.sale_manager).unlink)
        self.assertEqual(self.purchase_rule.percent, 20)
        rule.unlink()

    def test_sales_manager_cannot_turn_sales_rule_into_purchase_rule(self):
        rule = (
            self.env["prepayment.rule"].with_user(self.sale_manager).create(self.rule_vals("sale"))
        )
        self.assertNoAccess(rule.write, {"order_type": "purchase"})
        self.assertEqual(rule.order_type, "sale")

    def test_portal_cannot_read_rules(self):
        Rule = self.env["prepayment.rule"].with_user(self.portal)
        self.assertNoAccess(Rule.search, [])
        self.assertNoAccess(self.sale_rule.with_user(self.portal).read, ["percent"])
        self.assertNoAccess(Rule.create, self.rule_vals("sale"))


class TestPurchaseAccess(AccessCase, PurchasePrepaymentCase):
    def test_purchase_user_issues_prepayment_bill(self):
        """Like the salesperson: a purchase user (who may create but not post bills) issues
        the prepayment bill of a purchase order; it stays a draft for the accountant."""
        self.assertFalse(self.purchase_user.has_group("account.group_account_invoice"))
        order = (
            self.env["purchase.order"]
            .with_user(self.purchase_user)
            .create(
                {
                    "partner_id": self.partner_a.id,
                    "order_line": [(0, 0, self.side.line_vals(self.product_a, qty=2, price=100.0))],
                }
            )
        )
        self.assertEqual(order.order_line.prepmt_percent, 20.0)
        order.button_confirm()
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual((move.state, move.amount_untaxed), ("draft", 40.0))
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        with self.assertRaises(AccessError):
            move.with_user(self.purchase_user).action_post()
        move.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 40.0)
        self.assertLedger(order.sudo())

    def test_purchase_user_cannot_edit_rules_or_settings(self):
        Rule = self.env["prepayment.rule"].with_user(self.purchase_user)
        self.assertEqual(Rule.search([("id", "=", self.purchase_rule.id)]), self.purchase_rule)
        self.assertNoAccess(Rule.create, self.rule_vals("purchase"))
        self.assertNoAccess(self.purchase_rule.with_user(self.purchase_user).write, {"percent": 5})
        self.assertNoAccess(
            self.env["res.config.settings"].with_user(self.purchase_user).create,
            {"prepmt_auto_post": False},
        )

    def test_purchase_manager_edits_purchase_rules_only(self):
        Rule = self.env["prepayment.rule"].with_user(self.purchase_manager)
        rule = Rule.create(self.rule_vals("purchase"))
        rule.percent = 45
        self.assertNoAccess(Rule.create, self.rule_vals("sale"))
        self.assertNoAccess(self.sale_rule.with_user(self.purchase_manager).write, {"percent": 1})
        self.assertEqual(self.sale_rule.percent, 10)

    def test_purchase_manager_cannot_turn_purchase_rule_into_sales_rule(self):
        rule = (
            self.env["prepayment.rule"]
            .with_user(self.purchase_manager)
            .create(self.rule_vals("purchase"))
        )
        self.assertNoAccess(rule.write, {"order_type": "sale"})
        self.assertEqual(rule.order_type, "purchase")


class TestMultiCompanyRules(PrepaymentCase):
    """Users of company B never see company A's rules; their orders never get them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Prepmt Company B")["company"]
        Rule = cls.env["prepayment.rule"]
        cls.rules_a = Rule.create(
            [
                {"order_type": "sale", "percent": 77, "company_id": cls.company.id},
                {"order_type": "purchase", "percent": 66, "company_id": cls.company.id},
                {
                    "order_type": "sale",
                    "percent": 55,
                    "company_id": cls.company.id,
                    "product_tmpl_id": cls.product_a.product_tmpl_id.id,
                },
            ]
        )
        b = {"company_id": cls.company_b.id, "company_ids": [(6, 0, cls.company_b.ids)]}
        cls.user_b = new_test_user(
            cls.env,
            "acc_b",
            groups="sales_team.group_sale_manager,purchase.group_purchase_manager,"
            "account.group_account_manager",
            **b,
        )
        cls.partner_b_co = cls.env["res.partner"].create({"name": "Customer of B"})

    def test_search_and_read_isolated(self):
        Rule = self.env["prepayment.rule"].with_user(self.user_b)
        self.assertFalse(Rule.search([]) & self.rules_a)
        self.assertFalse(Rule.search([("percent", "in", [77, 66, 55])]))
        with self.assertRaises(AccessError):
            self.rules_a[0].with_user(self.user_b).read(["percent"])
        with self.assertRaises(AccessError):
            self.rules_a[0].with_user(self.user_b).write({"percent": 1})

    def test_orders_of_b_never_get_rules_of_a(self):
        env_b = self.env(user=self.user_b, context={"allowed_company_ids": self.company_b.ids})
        product = self.product_a.with_env(env_b)
        sale = env_b["sale.order"].create(
            {
                "partner_id": self.partner_b_co.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "price_unit": 100.0,
                            "tax_id": False,
                        },
                    )
                ],
            }
        )
        self.assertEqual(sale.company_id, self.company_b)
        self.assertEqual(sale.order_line.prepmt_percent, 0.0)
        sale.action_apply_prepmt_rules()
        self.assertEqual(sale.order_line.prepmt_percent, 0.0)
        purchase = env_b["purchase.order"].create(
            {
                "partner_id": self.partner_b_co.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": 1,
                            "price_unit": 100.0,
                            "taxes_id": False,
                        },
                    )
                ],
            }
        )
        self.assertEqual(purchase.company_id, self.company_b)
        self.assertEqual(purchase.order_line.prepmt_percent, 0.0)
        # and a rule of B applies to B only
        env_b["prepayment.rule"].create({"order_type": "sale", "percent": 12})
        sale_b2 = env_b["sale.order"].create(
            {
                "partner_id": self.partner_b_co.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1,
                            "price_unit": 100.0,
                            "tax_id": False,
                        },
                    )
                ],
            }
        )
        self.assertEqual(sale_b2.order_line.prepmt_percent, 12.0)
        order_a = self.new_order([{"product": self.product_b, "qty": 1, "price": 100.0}])
        self.assertEqual(order_a.order_line.prepmt_percent, 77.0)
