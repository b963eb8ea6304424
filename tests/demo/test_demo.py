"""The demo that `scripts/demo.sh` builds, checked the way a new user meets it.

Run by `scripts/demo.sh --check` (and so by `.ci/run`) on the demo database `prepmt_demo`,
after the script set the administrator up: never part of `scripts/test.sh`'s databases, where
the administrator has no home action (the test is skipped there).
"""

import json
import os

from odoo.tests import HttpCase


class TestDemo(HttpCase):
    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def setUp(self):
        super().setUp()
        self.order = self.env.ref("prepayment_addon.demo_sale_order_1", raise_if_not_found=False)
        action = self.env.ref("prepayment_addon.demo_action_sale_order_1", raise_if_not_found=False)
        admin = self.env.ref("base.user_admin")
        # (action_id is an ir.actions.actions record: compare ids with the act_window)
        if not self.order or not action or admin.action_id.id != action.id:
            message = (
                "not the database of scripts/demo.sh "
                "(the admin's home action is not the demo order)"
            )
            # scripts/demo.sh --check sets PREPMT_DEMO_CHECK: there, a demo not set up fails
            self.assertFalse(os.environ.get("PREPMT_DEMO_CHECK"), message)
            self.skipTest(message)

    def test_login_with_the_readme_password(self):
        """admin / admin, as the README says, through the web client's own login route."""
        self.authenticate(None, None)  # a session without a user, as a browser has at first
        response = self.url_open(
            "/web/session/authenticate",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {"db": self.env.cr.dbname, "login": "admin", "password": "admin"},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        result = response.json()
        self.assertNotIn("error", result, result.get("error"))
        self.assertEqual(result["result"]["uid"], self.env.ref("base.user_admin").id)
        # the web client then loads the home action: the demo order
        self.assertEqual(
            self.env.ref("base.user_admin").action_id.id,
            self.env.ref("prepayment_addon.demo_action_sale_order_1").id,
        )

    def test_landing_order(self):
        """The order the administrator lands on has what the README promises: confirmed, a
        posted prepayment invoice, a line on each of the two prepayment accounts."""
        order = self.order
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.prepmt_amount > 0)
        moves = order.prepmt_move_ids
        self.assertEqual(moves.mapped("state"), ["posted"])
        self.assertEqual(moves.amount_untaxed, order.prepmt_amount_invoiced)
        accounts = moves.invoice_line_ids.account_id
        self.assertEqual(len(accounts), 2, "the Made to Order category's account and the company's")

    def test_landing_tour(self):
        """In the browser: admin lands on the demo order, opens its Prepayment tab and the
        prepayment invoice behind the smart button (no JavaScript error on the way)."""
        self.start_tour("/odoo", "prepayment_addon_demo_tour", login="admin")
