"""A third order type plugs in: the shared flow on ``prepayment.test.order``.

The order model of the test-only addon ``tests/addons/prepayment_test_order`` declares the
adapter contract of ``prepayment.order.mixin`` / ``prepayment.line.mixin`` and nothing else
of the engine; the scenarios of the sales and purchase flows run on it unchanged: prepayment
invoice, final invoices that deduct, the prepayment credit memo, the ledger checked to the
cent, and the Open Prepayments analysis and the reminder picking it up.

scripts/test.sh puts ``tests/addons`` on the addons path and installs the addon in
prepmt_test (``PREPMT_TEST_EXTRA_ADDONS``); these tests fail when it is missing, unless
``PREPMT_TEST_EXTRA_ADDONS`` is set without it.
"""

import os
import unittest
from datetime import timedelta

from odoo import fields
from odoo.fields import Command

from .common import PrepaymentCase, SaleSide
from .test_flow import FlowScenarios

TEST_ADDON = "prepayment_test_order"


class ThirdSide(SaleSide):
    """The driver of the test order: a customer order without views (made with the ORM),
    whose lines invoice what is delivered."""

    order_model = "prepayment.test.order"
    line_model = "prepayment.test.order.line"
    qty_field = "product_qty"
    tax_field = "tax_ids"
    inbound = True

    def create_order(self, partner, lines, **vals):
        values = {"partner_id": partner.id}
        for name, value in vals.items():
            values[name] = value.id if hasattr(value, "_name") else value
        values["order_line"] = [Command.create(self.line_vals(**spec)) for spec in lines]
        return self.env[self.order_model].create(values)

    def confirm(self, order):
        order.action_confirm()

    def deliver(self, line, qty):
        line.qty_delivered = qty

    def final_invoice(self, order, post=True):
        moves = order._create_invoices()
        if post:
            moves.action_post()
        return moves

    def cancel(self, order):
        order.action_cancel()


class TestThirdOrderType(PrepaymentCase):
    side_class = ThirdSide

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if ThirdSide.order_model not in cls.env:
            extra = os.environ.get("PREPMT_TEST_EXTRA_ADDONS", TEST_ADDON)
            if TEST_ADDON in extra:
                raise AssertionError(
                    f"{TEST_ADDON} is not installed: scripts/test.sh installs it from "
                    "tests/addons (PREPMT_TEST_EXTRA_ADDONS)"
                )
            raise unittest.SkipTest(f"{TEST_ADDON} not installed (PREPMT_TEST_EXTRA_ADDONS)")

    # the shared scenarios of the sales and purchase flows, unchanged
    test_full_workflow = FlowScenarios.test_full_workflow
    test_partial_final_invoices_lose_no_cent = (
        FlowScenarios.test_partial_final_invoices_lose_no_cent
    )
    test_partial_rounding_uneven = FlowScenarios.test_partial_rounding_uneven
    test_lower_amount_with_wizard = FlowScenarios.test_lower_amount_with_wizard
    test_credit_memo = FlowScenarios.test_credit_memo
    test_reverse_and_reset_final_invoice_give_deduction_back = (
        FlowScenarios.test_reverse_and_reset_final_invoice_give_deduction_back
    )
    test_cancel_final_invoice_gives_deduction_back = (
        FlowScenarios.test_cancel_final_invoice_gives_deduction_back
    )
    test_prepayment_invoice_cannot_be_reset_while_deducted = (
        FlowScenarios.test_prepayment_invoice_cannot_be_reset_while_deducted
    )

    def test_the_engine_finds_it(self):
        Mixin = self.env["prepayment.order.mixin"]
        self.assertIn(ThirdSide.order_model, Mixin._prepmt_order_models())
        self.assertIn(ThirdSide.line_model, self.env["prepayment.line.mixin"]._prepmt_line_models())
        self.assertIn("prepmt_test_order_id", self.env["account.move"]._prepmt_link_fields())
        self.assertIn("test_line_id", self.env["prepayment.allocation"]._prepmt_line_fields())

    def test_open_prepayments_and_reminder(self):
        order = self.new_order(
            [{"product": self.product_a, "qty": 10, "price": 100.0}],
            percent=30,
            payment_term_id=self.env.ref("account.account_payment_term_immediate"),
        )
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.prepmt_test_order_id, order)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        # Open Prepayments: a customer prepayment row of its own, the account's balance
        Analysis = self.env["prepayment.analysis"]
        self.env.flush_all()  # (a view of the tables: what is written to them)
        rows = Analysis.search(
            [("order_model", "=", ThirdSide.order_model), ("order_ref", "=", order.id)]
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual(
            (rows.order_type, rows.order_name, rows.account_id, rows.prepmt_state),
            ("sale", order.name, self.prepmt_account(), "waiting_payment"),
        )
        self.assertEqual((rows.required, rows.invoiced, rows.outstanding), (300.0, 300.0, 300.0))
        self.assertEqual(rows.outstanding_company, 300.0)
        self.assertFalse(rows.prepmt_overdue)
        # overdue: the analysis filter and the daily reminder find it too
        move.invoice_date_due = fields.Date.today() - timedelta(days=2)
        self.assertTrue(order.prepmt_overdue)
        self.env.flush_all()
        self.assertIn(rows, Analysis.search([("prepmt_overdue", "=", True)]))
        self.env.ref("prepayment_addon.ir_cron_prepayment_reminder").method_direct_trigger()
        self.assertEqual(order.prepmt_reminded_due_date, move.invoice_date_due)
        self.assertEqual(len(order.activity_ids), 1)
        self.assertLedger(order)
