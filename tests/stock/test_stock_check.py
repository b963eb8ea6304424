"""Bridge addon prepayment_addon_stock: deliveries and receipts wait for the prepayment.

These tests run on a database where Inventory is installed (scripts/test.sh builds one);
they are skipped elsewhere.
"""

import re

from odoo.exceptions import UserError

from ..common import PurchasePrepaymentCase, SalePrepaymentCase


class StockCheckScenarios:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "prepayment_addon_stock" not in cls.env.registry._init_modules:
            cls.skipTest(cls, "prepayment_addon_stock is not installed in this database")
        (cls.product_a | cls.product_b).write({"is_storable": True})

    def stock_up(self):
        if self.side.inbound:  # deliveries need stock; receipts don't
            warehouse = self.env["stock.warehouse"].search(
                [("company_id", "=", self.company.id)], limit=1
            )
            self.env["stock.quant"]._update_available_quantity(
                self.product_a, warehouse.lot_stock_id, 100
            )

    def picking(self, order):
        return order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))

    def validate(self, picking):
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        return picking.button_validate()

    def test_picking_held_until_paid(self):
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        picking = self.picking(order)
        self.assertTrue(picking)
        with self.assertRefused(UserError, "to invoice"):
            self.validate(picking)
        self.assertNotEqual(picking.state, "done")
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        with self.assertRefused(UserError, "not paid yet"):
            self.validate(picking)
        self.assertNotEqual(picking.state, "done")
        self.pay(prepmt)
        self.validate(picking)
        self.assertEqual(picking.state, "done")

    def test_held_message_in_german(self):
        # the bridge's sentence (its i18n/de.po) and the main addon's reason, in the user's language
        self.env["res.lang"]._activate_lang("de_DE")
        self.env["ir.module.module"].search(
            [("name", "in", ("prepayment_addon", "prepayment_addon_stock"))]
        )._update_translations(["de_DE"])
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        picking = self.picking(order)
        held = "Die Lieferung" if self.side.inbound else "Der Wareneingang"
        with self.assertRefused(
            UserError,
            r"(?s)^%s %s von %s kann noch nicht validiert werden\..*%s hat noch .* "
            r"Vorauszahlung abzurechnen"
            % (held, re.escape(picking.name), re.escape(order.name), re.escape(order.name)),
        ):
            self.validate(picking.with_context(lang="de_DE"))
        self.assertNotEqual(picking.state, "done")

    def test_override_lets_picking_through(self):
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        order.prepmt_check_override = True
        picking = self.picking(order)
        self.validate(picking)
        self.assertEqual(picking.state, "done")

    def test_over_delivery_reaches_settled(self):
        """Issue 22: twelve delivered (received) of ten ordered with the prepayment paid,
        then invoiced: the invoice deducts all 300.00 and the order is Settled."""
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.pay(self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"]))
        picking = self.picking(order)
        picking.move_ids.quantity = 12
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        line = order.order_line
        self.assertEqual(line.qty_delivered if self.side.inbound else line.qty_received, 12)
        self.assertEqual(order.prepmt_state, "paid")
        final = self.side.final_invoice(order)
        self.assertEqual(final.prepmt_deduction_amount, 300.0)
        self.assertEqual(final.amount_untaxed, 1200.0 - 300.0)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(order.prepmt_state, "settled")
        self.assertLedger(order)


class TestSaleStockCheck(StockCheckScenarios, SalePrepaymentCase):
    pass


class TestPurchaseStockCheck(StockCheckScenarios, PurchasePrepaymentCase):
    pass
