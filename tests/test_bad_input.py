"""Issue #5: bad input, through the ORM and through JSON-RPC against a real HTTP server.

Every refusal must be a UserError / ValidationError / AccessError (over JSON-RPC: an error
payload whose ``data.name`` names that exception, never an HTTP 500 or a psycopg2 error)
with a clear text, and must write nothing.
"""

import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import HttpCase

from .common import PurchasePrepaymentCase, SalePrepaymentCase

ODOO_ERRORS = (
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
)


class BadInputScenarios:
    @property
    def order_type(self):
        return "sale" if self.side.inbound else "purchase"

    def cancel(self, order):
        if self.side.inbound:
            order._action_cancel()
        else:
            order.button_cancel()

    def moves_of(self, order):
        return self.env["account.move"].search([(order._prepmt_move_link_field, "=", order.id)])

    def test_rule_bad_values(self):
        Rule = self.env["prepayment.rule"]
        count = Rule.search_count([])
        today = fields.Date.today()
        for vals, regex in [
            ({"percent": -0.01}, "between 0 and 100"),
            ({"percent": 100.01}, "between 0 and 100"),
            (
                {"percent": 10, "date_start": today, "date_end": today - timedelta(days=1)},
                "Valid From",
            ),
        ]:
            with self.assertRefused(ValidationError, regex):
                Rule.create({"order_type": self.order_type, **vals})
        rule = Rule.create({"order_type": self.order_type, "percent": 10})
        with self.assertRefused(ValidationError, "between 0 and 100"):
            rule.percent = 250
        with self.assertRefused(ValidationError, "Valid From"):
            rule.write({"date_start": today, "date_end": today - timedelta(days=3)})
        self.assertEqual(rule.percent, 10)
        self.assertFalse(rule.date_start)
        self.assertEqual(Rule.search_count([]), count + 1)

    def test_archived_rule_does_not_apply(self):
        rule = self.env["prepayment.rule"].create(
            {
                "order_type": self.order_type,
                "percent": 40,
                "product_tmpl_id": self.product_a.product_tmpl_id.id,
            }
        )
        self.assertEqual(self.new_order().order_line.prepmt_percent, 40.0)
        rule.active = False
        order = self.new_order()
        self.assertEqual(order.order_line.prepmt_percent, 0.0)
        order.action_apply_prepmt_rules()
        self.assertEqual(order.order_line.prepmt_percent, 0.0)

    def test_wizard_amounts(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 300.0},
                {"product": self.product_b, "qty": 1, "price": 100.0},
            ],
            percent=50,
        )
        self.side.confirm(order)
        wizard = self.open_prepmt_wizard(order)
        for amount in (200.01, 1e9, -1.0, 0.0, 0.001):
            wizard.amount = amount
            with self.assertRefused(ValidationError, "more than 0 and at most"):
                wizard.action_create_invoice()
            self.assertFalse(self.moves_of(order))
            self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        # the order went away under the wizard
        gone = self.env[wizard._name].create(
            {"res_model": order._name, "res_id": order.id + 10**6, "amount": 10.0}
        )
        with self.assertRefused(UserError, "no longer exists"):
            gone.action_create_invoice()

    def test_states_that_forbid_the_action(self):
        order = self.new_order(percent=30)
        # quotation without the setting
        self.assertFalse(self.company.prepmt_allow_quotation)
        with self.assertRefused(UserError, "Confirm .* before issuing a prepayment document"):
            order.action_create_prepmt_invoice()
        with self.assertRefused(UserError, "Confirm"):
            order.action_open_prepmt_invoice_wizard()
        self.assertFalse(self.moves_of(order))
        # cancelled order
        self.side.confirm(order)
        self.cancel(order)
        self.assertEqual(order.state, "cancel")
        with self.assertRefused(UserError, "Confirm"):
            order.action_create_prepmt_invoice()
        with self.assertRefused(UserError, "no outstanding prepayment|Confirm"):
            order.action_create_prepmt_credit_memo()
        self.assertFalse(self.moves_of(order))
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)

    def test_line_and_header_bad_values(self):
        order = self.new_order(percent=30)
        line = order.order_line
        for vals, exc in [
            ({"prepmt_percent": -5}, ValidationError),
            ({"prepmt_percent": 100.5}, ValidationError),
            ({"prepmt_amount": -1}, ValidationError),
            ({"prepmt_amount": 1000.01}, ValidationError),
        ]:
            with self.assertRefused(exc, "."):
                line.write(vals)
            self.assertEqual((line.prepmt_percent, line.prepmt_amount), (30.0, 300.0))
        for vals in ({"prepmt_amount": -1}, {"prepmt_amount": 1000.01}):
            with self.assertRefused(ValidationError, "."):
                order.write(vals)
            self.assertEqual((order.prepmt_percent, order.prepmt_amount), (30.0, 300.0))
            self.assertEqual(line.prepmt_percent, 30.0)

    def test_header_percent_out_of_bounds(self):
        order = self.new_order(percent=30)
        for value in (-1, 101):
            with self.assertRefused(ValidationError, "between 0 and 100"):
                order.write({"prepmt_percent": value})
            self.assertEqual((order.prepmt_percent, order.prepmt_amount), (30.0, 300.0))
            self.assertEqual(order.order_line.prepmt_percent, 30.0)

    def test_line_created_with_percent_out_of_bounds(self):
        for value in (-10, 150):
            with self.assertRefused(ValidationError, "between 0 and 100"):
                self.new_order(
                    [{"product": self.product_a, "qty": 1, "price": 100.0, "prepmt_percent": value}]
                )


class TestSaleBadInput(BadInputScenarios, SalePrepaymentCase):
    pass


class TestPurchaseBadInput(BadInputScenarios, PurchasePrepaymentCase):
    pass


class TestBadInputJsonRpc(HttpCase):
    """The same refusals over /web/dataset/call_kw: clean error payloads, nothing written."""

    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "RPC customer"})
        cls.product = cls.env["product.product"].create(
            {
                "name": "RPC product",
                "list_price": 100.0,
                "invoice_policy": "order",
                "taxes_id": False,
                "supplier_taxes_id": False,
            }
        )

    def setUp(self):
        super().setUp()
        self.authenticate("admin", "admin")

    def call(self, model, method, *args, **kwargs):
        """Return the decoded JSON-RPC response; the HTTP status must be 200."""
        payload = {
            "id": 1,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        return response.json()

    def assertRpcRefused(self, response, names=ODOO_ERRORS, regex="."):
        self.assertIn("error", response, f"not refused: {response}")
        data = response["error"]["data"]
        self.assertFalse(data["name"].startswith("psycopg2"), data["name"])
        self.assertIn(data["name"], names, data.get("debug", "")[-1500:])
        self.assertRegex(data["message"], regex)
        self.env.invalidate_all()
        return data

    def sale_order(self, **vals):
        return self.env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                **vals,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 2,
                            "price_unit": 100.0,
                            "tax_id": False,
                        },
                    )
                ],
            }
        )

    def test_rule_values(self):
        Rule = self.env["prepayment.rule"]
        count = Rule.search_count([])
        today = fields.Date.today()
        for vals, regex in [
            ({"order_type": "sale", "percent": 150}, "between 0 and 100"),
            ({"order_type": "purchase", "percent": -3}, "between 0 and 100"),
            (
                {
                    "order_type": "sale",
                    "percent": 5,
                    "date_start": str(today),
                    "date_end": str(today - timedelta(days=1)),
                },
                "Valid From",
            ),
        ]:
            self.assertRpcRefused(
                self.call("prepayment.rule", "create", vals),
                ("odoo.exceptions.ValidationError",),
                regex,
            )
        self.assertEqual(Rule.search_count([]), count)

    def test_wrong_types(self):
        """Wrong types never reach the database as a psycopg2 error / HTTP 500."""
        Rule = self.env["prepayment.rule"]
        count = Rule.search_count([])
        for vals in (
            {"order_type": "sale", "percent": "abc"},
            {"order_type": "sale", "percent": [1, 2]},
            # (a malformed date or many2one id string reaches PostgreSQL in Odoo
            # core itself, psycopg2 InvalidDatetimeFormat / InvalidTextRepresentation
            # for every model: not the addon's, not tested here)
            {"order_type": "nonsense", "percent": 5},
        ):
            response = self.call("prepayment.rule", "create", vals)
            self.assertIn("error", response, vals)
            data = response["error"]["data"]
            self.assertFalse(data["name"].startswith("psycopg2"), (vals, data["name"]))
        self.assertEqual(Rule.search_count([]), count)
        order = self.sale_order()
        order.action_confirm()
        response = self.call(
            "sale.order.line", "write", order.order_line.ids, {"prepmt_percent": "fifty"}
        )
        self.assertIn("error", response)
        self.assertFalse(response["error"]["data"]["name"].startswith("psycopg2"))
        order.order_line.invalidate_recordset()
        self.assertEqual(order.order_line.prepmt_percent, 0.0)

    def test_line_percent_and_amount(self):
        order = self.sale_order(prepmt_percent=20)
        order.action_confirm()
        line = order.order_line
        for vals in ({"prepmt_percent": -5}, {"prepmt_percent": 100.5}, {"prepmt_amount": -1}):
            self.assertRpcRefused(
                self.call("sale.order.line", "write", line.ids, vals),
                ("odoo.exceptions.ValidationError",),
            )
            line.invalidate_recordset()
            self.assertEqual((line.prepmt_percent, line.prepmt_amount), (20.0, 40.0))

    def test_actions_in_wrong_states(self):
        quotation = self.sale_order(prepmt_percent=50)
        data = self.assertRpcRefused(
            self.call("sale.order", "action_create_prepmt_invoice", quotation.ids),
            ("odoo.exceptions.UserError",),
            "Confirm",
        )
        self.assertIn(quotation.name, data["message"])
        cancelled = self.sale_order(prepmt_percent=50)
        cancelled.action_confirm()
        cancelled._action_cancel()
        self.assertRpcRefused(
            self.call("sale.order", "action_create_prepmt_invoice", cancelled.ids),
            ("odoo.exceptions.UserError",),
            "Confirm",
        )
        self.assertRpcRefused(
            self.call("sale.order", "action_create_prepmt_credit_memo", cancelled.ids),
            ("odoo.exceptions.UserError",),
        )
        self.assertRpcRefused(
            self.call("sale.order", "action_create_prepmt_invoice", [10**8]),
            ("odoo.exceptions.MissingError", "odoo.exceptions.UserError"),
        )
        self.assertFalse(
            self.env["account.move"].search(
                [("prepmt_sale_order_id", "in", (quotation | cancelled).ids)]
            )
        )

    def test_wizard_amount_above_due(self):
        order = self.sale_order(prepmt_percent=50)
        order.action_confirm()
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        for amount in (100.01, -5, 0):
            created = self.call(
                "prepayment.invoice.wizard",
                "create",
                {"res_model": "sale.order", "res_id": order.id, "amount": amount},
            )
            self.assertIn("result", created, created)
            self.assertRpcRefused(
                self.call(
                    "prepayment.invoice.wizard", "action_create_invoice", [created["result"]]
                ),
                ("odoo.exceptions.ValidationError",),
                "more than 0 and at most",
            )
        self.assertFalse(self.env["account.move"].search([("prepmt_sale_order_id", "=", order.id)]))
        order.invalidate_recordset()
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        created = self.call(
            "prepayment.invoice.wizard",
            "create",
            {"res_model": "sale.order", "res_id": order.id, "amount": 60},
        )
        result = self.call(
            "prepayment.invoice.wizard", "action_create_invoice", [created["result"]]
        )
        self.assertIn("result", result, result)
        order.invalidate_recordset()
        self.assertEqual(order.prepmt_amount_invoiced, 60.0)

    def test_access_error_payload(self):
        from odoo.tests import new_test_user

        new_test_user(self.env, "rpc_salesman", groups="sales_team.group_sale_salesman")
        self.authenticate("rpc_salesman", "rpc_salesman")
        self.assertRpcRefused(
            self.call("prepayment.rule", "create", {"order_type": "sale", "percent": 10}),
            ("odoo.exceptions.AccessError",),
        )
