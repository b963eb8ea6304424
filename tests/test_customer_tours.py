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
        # the link goes to this invoice's page, with the customer's access token
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        link = invoice.get_portal_url()
        self.assertIn(link.replace("&", "&amp;"), page.text)
        self.start_tour(link, "prepayment_addon_portal_invoice_tour")

    def test_portal_invoice_pay_tour(self):
        """The customer pays the prepayment invoice from its portal page with the demo
        provider: the order's prepayment is paid the moment the transaction is done."""
        self.demo_provider()
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.start_tour(
            invoice.get_portal_url(),
            "prepayment_addon_portal_invoice_pay_tour",
            login="prepmt_portal",
        )
        self.assertEqual(invoice.transaction_ids.state, "done")
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.prepmt_state, "paid")

    def test_portal_pay_tour(self):
        """Online payment to confirm a quotation, with the demo provider: the customer pays
        our prepayment; the order is confirmed, our prepayment invoice posted and paid."""
        self.demo_provider()
        self.company.write(
            {
                "portal_confirmation_pay": True,
                "portal_confirmation_sign": False,
                "prepayment_percent": 0.5,
            }
        )
        order = self.new_order()
        order.require_signature = False
        self.assertTrue(order._has_to_be_paid())
        self.start_tour(
            order.get_portal_url(), "prepayment_addon_portal_pay_tour", login="prepmt_portal"
        )
        self.assertEqual(order.state, "sale")
        invoice = order.prepmt_move_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual((invoice.state, invoice.amount_total), ("posted", 345.0))
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(order.order_line.filtered("is_downpayment"))
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(order.transaction_ids.amount, 345.0)


class TestFlowTours(PortalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.user.groups_id |= env.ref("account.group_account_invoice")
        cls.chair = env["product.product"].create(
            {
                "name": "Flow Chair",
                "list_price": 500.0,
                "invoice_policy": "order",
                "purchase_method": "purchase",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.desk = env["product.product"].create(
            {
                "name": "Flow Desk",
                "list_price": 500.0,
                "standard_price": 500.0,
                "invoice_policy": "order",
                "purchase_method": "purchase",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )
        env["prepayment.rule"].create(
            {
                "order_type": "sale",
                "product_tmpl_id": cls.chair.product_tmpl_id.id,
                "percent": 50.0,
                "company_id": env.company.id,
            }
        )
        cls.flow_customer = env["res.partner"].create(
            {"name": "Flow Customer", "customer_prepmt_percent": 30.0}
        )
        cls.flow_vendor = env["res.partner"].create(
            {"name": "Flow Vendor", "vendor_prepmt_percent": 20.0}
        )

    def test_sale_flow_tour(self):
        """From a new quotation to the final invoice: rules, the overall %, a lowered
        prepayment invoice, its payment, the final invoice naming it in its deduction."""
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding",
            "prepayment_addon_sale_flow_tour",
            login="admin",
        )
        order = self.env["sale.order"].search([("partner_id", "=", self.flow_customer.id)])
        self.assertEqual(len(order), 1)
        prepayment = order.prepmt_move_ids
        self.assertEqual(prepayment.amount_total, 300.0)
        self.assertIn(prepayment.payment_state, ("paid", "in_payment"))
        final = order.invoice_ids
        self.assertEqual((final.state, final.amount_total), ("posted", 700.0))
        self.assertIn(
            prepayment.name, final.invoice_line_ids.filtered("prepmt_allocation_ids").name
        )
        self.assertEqual(final._prepmt_deducted_documents(), prepayment)
        # fully invoiced, nothing outstanding, a quarter never invoiced: settled
        self.assertEqual(order.prepmt_state, "settled")

    def test_purchase_flow_tour(self):
        """From a new RFQ to the final bill: the prepayment bill (no mail to send), its
        payment, the final bill deducting it. The company requires the vendor's reference:
        the window asks for it."""
        self.env.company.prepmt_purchase_require_ref = True
        self.start_tour(
            "/odoo/action-purchase.purchase_rfq",
            "prepayment_addon_purchase_flow_tour",
            login="admin",
        )
        order = self.env["purchase.order"].search([("partner_id", "=", self.flow_vendor.id)])
        self.assertEqual(len(order), 1)
        prepayment = order.prepmt_move_ids
        self.assertEqual((prepayment.amount_total, prepayment.ref), (100.0, "VEND-PP-1"))
        final = order.invoice_ids
        self.assertEqual((final.state, final.amount_total), ("posted", 400.0))
        self.assertIn(
            prepayment.name, final.invoice_line_ids.filtered("prepmt_allocation_ids").name
        )
        self.assertEqual(order.prepmt_state, "settled")
