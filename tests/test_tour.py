"""The order form through Odoo's own browser tour (headless Chromium)."""
from odoo.fields import Command
from odoo.tests import HttpCase


class TestPrepaymentTour(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def test_sale_order_prepayment_invoice_tour(self):
        env = self.env
        company = env.company
        self.assertTrue(company.prepmt_sale_account_id, "the install created the account")
        partner = env["res.partner"].create({"name": "Tour Customer", "customer_prepmt_percent": 30})
        product = env["product.product"].create({"name": "Tour Table", "list_price": 1000.0,
                                                 "taxes_id": [Command.clear()]})
        order = env["sale.order"].create({
            "partner_id": partner.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1,
                                           "price_unit": 1000.0, "tax_id": [Command.clear()]})],
        })
        order.action_confirm()
        self.assertEqual(order.prepmt_amount_to_invoice, 300.0)
        self.start_tour(f"/odoo/action-sale.action_orders/{order.id}",
                        "prepayment_addon_order_tour", login="admin")
        order.invalidate_recordset()
        self.assertEqual(order.prepmt_amount_invoiced, 120.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 180.0)
        self.assertEqual(order.prepmt_move_ids.state, "posted")
