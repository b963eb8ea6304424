"""Orders made in the form view (``odoo.tests.Form`` saves the way the web client does)."""

from odoo.tests import Form

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class FormScenarios:
    def partner_30(self):
        field = "customer_prepmt_percent" if self.side.inbound else "vendor_prepmt_percent"
        self.partner_b[field] = 30
        return self.partner_b

    def assertToInvoice(self, order, amounts):
        """Lines and order say what is still to invoice, the status says so, the form shows
        the Prepayment Invoice / Bill button, the analysis lists it and the check holds."""
        order.invalidate_recordset()
        self.assertEqual(order.order_line.mapped("prepmt_amount"), amounts)
        self.assertEqual(order.order_line.mapped("prepmt_amount_to_invoice"), amounts)
        self.assertEqual(order.prepmt_amount, sum(amounts))
        self.assertEqual(order.prepmt_amount_to_invoice, sum(amounts))
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertTrue(self.prepmt_invoice_button_visible(order))
        self.assertIn("to invoice", order._prepmt_blocking_message())
        self.env.flush_all()
        row = self.env["prepayment.analysis"].search(
            [("order_model", "=", order._name), ("order_ref", "=", order.id)]
        )
        self.assertEqual(
            (row.prepmt_state, row.required, row.invoiced), ("to_invoice", sum(amounts), 0.0)
        )

    def test_order_made_in_the_form_has_its_prepayment_to_invoice(self):
        # the button of quotations needs the setting; confirmed orders always show it
        self.company.prepmt_allow_quotation = True
        partner = self.partner_30()
        form = Form(self.env[self.side.order_model])
        form.partner_id = partner
        self.assertEqual(form.prepmt_percent, 30.0)
        for product, qty, price in ((self.product_a, 10, 400.0), (self.product_b, 4, 600.0)):
            with form.order_line.new() as line:
                line.product_id = product
                line[self.side.qty_field] = qty
                line.price_unit = price
                line[self.side.tax_field] = self.side.taxes()
        order = form.save()
        self.assertToInvoice(order, [1200.0, 720.0])
        self.side.confirm(order)
        self.assertToInvoice(order, [1200.0, 720.0])
        # Duplicate: the copy is a quotation with the same requirement, nothing invoiced
        copy = order.copy()
        self.assertToInvoice(copy, [1200.0, 720.0])
        self.side.confirm(copy)
        self.assertToInvoice(copy, [1200.0, 720.0])
        # and the button does what it says
        self.open_prepmt_wizard(order).action_create_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 1920.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertFalse(self.prepmt_invoice_button_visible(order))
        self.assertLedger(order)

    def test_amount_typed_in_the_form(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 400.0},
                {"product": self.product_b, "qty": 4, "price": 600.0},
            ],
            partner=self.partner_30(),
        )
        self.side.confirm(order)
        with Form(order) as form:
            form.prepmt_amount = 1600.0
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [25.0, 25.0])
        self.assertToInvoice(order, [1000.0, 600.0])

    def test_line_percent_kept_as_given(self):
        # the form sends the lines' amounts back on save: their % stays what the partner gives
        field = "customer_prepmt_percent" if self.side.inbound else "vendor_prepmt_percent"
        self.partner_b[field] = 33.33
        form = Form(self.env[self.side.order_model])
        form.partner_id = self.partner_b
        with form.order_line.new() as line:
            line.product_id = self.product_a
            line[self.side.qty_field] = 7
            line.price_unit = 10.01
        order = form.save()
        line = order.order_line
        self.assertEqual((line.prepmt_percent, line.prepmt_amount), (33.33, 23.35))
        line.write({self.side.qty_field: 9, "price_unit": 10.01})
        self.assertEqual((line.prepmt_percent, line.prepmt_amount), (33.33, 30.03))
        # an amount typed on the line sets its %
        line.prepmt_amount = 45.05
        self.assertEqual(line.prepmt_amount, 45.05)
        self.assertAlmostEqual(line.prepmt_percent, 45.05 / 90.09 * 100.0)

    def test_copy_of_an_invoiced_order(self):
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 400.0},
                {"product": self.product_b, "qty": 4, "price": 600.0},
            ],
            partner=self.partner_30(),
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_state, "waiting_payment")
        copy = order.copy()
        self.assertFalse(copy.prepmt_move_ids)
        self.assertToInvoice(copy, [1200.0, 720.0])
        self.assertEqual(copy.prepmt_amount_outstanding, 0.0)


class TestSaleForm(FormScenarios, SalePrepaymentCase):
    pass


class TestPurchaseForm(FormScenarios, PurchasePrepaymentCase):
    pass
