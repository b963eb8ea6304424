"""Issue 11, points 2 and 3: the customer's order page on the portal shows the prepayment and
its documents (only to that customer), and online payments (Odoo's payment_demo provider)
pay our prepayment: a prepayment invoice paid from its portal page, and Odoo's "online payment
to confirm quotations" asking for our prepayment and issuing our prepayment invoice instead of
Odoo's down payment."""

import re

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user


def amount_in(page, element_id):
    """The text of the element ``element_id`` of an HTML page, without its tags."""
    start = page.index(f'id="{element_id}"')
    cell = page[page.index(">", start) + 1 : page.index("</td>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


class PortalCase(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.company
        cls.company.prepmt_auto_post = True
        cls.tax = env["account.tax"].create(
            {
                "name": "Portal Tax 15%",
                "amount": 15.0,
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.product = env["product.product"].create(
            {
                "name": "Portal Table",
                "list_price": 1000.0,
                "invoice_policy": "order",
                "taxes_id": [Command.set(cls.tax.ids)],
            }
        )
        cls.portal_user = new_test_user(
            env,
            login="prepmt_portal",
            password="prepmt_portal",
            groups="base.group_portal",
            name="Portal Customer",
            email="portal.customer@example.com",
        )
        cls.customer = cls.portal_user.partner_id
        cls.other_user = new_test_user(
            env,
            login="prepmt_other",
            password="prepmt_other",
            groups="base.group_portal",
            name="Other Customer",
            email="other.customer@example.com",
        )

    def new_order(self, percent=30.0, partner=None):
        partner = partner or self.customer
        partner.customer_prepmt_percent = percent
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 1.0,
                            "price_unit": 1000.0,
                        }
                    )
                ],
            }
        )

    def issue(self, order):
        wizard = (
            self.env["prepayment.invoice.wizard"]
            .with_context(order.action_open_prepmt_invoice_wizard()["context"])
            .create({})
        )
        return self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])

    def demo_provider(self):
        provider = self.env.ref("payment.payment_provider_demo")
        if provider.code != "demo":
            self.skipTest("payment_demo is not installed (scripts/test.sh installs it)")
        provider.state = "test"
        provider.company_id = self.company
        return provider

    def pay_online(self, amount, **links):
        """A done transaction of the demo provider, post-processed as Odoo does."""
        provider = self.demo_provider()
        record = links.get("sale_order_ids") or links.get("invoice_ids")
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                    "amount": amount,
                    "operation": "online_direct",
                    "currency_id": self.company.currency_id.id,
                    "partner_id": record.partner_id.id,
                    "reference": self.env["payment.transaction"]._compute_reference(
                        "demo", prefix=record.name
                    ),
                    **{field: [Command.set(records.ids)] for field, records in links.items()},
                }
            )
        )
        tx._set_done()
        tx._post_process()
        return tx


class TestPortalPage(PortalCase):
    def test_order_page_shows_prepayment_and_documents(self):
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        self.assertEqual(invoice.amount_total, 345.0)
        # the customer, logged in
        self.authenticate("prepmt_portal", "prepmt_portal")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn('id="prepmt_portal"', page)
        self.assertIn("Waiting for Prepayment", page)
        self.assertEqual(amount_in(page, "prepmt_portal_required").split()[-1], "345.00")
        self.assertEqual(amount_in(page, "prepmt_portal_to_pay").split()[-1], "345.00")
        self.assertIn(invoice.name, page)
        self.assertIn(f"/my/invoices/{invoice.id}?access_token=", page)
        # the prepayment invoice's own portal page opens for the customer
        response = self.url_open(f"/my/invoices/{invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)
        # after the payment: paid, nothing to pay
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertEqual(order.prepmt_state, "paid")
        page = self.url_open(f"/my/orders/{order.id}").text
        self.assertIn("Prepayment Paid", page)
        self.assertEqual(amount_in(page, "prepmt_portal_paid").split()[-1], "345.00")
        self.assertEqual(amount_in(page, "prepmt_portal_to_pay").split()[-1], "0.00")

    def test_order_page_by_token(self):
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        self.authenticate(None, None)
        response = self.url_open(order.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn('id="prepmt_portal"', response.text)
        self.assertIn(invoice.name, response.text)

    def test_no_prepayment_no_section(self):
        order = self.new_order(percent=0.0)
        order.action_confirm()
        self.authenticate("prepmt_portal", "prepmt_portal")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn('id="prepmt_portal"', response.text)

    def test_cancelled_order_asks_nothing_and_keeps_its_documents(self):
        """Issue 22: a cancelled order requires nothing; its credited documents stay listed."""
        order = self.new_order()
        order.action_confirm()
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.authenticate("prepmt_portal", "prepmt_portal")
        page = self.url_open(f"/my/orders/{order.id}").text
        self.assertNotIn('id="prepmt_portal"', page)
        order.action_draft()
        order.action_confirm()
        invoice = self.issue(order)
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual((order.state, order.prepmt_state), ("cancel", "none"))
        page = self.url_open(f"/my/orders/{order.id}").text
        self.assertIn('id="prepmt_portal"', page)
        self.assertEqual(amount_in(page, "prepmt_portal_required").split()[-1], "0.00")
        self.assertEqual(amount_in(page, "prepmt_portal_to_pay").split()[-1], "0.00")
        self.assertIn(invoice.name, page)
        self.assertIn(credit.name, page)

    def test_other_customer_is_refused(self):
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        # another customer, logged in: Odoo sends them back to their own portal home
        self.authenticate("prepmt_other", "prepmt_other")
        for url in (f"/my/orders/{order.id}", f"/my/invoices/{invoice.id}"):
            response = self.url_open(url, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303, 403, 404), url)
            self.assertNotIn(invoice.name, response.text)
        # a wrong token, logged out: the same
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/orders/{order.id}?access_token=not-the-token", allow_redirects=False
        )
        self.assertIn(response.status_code, (302, 303, 403, 404))
        self.assertNotIn("prepmt_portal", response.text)


class TestOnlinePayment(PortalCase):
    def setUp(self):
        super().setUp()
        # Settings > Sales > Online Payment, with Odoo's own prepayment of 50 %
        self.company.write({"portal_confirmation_pay": True, "prepayment_percent": 0.5})

    def test_prepayment_invoice_paid_online(self):
        order = self.new_order()
        order.action_confirm()
        invoice = self.issue(order)
        invoice._portal_ensure_token()
        self.assertEqual(order.prepmt_state, "waiting_payment")
        tx = self.pay_online(invoice.amount_residual, invoice_ids=invoice)
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.prepmt_state, "paid")

    def test_quotation_asks_our_prepayment_and_gets_our_invoice(self):
        order = self.new_order()
        self.assertTrue(order.require_payment)
        self.assertEqual(order.amount_total, 1150.0)
        # our 30 % with taxes, not Odoo's 50 % (575.00)
        self.assertEqual(order._get_prepayment_required_amount(), 345.0)
        self.assertTrue(order._has_to_be_paid())
        for auto_invoice in (False, True):
            with self.subTest(auto_invoice=auto_invoice):
                self.env["ir.config_parameter"].sudo().set_param(
                    "sale.automatic_invoice", auto_invoice
                )
                quote = order.copy() if auto_invoice else order
                tx = self.pay_online(345.0, sale_order_ids=quote)
                self.assertEqual(quote.state, "sale")
                self.assertEqual(len(quote.prepmt_move_ids), 1)
                invoice = quote.prepmt_move_ids
                self.assertEqual((invoice.state, invoice.amount_total), ("posted", 345.0))
                self.assertEqual(tx.invoice_ids, invoice)
                self.assertIn(invoice.payment_state, ("paid", "in_payment"))
                # no down payment of Odoo's: no down payment line, no other invoice
                self.assertFalse(quote.order_line.filtered("is_downpayment"))
                self.assertFalse(quote.invoice_ids)
                self.assertEqual(quote.prepmt_state, "paid")
                self.assertEqual(quote.prepmt_amount_invoiced, 300.0)

    def test_quotation_without_our_prepayment_keeps_odoo(self):
        self.env["ir.config_parameter"].sudo().set_param("sale.automatic_invoice", True)
        order = self.new_order(percent=0.0)
        self.assertEqual(order.prepmt_state, "none")
        self.assertEqual(order._get_prepayment_required_amount(), 575.0)
        self.pay_online(575.0, sale_order_ids=order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.prepmt_move_ids)
        self.assertTrue(order.order_line.filtered("is_downpayment"))
        self.assertEqual(len(order.invoice_ids), 1)
