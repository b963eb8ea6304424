"""The demo data (issue 21): its orders belong to the administrator, who logs in to the
demo, not to OdooBot (the user that installs it): they are in *My Quotations* / *My
Purchases* and the portal names the administrator as the contact. Both sides."""

import unittest

from lxml import etree

from odoo.tests import TransactionCase
from odoo.tools.safe_eval import safe_eval

# order model: (the demo's orders, the order list's action, its "My ..." filter)
DEMO = {
    "sale.order": (
        (
            "prepayment_addon.demo_sale_order_1",
            "prepayment_addon.demo_sale_order_2",
            "prepayment_addon.demo_sale_order_3",
        ),
        "sale.action_quotations_with_onboarding",
        "my_quotation",
    ),
    "purchase.order": (
        ("prepayment_addon.demo_purchase_order_1",),
        "purchase.purchase_rfq",
        "my_purchases",
    ),
}


class TestDemoData(TransactionCase):
    test_tags = {"standard", "at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def demo_orders(self, model):
        xmlids = DEMO[model][0]
        orders = self.env[model].union(
            *(self.env.ref(xmlid, raise_if_not_found=False) or self.env[model] for xmlid in xmlids)
        )
        if len(orders) != len(xmlids):
            raise unittest.SkipTest("the database was built without demo data")
        return orders

    def my_filter_domain(self, model, user):
        """The domain of the order list's "My ..." filter, for ``user``."""
        _orders, action_xmlid, filter_name = DEMO[model]
        action = self.env.ref(action_xmlid)
        arch = self.env[model].get_views([(action.search_view_id.id, "search")])["views"]["search"][
            "arch"
        ]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{filter_name}']")[0]
        return safe_eval(node.get("domain"), {"uid": user.id})

    def test_demo_orders_belong_to_the_administrator(self):
        admin = self.env.ref("base.user_admin")
        for model in DEMO:
            orders = self.demo_orders(model)
            self.assertEqual(orders.user_id, admin, model)
            # their prepayment documents too (the salesperson / buyer of the document)
            self.assertTrue(orders.prepmt_move_ids)
            self.assertEqual(orders.prepmt_move_ids.invoice_user_id, admin)
            # in the administrator's "My Quotations" / "My Purchases"
            Orders = self.env[model].with_user(admin)
            domain = self.my_filter_domain(model, admin)
            self.assertEqual(Orders.search(domain + [("id", "in", orders.ids)]), orders)
        # the portal names the salesperson as the customer's contact: the administrator
        order = self.env.ref("prepayment_addon.demo_sale_order_1")
        self.assertEqual(order.user_id.partner_id, admin.partner_id)
