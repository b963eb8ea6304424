"""Issue 24 in headless Chromium (Odoo's tour framework): a partial prepayment credit memo from
the order, and a rule on the customer's risk showing its reason on a quotation."""

from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase


class TestIssue24Tours(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.user.groups_id |= env.ref("account.group_account_invoice")
        cls.company = env.company
        cls.company.prepmt_auto_post = True
        cls.chair, cls.desk = (
            env["product.product"].create(
                {
                    "name": name,
                    "list_price": price,
                    "invoice_policy": "order",
                    "taxes_id": [Command.clear()],
                }
            )
            for name, price in (("Credit Chair", 1000.0), ("Credit Desk", 100.0))
        )
        cls.customer = env["res.partner"].create(
            {"name": "Credit Customer", "customer_prepmt_percent": 30.0}
        )

    def test_partial_credit_memo_tour(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.chair.id, "product_uom_qty": 1}),
                    Command.create({"product_id": self.desk.id, "product_uom_qty": 1}),
                ],
            }
        )
        order.action_confirm()
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 330.0)
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "prepayment_addon_partial_credit_tour",
            login="admin",
        )
        credit = order.prepmt_move_ids.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual((credit.state, credit.amount_total), ("posted", 30.0))
        chair, desk = order.order_line
        self.assertEqual(chair.prepmt_amount_outstanding, 300.0)
        self.assertEqual(desk.prepmt_amount_outstanding, 0.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 30.0)

    def test_risk_reason_tour(self):
        env = self.env
        customer = env["res.partner"].create(
            {"name": "Risk Customer", "customer_prepmt_percent": 30.0}
        )
        env["prepayment.rule"].create(
            {"order_type": "sale", "risk": "overdue", "overdue_days": 30, "percent": 50.0}
        )
        date = fields.Date.today() - timedelta(days=45)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": date,
                "invoice_date_due": date,
                "invoice_line_ids": [
                    Command.create({"product_id": self.desk.id, "price_unit": 800.0, "tax_ids": []})
                ],
            }
        )
        invoice.action_post()
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "prepayment_addon_risk_reason_tour",
            login="admin",
        )
        order = env["sale.order"].search([("partner_id", "=", customer.id)])
        self.assertEqual(order.order_line.prepmt_percent, 50.0)
        self.assertIn("overdue invoices: 1,", order.prepmt_rule_reason)
