"""Two real transactions on the same order: two users cannot invoice or credit the same
prepayment twice.

The test cursor's data is invisible to other transactions, so each test builds its order in
its own committed transaction, races two other transactions (two threads, each with its own
cursor), checks the committed ledger, then deletes everything it committed.  The file is
named ``test_zz_*`` so that it runs last.

Acceptable outcomes for the loser of a race: the addon's UserError ("Another user is working
on the prepayment of ..."), a PostgreSQL serialization failure / lock timeout (Odoo retries such
a request, which then sees the winner's work), or the UserError a retry gives.  Never: two
documents for the same amount, or a ledger that does not add up.
"""

import threading
import time
import traceback
from contextlib import contextmanager

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase

RETRYABLE = (pg_errors.SerializationFailure, pg_errors.LockNotAvailable, pg_errors.DeadlockDetected)


class TestConcurrency(TransactionCase):
    test_tags = {"standard", "at_install", "prepayment_addon", "concurrency"}
    test_module = "prepayment_addon"

    # ------------------------------------------------------------------
    @contextmanager
    def committed_env(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            yield env
            cr.commit()

    def setUp(self):
        super().setUp()
        self.created = {}
        with self.committed_env() as env:
            company = env.ref("base.main_company")
            self.assertTrue(company.prepmt_sale_account_id, "main company needs a chart")
            partner = env["res.partner"].create({"name": "Concurrency customer"})
            product = env["product.product"].create(
                {
                    "name": "Concurrency product",
                    "list_price": 100.0,
                    "invoice_policy": "order",
                    "taxes_id": False,
                }
            )
            order = (
                env["sale.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            (
                                0,
                                0,
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": 10,
                                    "price_unit": 100.0,
                                    "tax_id": False,
                                },
                            )
                        ],
                    }
                )
            )
            order.prepmt_percent = 30
            order.action_confirm()
            self.created = {"partner": partner.id, "product": product.id, "order": order.id}
        self.addCleanup(self.cleanup)

    def cleanup(self):
        with self.committed_env() as env:
            order = env["sale.order"].browse(self.created["order"]).exists()
            if order:
                moves = (order.prepmt_move_ids | order.invoice_ids).with_context(force_delete=True)
                moves.filtered(lambda m: m.state == "posted").button_draft()
                moves.unlink()
                order.with_context(disable_cancel_warning=True)._action_cancel()
                order.unlink()
            env["product.product"].browse(self.created["product"]).product_tmpl_id.unlink()
            env["res.partner"].browse(self.created["partner"]).unlink()

    # ------------------------------------------------------------------
    def race(self, first, second, hold=1.0, delay=0.3):
        """Run ``first`` and ``second`` in two transactions: ``first`` acts at once and
        keeps its transaction (and locks) open ``hold`` seconds before committing;
        ``second`` acts ``delay`` seconds after ``first`` started.  Return the outcomes
        (``"ok"`` or the exception) in that order."""
        outcomes = [None, None]
        barrier = threading.Barrier(2)
        order_id = self.created["order"]

        def run(index, func, pause_before, pause_after):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    # open the transaction (and its snapshot) at the same time
                    cr.execute("SELECT 1")
                    barrier.wait(timeout=10)
                    time.sleep(pause_before)
                    cr.execute("SET LOCAL lock_timeout = '5s'")
                    func(env["sale.order"].browse(order_id))
                    env.flush_all()
                    time.sleep(pause_after)
                    cr.commit()
                outcomes[index] = "ok"
            except Exception as exc:  # noqa: BLE001 - the outcome is what we test
                exc.formatted_tb = traceback.format_exc()
                outcomes[index] = exc

        threads = [
            threading.Thread(target=run, args=(0, first, 0.0, hold)),
            threading.Thread(target=run, args=(1, second, delay, 0.0)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
            self.assertFalse(thread.is_alive(), "a transaction hung")
        return outcomes

    def assertLoserOutcome(self, outcome, regex=None):
        self.assertIsInstance(
            outcome, (UserError, *RETRYABLE), getattr(outcome, "formatted_tb", repr(outcome))
        )
        if isinstance(outcome, UserError) and regex:
            self.assertRegex(str(outcome), regex)

    def committed_ledger(self):
        """The ledger of the committed data, from the journal items themselves."""
        with self.committed_env() as env:
            order = env["sale.order"].browse(self.created["order"])
            account = order.company_id.prepmt_sale_account_id
            docs = (order.prepmt_move_ids | order.invoice_ids).filtered(
                lambda m: m.state == "posted"
            )
            invoiced = deducted = 0.0
            for alloc in docs.line_ids.prepmt_allocation_ids:
                if alloc.kind == "prepayment":
                    invoiced += alloc.signed_amount
                else:
                    deducted += alloc.signed_amount
            balance = -sum(
                docs.line_ids.filtered(lambda ln: ln.account_id == account).mapped("balance")
            )
            line = order.order_line
            self.assertAlmostEqual(line.prepmt_amount_invoiced, invoiced, places=2)
            self.assertAlmostEqual(line.prepmt_amount_deducted, deducted, places=2)
            self.assertGreaterEqual(round(deducted, 2), 0)
            self.assertLessEqual(
                round(deducted - invoiced, 2), 0, f"deducted {deducted} > invoiced {invoiced}"
            )
            self.assertLessEqual(round(invoiced - line.prepmt_amount, 2), 0)
            self.assertAlmostEqual(balance, invoiced - deducted, places=2)
            return {
                "invoiced": invoiced,
                "deducted": deducted,
                "prepmt_docs": [
                    (m.move_type, m.amount_untaxed)
                    for m in order.prepmt_move_ids.filtered(lambda m: m.state == "posted").sorted(
                        "id"
                    )
                ],
                "drafts": len(
                    (order.prepmt_move_ids | order.invoice_ids).filtered(
                        lambda m: m.state == "draft"
                    )
                ),
            }

    # ------------------------------------------------------------------
    # (regression: the loser once got InFailedSqlTransaction instead of the UserError)
    def test_two_users_click_prepayment_invoice(self):
        invoice = lambda order: order.action_create_prepmt_invoice()  # noqa: E731
        outcomes = self.race(invoice, invoice)
        self.assertEqual(outcomes[0], "ok", repr(outcomes[0]))
        self.assertLoserOutcome(outcomes[1], "Another user is working on the prepayment")
        ledger = self.committed_ledger()
        self.assertEqual(ledger["prepmt_docs"], [("out_invoice", 300.0)])
        # the loser's retry (what Odoo does after a serialization failure) finds nothing
        with self.assertRaisesRegex(UserError, "no prepayment left to invoice"):
            with self.committed_env() as env:
                env["sale.order"].browse(self.created["order"]).action_create_prepmt_invoice()
        self.assertEqual(self.committed_ledger()["prepmt_docs"], [("out_invoice", 300.0)])

    def test_stale_snapshot_cannot_invoice_again(self):
        """The second transaction read the order before the first committed: it must not
        invoice from its stale view once the first has committed."""
        invoice = lambda order: order.action_create_prepmt_invoice()  # noqa: E731
        outcomes = self.race(invoice, invoice, hold=0.0, delay=1.0)
        self.assertEqual(outcomes[0], "ok", repr(outcomes[0]))
        self.assertLoserOutcome(outcomes[1], "no prepayment left|Another user")
        self.assertEqual(self.committed_ledger()["prepmt_docs"], [("out_invoice", 300.0)])

    # (regression: the loser once got InFailedSqlTransaction instead of the UserError)
    def test_wizard_and_button_at_once(self):
        def wizard(order):
            wiz = order.env["prepayment.invoice.wizard"].create(
                {"res_model": "sale.order", "res_id": order.id, "amount": 100.0}
            )
            wiz.action_create_invoice()

        outcomes = self.race(wizard, lambda order: order.action_create_prepmt_invoice())
        self.assertEqual(outcomes[0], "ok", repr(outcomes[0]))
        self.assertLoserOutcome(outcomes[1], "Another user")
        self.assertEqual(self.committed_ledger()["prepmt_docs"], [("out_invoice", 100.0)])

    def _invoiced_order(self):
        with self.committed_env() as env:
            env["sale.order"].browse(self.created["order"]).action_create_prepmt_invoice()

    def final_invoice(self, order):
        moves = order._create_invoices()
        moves.action_post()

    def credit_memo(self, order):
        order.action_create_prepmt_credit_memo()

    def check_final_vs_credit(self, outcomes):
        ok = [o for o in outcomes if o == "ok"]
        self.assertTrue(ok, repr(outcomes))
        for outcome in outcomes:
            if outcome != "ok":
                self.assertLoserOutcome(outcome)
        ledger = self.committed_ledger()
        # both consumed the same 300 at most once: outstanding is never negative
        self.assertLessEqual(round(ledger["deducted"] - ledger["invoiced"], 2), 0)
        # a retry of the loser keeps the ledger right
        with self.committed_env() as env:
            order = env["sale.order"].browse(self.created["order"])
            if order.invoice_status == "to invoice":
                self.final_invoice(order)
            elif order.prepmt_amount_outstanding > 0:
                self.credit_memo(order)
        ledger = self.committed_ledger()
        self.assertAlmostEqual(ledger["invoiced"] - ledger["deducted"], 0.0, places=2)
        return ledger

    # (regression: the loser once got InFailedSqlTransaction instead of the UserError)
    def test_final_invoice_races_credit_memo(self):
        self._invoiced_order()
        outcomes = self.race(self.final_invoice, self.credit_memo)
        self.check_final_vs_credit(outcomes)

    def test_credit_memo_races_final_invoice(self):
        self._invoiced_order()
        outcomes = self.race(self.credit_memo, self.final_invoice)
        self.check_final_vs_credit(outcomes)

    def test_cleanup_leaves_nothing(self):
        """(checks the cleanup of the others: nothing of these tests stays committed)"""
        with self.committed_env() as env:
            self.assertEqual(
                env["sale.order"].search_count(
                    [
                        ("partner_id.name", "=", "Concurrency customer"),
                        ("id", "!=", self.created["order"]),
                    ]
                ),
                0,
            )
            self.assertEqual(
                env["account.move"].search_count(
                    [("partner_id.name", "=", "Concurrency customer")]
                ),
                0,
            )
