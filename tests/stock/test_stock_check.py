"""Bridge addon prepayment_addon_stock: deliveries and receipts wait for the prepayment.

These tests run on a database where Inventory is installed (scripts/test.sh builds one);
they are skipped elsewhere.
"""

import re

from odoo.exceptions import UserError
from odoo.fields import Command

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
        # a new request: nothing the test's own user read stays in the cache, so that what
        # the validating user may not read raises as it would in the web client
        picking.env.invalidate_all()
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

    # issue 22: the warehouse validates the pickings of orders it may not read
    def stock_user(self, own_orders_only=True):
        """A warehouse user without sales or purchase rights; ``own_orders_only``: a record
        rule lets them read only the orders they are responsible for (as a company may
        restrict them), so not the test's orders."""
        user = self.env["res.users"].create(
            {
                "name": "Warehouse Worker",
                "login": "prepmt_warehouse_worker",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("stock.group_stock_user").ids)],
            }
        )
        if own_orders_only:
            group = self.env["res.groups"].create(
                {"name": "Own orders only", "users": [Command.link(user.id)]}
            )
            self.env["ir.rule"].create(
                {
                    "name": "Own orders only",
                    "model_id": self.env["ir.model"]._get_id(self.side.order_model),
                    "groups": [Command.link(group.id)],
                    "domain_force": "[('user_id', '=', user.id)]",
                }
            )
        return user

    def test_stock_user_who_cannot_read_the_order_is_held_without_its_figures(self):
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        user = self.stock_user()
        self.assertFalse(order.with_user(user).has_access("read"))
        picking = self.picking(order).with_user(user)
        held = "delivery" if self.side.inbound else "receipt"
        with self.assertRefused(
            UserError,
            r"^The %s %s of %s cannot be validated yet\.\n%s still has prepayment to invoice: "
            r"its prepayment must be invoiced and paid first\.\nA manager can let the order "
            r"through"
            % (held, re.escape(picking.name), re.escape(order.name), re.escape(order.name)),
        ) as cm:
            self.validate(picking)
        self.assertNotIn("300.00", str(cm.exception))  # the order's figures are not theirs
        self.assertNotEqual(picking.state, "done")
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        with self.assertRefused(
            UserError,
            r"\nThe prepayment of %s is not paid yet: its payment must be registered first\."
            % re.escape(order.name),
        ) as cm:
            self.validate(picking)
        self.assertNotIn("300.00", str(cm.exception))
        self.assertNotEqual(picking.state, "done")
        self.pay(prepmt)
        self.validate(picking)
        self.assertEqual(picking.state, "done")

    def test_stock_user_validates_picking_of_order_not_held(self):
        # the check is on, the order needs no prepayment: nothing holds the picking, and the
        # user who may not read the order validates it as any other
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=0)
        self.side.confirm(order)
        self.assertEqual(order.prepmt_state, "none")
        user = self.stock_user()
        picking = self.picking(order).with_user(user)
        self.validate(picking)
        self.assertEqual(picking.state, "done")

    def test_stock_user_who_reads_the_order_gets_its_figures(self):
        # Odoo lets warehouse users read sales and purchase orders: without a rule against
        # it, they get the whole reason
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        user = self.stock_user(own_orders_only=False)
        self.assertTrue(order.with_user(user).has_access("read"))
        picking = self.picking(order).with_user(user)
        with self.assertRefused(
            UserError, r"%s still has .*300\.00.* of prepayment to invoice" % re.escape(order.name)
        ):
            self.validate(picking)
        self.assertNotEqual(picking.state, "done")

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
    def test_salesperson_validates_delivery_of_another_salespersons_order(self):
        # Odoo's sale_stock test_inventory_admin_no_backorder_not_own_sale_order, with the
        # check on: an inventory administrator who is a salesperson of their own orders only
        self.company.prepmt_sale_check = True
        self.stock_up()
        order = self.new_order(percent=30)
        self.side.confirm(order)
        user = self.env["res.users"].create(
            {
                "name": "Inventory Administrator",
                "login": "prepmt_inventory_admin",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [
                    Command.set(
                        (
                            self.env.ref("stock.group_stock_manager")
                            | self.env.ref("sales_team.group_sale_salesman")
                        ).ids
                    )
                ],
            }
        )
        self.assertFalse(order.with_user(user).has_access("read"))
        picking = self.picking(order).with_user(user)
        with self.assertRefused(UserError, "still has prepayment to invoice"):
            self.validate(picking)
        self.assertNotEqual(picking.state, "done")
        order.prepmt_check_override = True
        self.validate(picking)
        self.assertEqual(picking.state, "done")


class TestPurchaseStockCheck(StockCheckScenarios, PurchasePrepaymentCase):
    pass
