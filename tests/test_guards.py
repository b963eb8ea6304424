"""Each guard refuses with a clear message and changes nothing."""

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class GuardScenarios:
    def invoiced_order(self, percent=30):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=percent,
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        return order

    def test_delete_line_with_outstanding(self):
        # Odoo itself forbids deleting lines of confirmed orders: use a quotation
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        order.action_create_prepmt_invoice()
        before = self.snapshot(order)
        with self.assertRefused(UserError, "post a prepayment credit memo first"):
            order.order_line[0].unlink()
        self.assertUnchanged(order, before)
        order.action_create_prepmt_credit_memo()
        order.order_line[0].unlink()
        self.assertEqual(len(order.order_line), 1)
        self.assertLedger(order, reduced_after_credit=True)

    def test_delete_quotation_with_outstanding(self):
        # the lines of a deleted order go by cascade: the order asks the line guard itself
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual((order.state, move.state), ("draft", "posted"))
        before = self.snapshot(order)
        with self.assertRefused(
            UserError,
            r"^Line .* of %s has an invoiced prepayment of .*300\.00 that was not "
            r"deducted: post a prepayment credit memo first \(the Prepayment (Credit Memo|Refund) "
            r"button, with only this line chosen to credit it alone\), then delete the line\.$"
            % order.name,
        ):
            order.unlink()
        self.assertUnchanged(order, before)
        self.assertEqual(move._prepmt_order(), order)
        self.assertLedger(order)
        # after the credit memo, the quotation can go
        order.action_create_prepmt_credit_memo()
        if not self.side.inbound:
            order.button_cancel()  # Odoo deletes only cancelled purchase orders
        order.unlink()
        self.assertFalse(order.exists())

    def test_cancel_order_with_outstanding(self):
        order = self.invoiced_order()
        before = self.snapshot(order)
        cancel = (
            order._action_cancel if self.side.order_model == "sale.order" else order.button_cancel
        )
        with self.assertRefused(UserError, "post a prepayment credit memo first"):
            cancel()
        self.assertUnchanged(order, before)
        # after the credit memo, the order can be cancelled
        order.action_create_prepmt_credit_memo()
        cancel()
        self.assertEqual(order.state, "cancel")
        self.assertLedger(order)

    def test_shrinking_below_invoiced(self):
        order = self.invoiced_order()
        line = order.order_line[0]
        for vals in (
            {self.side.qty_field: 5, "price_unit": 100.0},
            {"price_unit": 50.0},
            {"discount": 20.0},
            {"prepmt_percent": 10.0},
            {"prepmt_amount": 100.0},
        ):
            before = self.snapshot(order)
            with self.assertRefused(UserError, "less than the .* already invoiced"):
                line.write(vals)
            self.assertUnchanged(order, before)
        # growing is fine
        line.write({self.side.qty_field: 11, "price_unit": 100.0})
        self.assertEqual(line.prepmt_amount, 330.0)
        self.assertLedger(order)

    def test_header_percent_or_amount_below_invoiced(self):
        order = self.invoiced_order()
        before = self.snapshot(order)
        with self.assertRaises(UserError):
            order.prepmt_percent = 10
        self.assertUnchanged(order, before)
        with self.assertRaises(UserError):
            order.prepmt_amount = 100.0
        self.assertUnchanged(order, before)

    def test_locked_header_fields(self):
        order = self.invoiced_order()
        before = self.snapshot(order)
        currency = self.setup_other_currency("EUR")
        fpos = self.env["account.fiscal.position"].create({"name": "Export"})
        for vals in (
            {"partner_id": self.partner_b.id},
            {"currency_id": currency.id},
            {"fiscal_position_id": fpos.id},
        ):
            with self.assertRefused(
                UserError, "post a prepayment credit memo first|Post a prepayment credit memo first"
            ):
                order.write(vals)
            self.assertUnchanged(order, before)
        # the same value again is no change
        order.write({"partner_id": order.partner_id.id})

    def test_locked_line_fields(self):
        order = self.invoiced_order()
        line = order.order_line[0]
        other_tax = self.side.taxes().copy({"name": "other", "amount": 5})
        before = self.snapshot(order)
        with self.assertRefused(UserError, "Post a prepayment credit memo first"):
            line.write({self.side.tax_field: [Command.set(other_tax.ids)]})
        self.assertUnchanged(order, before)
        with self.assertRefused(UserError, "Post a prepayment credit memo first"):
            line.write({"product_id": self.product_b.id})
        self.assertUnchanged(order, before)

    def test_percent_bounds(self):
        order = self.new_order()
        line = order.order_line
        for value in (-1, 100.5):
            with self.assertRaises(ValidationError):
                line.prepmt_percent = value
        with self.assertRaises(ValidationError):
            line.prepmt_amount = -5
        with self.assertRaises(ValidationError):
            line.prepmt_amount = line.price_subtotal + 1
        with self.assertRaises(ValidationError):
            order.prepmt_amount = -5
        field = "customer_prepmt_percent" if self.side.inbound else "vendor_prepmt_percent"
        with self.assertRaises(ValidationError):
            self.partner_b[field] = 101


class TestSaleGuards(GuardScenarios, SalePrepaymentCase):
    def test_pricelist_locked(self):
        self.company.prepmt_allow_quotation = True
        order = self.new_order(percent=30)
        order.action_create_prepmt_invoice()
        before = self.snapshot(order)
        pricelist = self.env["product.pricelist"].create({"name": "Other"})
        with self.assertRefused(UserError, "Pricelist"):
            order.pricelist_id = pricelist
        self.assertUnchanged(order, before)


class TestPurchaseGuards(GuardScenarios, PurchasePrepaymentCase):
    pass
