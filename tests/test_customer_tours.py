"""Issue 11, point 7: the customer loop in headless Chromium (Odoo's tour framework)."""
from odoo.fields import Command

from .test_portal import PortalCase


class TestCustomerTours(PortalCase):

    def test_portal_tour(self):
        """The customer opens the order page from the link of their mail (access token): the
        prepayment and its invoice, then the invoice's own page."""
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        self.assertEqual(invoice.amount_total, 345.0)
        self.start_tour(order.get_portal_url(), "prepayment_addon_portal_tour")

    def test_portal_pay_tour(self):
        """Online payment to confirm a quotation, with the demo provider: the customer pays
        our prepayment; the order is confirmed, our prepayment invoice posted and paid."""
        self.demo_provider()
        self.company.write({"portal_confirmation_pay": True, "portal_confirmation_sign": False,
                            "prepayment_percent": 0.5})
        order = self.new_order()
        order.require_signature = False
        self.assertTrue(order._has_to_be_paid())
        self.start_tour(order.get_portal_url(), "prepayment_addon_portal_pay_tour",
                        login="prepmt_portal")
        self.assertEqual(order.state, "sale")
        invoice = order.prepmt_move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.state, invoice.amount_total), ("posted", 345.0))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(order.order_line.filtered("is_downpayment"))
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(order.transaction_ids.amount, 345.0)
