"""Issue 24: Register Prepayment on a sales order, and the deduction plan chosen on an order
and shown on its draft final invoice, in headless Chromium (Odoo's tour framework)."""

from odoo.fields import Command
from odoo.tests import HttpCase


class TestPaymentPlanTours(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def order(self, name, **product_vals):
        env = self.env
        partner = env["res.partner"].create({"name": name, "customer_prepmt_percent": 30})
        product = env["product.product"].create(
            {"name": f"{name} Table", "list_price": 1000.0, "taxes_id": [Command.clear()]}
            | product_vals
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "tax_id": False})],
            }
        )
        order.action_confirm()
        self.assertEqual(order.prepmt_amount, 300.0)
        return order

    def test_register_prepayment_tour(self):
        order = self.order("Money First Customer")
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "prepayment_addon_register_prepayment_tour",
            login="admin",
        )
        move = order.prepmt_move_ids
        self.assertEqual(len(move), 1)
        self.assertEqual((move.state, move.amount_total), ("posted", 200.0))
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        payment = self.env["account.payment"].search([("partner_id", "=", order.partner_id.id)])
        self.assertEqual((payment.amount, payment.memo), (200.0, "Bank transfer 4711"))
        self.assertEqual(order.prepmt_amount_paid, 200.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        self.assertEqual(order.prepmt_state, "to_invoice")

    def test_deduction_plan_tour(self):
        self.assertEqual(self.env.company.prepmt_deduction_plan, "proportional")
        order = self.order("Plan Customer", invoice_policy="delivery")
        order.order_line.product_uom_qty = 10
        order.order_line.price_unit = 100.0
        order.action_create_prepmt_invoice()
        order.order_line.qty_delivered = 4
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "prepayment_addon_deduction_plan_tour",
            login="admin",
        )
        self.assertEqual(order.prepmt_deduction_plan, "last")
        final = order.invoice_ids.filtered(lambda m: not m.is_prepayment)
        self.assertEqual(final.state, "draft")
        self.assertEqual(final.prepmt_deduction_amount, 0.0)
        self.assertEqual(final.amount_total, 400.0)

    def test_last_part_credit_note_tour(self):
        """The last part's final document, below zero by the prepaid cent of tax that each
        part rounded to nothing, made a credit note of 0.01 by Create Invoice in the web
        client (prepayment.document.builder._finish_created)."""
        env = self.env
        tax = env["account.tax"].create(
            {"name": "Tour 15 %", "amount": 15.0, "type_tax_use": "sale"}
        )
        partner = env["res.partner"].create(
            {"name": "Cent Customer", "customer_prepmt_percent": 100}
        )
        product = env["product.product"].create(
            {
                "name": "Cent Pin",
                "list_price": 0.02,
                "invoice_policy": "delivery",
                "taxes_id": tax.ids,
            }
        )
        order = env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})],
            }
        )
        order.action_confirm()
        self.assertEqual(order.order_line.tax_id, tax)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_move_ids.amount_total, 0.05)
        order.order_line.qty_delivered = 1
        first = order._create_invoices()
        first.action_post()
        self.assertEqual((first.move_type, first.amount_total), ("out_invoice", 0.0))
        order.order_line.qty_delivered = 2
        self.start_tour(
            f"/odoo/action-sale.action_orders/{order.id}",
            "prepayment_addon_last_part_credit_note_tour",
            login="admin",
        )
        last = order.invoice_ids - order.prepmt_move_ids - first
        self.assertEqual(len(last), 1)
        self.assertEqual((last.move_type, last.state), ("out_refund", "posted"))
        self.assertEqual((last.amount_untaxed, last.amount_total), (0.0, 0.01))
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        # the partner paid 0.05 - 0.01 for the 0.04 billed
        self.assertEqual(
            sum(
                m.amount_total * (-1 if m.move_type == "out_refund" else 1)
                for m in order.invoice_ids | order.prepmt_move_ids
            ),
            0.04,
        )
