"""The order form through Odoo's own browser tour (headless Chromium)."""

from odoo.fields import Command
from odoo.tests import HttpCase


class TestPrepaymentTour(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def test_sale_order_prepayment_invoice_tour(self):
        """A new quotation made in the form for a customer with 30 % shows its prepayment to
        invoice, and keeps it once confirmed; then the Prepayment Invoice button."""
        env = self.env
        company = env.company
        self.assertTrue(company.prepmt_sale_account_id, "the install created the account")
        partner = env["res.partner"].create(
            {"name": "Tour Customer", "customer_prepmt_percent": 30}
        )
        env["product.product"].create(
            {"name": "Tour Table", "list_price": 1000.0, "taxes_id": [Command.clear()]}
        )
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "prepayment_addon_order_tour",
            login="admin",
        )
        order = env["sale.order"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.amount_untaxed, 1000.0)
        self.assertEqual((order.prepmt_percent, order.order_line.prepmt_percent), (30.0, 30.0))
        self.assertEqual(order.prepmt_amount, 300.0)
        self.assertEqual(order.prepmt_amount_invoiced, 120.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 180.0)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertEqual(order.prepmt_move_ids.state, "posted")
        self.assertEqual(order.prepmt_move_ids.amount_untaxed, 120.0)
