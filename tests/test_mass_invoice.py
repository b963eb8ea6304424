"""Issue 14 (part 3): prepayment invoices of many orders at once, from the order lists.

Up to the company's threshold at once (orders without anything to invoice skipped, one
order's failure leaving the others invoiced); above it queued in a batch that the scheduled
action works through in chunks (here called directly: the test transaction cannot commit),
reporting its progress, each failure on the order's chatter, with the access rights of the
user who asked. Every scenario runs on both sides.
"""

import os

from lxml import etree

from odoo import Command, http, sql_db
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import PurchasePrepaymentCase, SalePrepaymentCase

LIST_ACTIONS = {
    "sale.order": "prepayment_addon.action_sale_order_mass_prepmt_invoice",
    "purchase.order": "prepayment_addon.action_purchase_order_mass_prepmt_invoice",
}


class MassScenarios:
    def confirmed(self, percent=30, **kw):
        order = self.new_order(percent=percent, **kw)
        self.side.confirm(order)
        return order

    def orders(self, count, percent=30):
        return self.env[self.side.order_model].union(
            *(self.confirmed(percent=percent) for _i in range(count))
        )

    def run_list_action(self, orders):
        """Actions > Create Prepayment Invoices / Bills of the order list, with ``orders``
        selected (the bound server action, as the web client runs it)."""
        action = self.env.ref(LIST_ACTIONS[orders._name])
        self.assertEqual(action.binding_model_id.model, orders._name)
        self.assertEqual(action.binding_view_types, "list")
        return action.with_context(
            active_model=orders._name, active_ids=orders.ids, active_id=orders[:1].id
        ).run()

    def set_threshold(self, value):
        """Settings > Sales / Purchase > Prepayments, as the user sets it."""
        with Form(self.env["res.config.settings"]) as settings:
            settings.prepmt_mass_invoice_threshold = value
        settings.save().execute()
        self.assertEqual(self.company.prepmt_mass_invoice_threshold, value)

    def run_cron(self, **kwargs):
        """The scheduled action's code, in a progress record as Odoo's cron runner gives it:
        ``(done, remaining)`` it reported."""
        cron = self.env.ref("prepayment_addon.ir_cron_prepayment_invoice_batch")
        cron, progress = cron._add_progress()
        self.env["prepayment.invoice.batch"].with_context(
            ir_cron_progress_id=progress.id
        ).sudo()._cron_process(**kwargs)
        return progress.done, progress.remaining

    def open_draft(self, order):
        """A draft prepayment document on ``order`` (the company reviews drafts first), then
        more to invoice: the next one is refused until the draft is posted or deleted."""
        self.company.prepmt_auto_post = False
        order.action_create_prepmt_invoice()
        self.company.prepmt_auto_post = True
        self.assertEqual(order.prepmt_move_ids.state, "draft")
        order.order_line[0].write({self.side.qty_field: 12, "price_unit": 100.0})

    def cancel(self, order):
        if order._name == "sale.order":
            order._action_cancel()
        else:
            order.button_cancel()

    def cancel_and_delete(self, order):
        self.cancel(order)
        order.unlink()

    def chatter(self, order):
        return "\n".join(order.message_ids.mapped("body"))

    # ------------------------------------------------------------------
    # At once (at or below the threshold)
    # ------------------------------------------------------------------
    def test_sync_invoices_selection_and_skips_nothing_to_invoice(self):
        self.assertEqual(self.company.prepmt_mass_invoice_threshold, 20)  # the default
        due = self.orders(3)
        no_prepmt = self.confirmed(percent=0)
        quotation = self.new_order(percent=30)  # not confirmed
        invoiced = self.confirmed()
        invoiced.action_create_prepmt_invoice()
        before = invoiced.prepmt_move_ids
        cancelled = self.confirmed()
        self.cancel(cancelled)
        notification = self.run_list_action(due | no_prepmt | quotation | invoiced | cancelled)
        # a notification names each order skipped and why, then the documents open
        self.assertEqual(notification["tag"], "display_notification")
        self.assertEqual(notification["params"]["title"], "Some orders were skipped")
        self.assertEqual(
            notification["params"]["message"],
            "Skipped:\n"
            f"{no_prepmt.name}: no prepayment required (0 %)\n"
            f"{quotation.name}: not confirmed: confirm it first\n"
            f"{invoiced.name}: nothing left to invoice: its prepayment is invoiced\n"
            f"{cancelled.name}: cancelled",
        )
        action = notification["params"]["next"]
        # the documents' list: its title, the partner, the order and the totals
        self.assertEqual(action["display_name"], "Prepayment Documents")
        self.assert_documents_list(action, due.prepmt_move_ids)
        moves = self.env["account.move"].search(action["domain"])
        self.assertEqual(len(moves), 3)
        for order in due:
            self.assertEqual(len(order.prepmt_move_ids), 1)
            self.assertIn(order.prepmt_move_ids, moves)
            self.assertEqual(order.prepmt_move_ids.state, "posted")
            self.assertEqual(order.prepmt_move_ids.amount_untaxed, 300.0)
            self.assertEqual(order.prepmt_state, "waiting_payment")
            self.assertLedger(order)
        self.assertFalse(no_prepmt.prepmt_move_ids | quotation.prepmt_move_ids)
        self.assertEqual(invoiced.prepmt_move_ids, before)
        self.assertFalse(self.env["prepayment.invoice.batch"].search([]))

    def assert_documents_list(self, action, moves):
        """``action`` lists ``moves`` in the prepayment documents' list, with the partner
        (Customer / Vendor), the order and the totals."""
        self.assertEqual(action["name"], action["display_name"])
        self.assertEqual(self.env["account.move"].search(action["domain"]), moves)
        view = dict((mode, view_id) for view_id, mode in action["views"])["list"]
        self.assertEqual(
            view, self.env.ref("prepayment_addon.account_move_view_list_prepayment").id
        )
        arch = etree.fromstring(
            self.env["account.move"]
            .with_context(action["context"])
            .get_views([(view, "list")])["views"]["list"]["arch"]
        )
        # the columns shown with the action's context: {field: label}
        shown = {
            node.get("name"): node.get("string")
            for node in arch.iter("field")
            if not safe_eval(
                node.get("column_invisible") or "False", {"context": action["context"]}
            )
        }
        link = self.env[self.side.order_model]._prepmt_move_link_field
        for name, label in (
            ("invoice_partner_display_name", "Customer" if self.side.inbound else "Vendor"),
            (link, "Order"),
            ("amount_untaxed_in_currency_signed", "Tax Excluded"),
            ("amount_total_in_currency_signed", "Total"),
        ):
            self.assertEqual(shown.get(name), label)
        self.assertEqual(
            action["context"]["default_move_type"],
            "out_invoice" if self.side.inbound else "in_invoice",
        )

    def test_smart_button_lists_the_documents_of_the_order(self):
        order = self.confirmed()
        order.action_create_prepmt_invoice()
        # a single document opens in its form
        action = order.action_view_prepmt_moves()
        self.assertEqual(action["res_id"], order.prepmt_move_ids.id)
        order.action_create_prepmt_credit_memo()
        action = order.action_view_prepmt_moves()
        kind = "Invoices" if self.side.inbound else "Bills"
        self.assertEqual(action["display_name"], f"Prepayment {kind} of {order.name}")
        self.assert_documents_list(action, order.prepmt_move_ids)
        self.assertEqual(len(order.prepmt_move_ids), 2)

    def test_long_lists_of_orders_are_cut(self):
        # a selection of hundreds of orders: the notification names 20 and counts the rest
        lines = [f"S{i:05d}: cancelled" for i in range(25)]
        text = self.env[self.side.order_model]._prepmt_mass_lines(lines)
        self.assertEqual(text.split("\n"), lines[:20] + ["... and 5 more"])
        self.assertEqual(
            self.env[self.side.order_model]._prepmt_mass_lines(lines[:3]), "\n".join(lines[:3])
        )

    def test_sync_one_order_opens_its_document(self):
        order = self.confirmed()
        action = self.run_list_action(order)
        self.assertEqual(action["res_id"], order.prepmt_move_ids.id)
        self.assertLedger(order)

    def test_nothing_to_invoice_in_the_selection(self):
        no_prepmt, quotation = self.confirmed(percent=0), self.new_order(percent=30)
        orders = no_prepmt | quotation
        with self.assertRefused(UserError, "None of the selected orders has a prepayment"):
            self.run_list_action(orders)
        with self.assertRaises(UserError) as refused:
            self.run_list_action(orders)
        self.assertIn(f"{no_prepmt.name}: no prepayment required", str(refused.exception))
        self.assertIn(f"{quotation.name}: not confirmed: confirm it first", str(refused.exception))
        self.assertFalse(orders.prepmt_move_ids)

    def test_sync_failure_leaves_the_others_invoiced(self):
        good = self.orders(2)
        blocked = self.confirmed()
        self.open_draft(blocked)
        action = self.run_list_action(good | blocked)
        # the documents open after a warning naming the order that failed
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["title"], "Not every order was invoiced (see their chatter)"
        )
        self.assertIn(blocked.name, action["params"]["message"])
        self.assertIn("post or delete the draft first", action["params"]["message"])
        moves = self.env["account.move"].search(action["params"]["next"]["domain"])
        self.assertEqual(moves, good.prepmt_move_ids)
        for order in good:
            self.assertLedger(order)
        self.assertEqual(len(blocked.prepmt_move_ids), 1)  # only the draft
        self.assertIn("No prepayment document was created for", self.chatter(blocked))

    def test_sync_all_fail(self):
        blocked = self.confirmed()
        self.open_draft(blocked)
        with self.assertRefused(UserError, "post or delete the draft first"):
            self.run_list_action(blocked)

    # ------------------------------------------------------------------
    # In the background (above the threshold)
    # ------------------------------------------------------------------
    def test_queue_then_cron_in_chunks_with_progress(self):
        self.set_threshold(2)
        due = self.orders(3)
        no_prepmt = self.confirmed(percent=0)
        self.env["ir.cron.trigger"].search([]).unlink()
        notification = self.run_list_action(due | no_prepmt)
        # the order skipped is named, then the batch opens
        self.assertEqual(
            notification["params"]["message"],
            f"Skipped:\n{no_prepmt.name}: no prepayment required (0 %)",
        )
        action = notification["params"]["next"]
        batch = self.env["prepayment.invoice.batch"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "prepayment.invoice.batch")
        self.assertEqual(
            (batch.state, batch.res_model, batch.user_id, batch.company_id),
            ("queued", due._name, self.env.user, self.company),
        )
        # the orders with nothing to invoice are not queued; nothing is invoiced yet
        self.assertEqual([line.order_ref for line in batch.line_ids], list(due))
        self.assertEqual((batch.order_count, batch.processed_count), (3, 0))
        self.assertFalse(due.prepmt_move_ids)
        cron = self.env.ref("prepayment_addon.ir_cron_prepayment_invoice_batch")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))

        # one chunk of two orders: progress 2 done, 1 remaining (Odoo runs it again)
        self.assertEqual(self.run_cron(chunk_size=2, max_chunks=1), (2, 1))
        self.assertEqual((batch.state, batch.processed_count), ("running", 2))
        self.assertAlmostEqual(batch.progress, 200 / 3)
        self.assertEqual(len(due.prepmt_move_ids), 2)
        self.assertEqual(self.run_cron(chunk_size=2), (1, 0))
        self.assertEqual((batch.state, batch.done_count, batch.failed_count), ("done", 3, 0))
        self.assertEqual(batch.move_ids, due.prepmt_move_ids)
        for line in batch.line_ids:
            self.assertEqual(line.move_id, line.order_ref.prepmt_move_ids)
            self.assertEqual(line.state, "done")
        for order in due:
            self.assertEqual(order.prepmt_move_ids.state, "posted")
            self.assertLedger(order)
        # the user who asked is told in their inbox
        message = batch.message_ids.filtered(lambda m: self.env.user.partner_id in m.partner_ids)
        self.assertIn("created for 3 of 3 orders", message.body)
        self.assertEqual(batch.action_view_moves()["domain"], [("id", "in", batch.move_ids.ids)])
        # nothing left: the job reports nothing
        self.assertEqual(self.run_cron(), (0, 0))

    def test_batch_closed_by_the_runner_that_sees_it_idle(self):
        """Two runners on one batch: the one whose chunk ends while the other's orders are
        still pending leaves the batch open; the batch is closed (and the user told) by the
        runner that sees no order left, whichever it is."""
        self.set_threshold(1)
        batch = self.env["prepayment.invoice.batch"].browse(
            self.run_list_action(self.orders(2))["res_id"]
        )
        self.assertEqual(self.run_cron(chunk_size=1, max_chunks=1), (1, 1))
        self.assertEqual(batch.state, "running")
        batch._prepmt_start()  # (a second runner's first chunk: already in progress)
        batch._prepmt_finish_idle()  # an order is still pending: stays open
        self.assertEqual(batch.state, "running")
        # the other runner processes the last order (its own step), its close seeing the
        # first runner's line still pending: the batch stays In Progress with nothing left
        last = batch.line_ids.filtered(lambda ln: ln.state == "pending")
        last.sudo()._prepmt_process(batch)  # (as the scheduled action runs it: sudo)
        self.assertEqual((batch.state, batch.processed_count), ("running", 2))
        batch._prepmt_finish_idle()
        self.assertEqual((batch.state, batch.done_count), ("done", 2))
        message = batch.message_ids.filtered(lambda m: self.env.user.partner_id in m.partner_ids)
        self.assertIn("created for 2 of 2 orders", message.body)
        batch._prepmt_finish_idle()  # closed once: no second message
        self.assertEqual(
            len(batch.message_ids.filtered(lambda m: self.env.user.partner_id in m.partner_ids)),
            1,
        )

    def test_cron_claims_the_queue_in_order_across_batches(self):
        """Each chunk claims the next pending lines in the order they were queued, batch
        after batch, with ``FOR UPDATE SKIP LOCKED`` (two servers never take the same lines:
        ``scripts/loadtest.sh --mass 100 --servers 2 --kill`` shows it with real
        transactions); a batch queued after another waits its turn."""
        self.set_threshold(1)
        Batch = self.env["prepayment.invoice.batch"]
        first, second = self.orders(3), self.orders(2)
        batch1 = Batch.browse(self.run_list_action(first)["res_id"])
        batch2 = Batch.browse(self.run_list_action(second)["res_id"])
        Line = self.env["prepayment.invoice.batch.line"].sudo()
        self.assertEqual(Line._prepmt_claim(4).ids, batch1.line_ids.ids + batch2.line_ids[:1].ids)
        self.assertEqual(self.run_cron(chunk_size=4, max_chunks=1), (4, 1))
        self.assertEqual((batch1.state, batch2.state), ("done", "running"))
        self.assertEqual(Line._prepmt_claim(4).ids, batch2.line_ids[1:].ids)
        self.assertEqual(self.run_cron(chunk_size=4), (1, 0))
        self.assertEqual(batch2.state, "done")
        self.assertFalse(Line._prepmt_claim(4))
        for order in first | second:
            self.assertEqual(order.prepmt_move_ids.state, "posted")
            self.assertLedger(order)

    def test_cron_call_shorter_when_odoo_wakes_the_cron_workers(self):
        """Under ODOO_NOTIFY_CRON_CHANGES (Odoo wakes every cron worker when a run of the job
        ends with work left) a call of the job does one chunk, else four: shorter runs of
        the job, whose open lock holds back PostgreSQL's cleanup (issue 25)."""
        self.set_threshold(1)
        self.run_list_action(self.orders(3))
        before = os.environ.pop("ODOO_NOTIFY_CRON_CHANGES", None)
        try:
            os.environ["ODOO_NOTIFY_CRON_CHANGES"] = "1"
            self.assertEqual(self.run_cron(chunk_size=1), (1, 2))
            del os.environ["ODOO_NOTIFY_CRON_CHANGES"]
            self.assertEqual(self.run_cron(chunk_size=1), (2, 0))
        finally:
            os.environ.pop("ODOO_NOTIFY_CRON_CHANGES", None)
            if before is not None:
                os.environ["ODOO_NOTIFY_CRON_CHANGES"] = before

    def test_scheduled_action_record_runs_the_queue(self):
        """The scheduled action itself (its *Run Manually*, as the cron runner calls it: as
        its user, OdooBot, with a progress record): the batch is processed as who asked."""
        cron = self.env.ref("prepayment_addon.ir_cron_prepayment_invoice_batch")
        self.assertEqual(cron.model_id.model, "prepayment.invoice.batch")
        self.assertEqual(cron.user_id, self.env.ref("base.user_root"))
        self.assertTrue(cron.active)
        self.set_threshold(1)
        orders = self.orders(2)
        batch = self.env["prepayment.invoice.batch"].browse(self.run_list_action(orders)["res_id"])
        cron.method_direct_trigger()
        self.assertEqual((batch.state, batch.done_count), ("done", 2))
        for order in orders:
            self.assertEqual(order.prepmt_move_ids.create_uid, self.env.user)
            self.assertLedger(order)

    def test_cron_one_failure_among_many(self):
        self.set_threshold(0)
        orders = self.orders(6)
        blocked, locked, deleted_later = orders[1], orders[3], orders[5]
        action = self.run_list_action(orders)
        batch = self.env["prepayment.invoice.batch"].browse(action["res_id"])
        self.open_draft(blocked)
        # meanwhile someone invoiced one by hand: skipped, not failed
        orders[4].action_create_prepmt_invoice()
        by_hand = orders[4].prepmt_move_ids
        self.cancel_and_delete(deleted_later)
        # another user works on ``locked`` right now (a real second transaction)
        other = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [locked._table, locked.id]
            )
            self.assertEqual(self.run_cron(chunk_size=4), (6, 0))
        finally:
            other.rollback()
            other.close()
        states = {line.order_ref.id: line.state for line in batch.line_ids}
        self.assertEqual(
            [states[o.id] for o in orders],
            ["done", "failed", "done", "failed", "skipped", "failed"],
        )
        self.assertEqual(batch.state, "done")
        self.assertEqual((batch.done_count, batch.skipped_count, batch.failed_count), (2, 1, 3))
        for order in orders[0] | orders[2]:
            self.assertEqual(order.prepmt_move_ids.state, "posted")
            self.assertLedger(order)
        self.assertEqual(orders[4].prepmt_move_ids, by_hand)
        messages = {line.order_ref.id: line.message for line in batch.line_ids}
        self.assertIn("post or delete the draft first", messages[blocked.id])
        self.assertIn("Another user is working on the prepayment", messages[locked.id])
        self.assertIn("deleted", messages[deleted_later.id])
        # the failures are on the orders' chatter, a whole sentence with the reason
        self.assertIn(
            f"No prepayment document was created for {blocked.name}", self.chatter(blocked)
        )
        self.assertIn("post or delete the draft first", self.chatter(blocked))
        self.assertIn("Another user is working on the prepayment", self.chatter(locked))
        self.assertEqual(len(blocked.prepmt_move_ids), 1)  # only its draft
        self.assertFalse(locked.prepmt_move_ids)
        self.assertLedger(locked)
        message = batch.message_ids.filtered(lambda m: self.env.user.partner_id in m.partner_ids)
        self.assertIn("failed: 3", message.body)

    def test_document_failure_among_many_fails_alone(self):
        """The documents of a chunk are created and posted together; when one of them is
        refused there (a discount line carrying more tax than the lines it discounts: a
        negative total with taxes), the others are still issued, one by one, and only that
        order fails, with the reason on its chatter; nothing of its document is kept."""
        self.set_threshold(0)
        negative = self.confirmed(
            percent=100,
            lines=[
                {
                    "product": self.product_a,
                    "qty": 1,
                    "price": 100.0,
                    "taxes": self.env["account.tax"],
                },
                {"product": self.product_b, "qty": 1, "price": -90.0},
            ],
        )
        orders = self.orders(1) | negative | self.orders(2)
        batch = self.env["prepayment.invoice.batch"].browse(self.run_list_action(orders)["res_id"])
        moves_before = self.env["account.move"].search_count([])
        self.assertEqual(self.run_cron(), (4, 0))
        states = {line.order_ref.id: line.state for line in batch.line_ids}
        self.assertEqual([states[o.id] for o in orders], ["done", "failed", "done", "done"])
        self.assertEqual(self.env["account.move"].search_count([]), moves_before + 3)
        self.assertFalse(negative.prepmt_move_ids)
        self.assertLedger(negative)
        self.assertIn("negative total with taxes", self.chatter(negative))
        for order in orders - negative:
            self.assertEqual(order.prepmt_move_ids.state, "posted")
            self.assertLedger(order)
        self.assertEqual(batch.move_ids, (orders - negative).prepmt_move_ids)
        # the same at once, below the threshold
        self.set_threshold(10)
        more = self.orders(2)
        action = self.run_list_action(more | negative)
        self.assertIn(negative.name, action["params"]["message"])
        self.assertIn("negative total with taxes", action["params"]["message"])
        self.assertEqual(
            self.env["account.move"].search(action["params"]["next"]["domain"]),
            more.prepmt_move_ids,
        )
        for order in more:
            self.assertLedger(order)

    def test_cron_runs_with_the_rights_of_who_asked(self):
        """A batch runs as the user who queued it: one who cannot issue the order's document
        by hand (another company's user, a user without sales / purchase rights) gets a
        failure, not a document made with the scheduled action's superuser rights."""
        company_b = self.setup_other_company(name="Mass Company B")["company"]
        user_b = new_test_user(
            self.env,
            "mass_b",
            groups="sales_team.group_sale_manager,purchase.group_purchase_manager,"
            "account.group_account_manager",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        no_rights = new_test_user(
            self.env,
            "mass_none",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        Batch = self.env["prepayment.invoice.batch"].sudo()
        batches = Batch
        orders = self.orders(2)
        for user, order in zip((user_b, no_rights), orders, strict=True):
            batches |= Batch.create(
                {
                    "res_model": order._name,
                    "company_id": self.company.id,
                    "user_id": user.id,
                    "line_ids": [(0, 0, {"order_ref": f"{order._name},{order.id}"})],
                }
            )
        self.run_cron()
        self.assertEqual(batches.line_ids.mapped("state"), ["failed", "failed"])
        self.assertFalse(orders.prepmt_move_ids)
        for order in orders:
            self.assertIn("No prepayment document was created for", self.chatter(order))
        # the user of company B does not see company A's batches either
        self.assertFalse(
            self.env["prepayment.invoice.batch"]
            .with_user(user_b)
            .search([("id", "in", batches.ids)])
        )

    def test_multi_company_selection_one_batch_per_company(self):
        """A user who works in two companies selects orders of both: one batch per company,
        each order invoiced in its own company."""
        company_b = self.setup_other_company(name="Mass Company B2")["company"]
        self.env.user.company_ids |= company_b
        self.set_threshold(0)
        order_a = self.confirmed()
        Orders = self.env[self.side.order_model].with_company(company_b)
        order_b = Orders.create(
            {
                "partner_id": self.partner_a.id,
                "company_id": company_b.id,
                "order_line": [
                    Command.create(
                        self.side.line_vals(self.product_a, qty=5, taxes=self.env["account.tax"])
                    )
                ],
            }
        )
        order_b.prepmt_percent = 20
        self.side.confirm(order_b)
        both = (order_a | order_b).with_context(allowed_company_ids=(self.company | company_b).ids)
        action = self.run_list_action(both)
        batches = self.env["prepayment.invoice.batch"].search(action["domain"])
        self.assertEqual(batches.company_id, self.company | company_b)
        self.assertEqual(batches.line_ids.mapped("company_id"), self.company | company_b)
        self.run_cron()
        self.assertEqual(batches.mapped("state"), ["done", "done"])
        self.assertEqual(order_b.prepmt_move_ids.company_id, company_b)
        self.assertEqual(order_b.prepmt_move_ids.amount_untaxed, 100.0)
        self.assertEqual(
            order_b.prepmt_move_ids.invoice_line_ids.account_id,
            company_b[order_b._prepmt_account_field],
        )
        self.assertEqual(order_a.prepmt_move_ids.company_id, self.company)
        self.assertLedger(order_a)


class TestSaleMassInvoice(MassScenarios, SalePrepaymentCase):
    pass


class TestPurchaseMassInvoice(MassScenarios, PurchasePrepaymentCase):
    pass


class TestMassInvoiceTour(HttpCase):
    """The list action in the browser (headless Chromium, Odoo's tour framework): three orders
    selected in the sales order list, *Actions > Create Prepayment Invoices*, the batch's form
    in the background path; then the scheduled action's code invoices them."""

    test_tags = {"standard", "post_install", "-at_install", "prepayment_addon"}
    test_module = "prepayment_addon"

    def test_mass_invoice_tour(self):
        # read the addons' manifests (Odoo's static files map) once here, not in the browser's
        # parallel first requests: CPython 3.11 can fail compiling them in two threads at once
        # ("AST constructor recursion depth mismatch")
        http.root.statics  # noqa: B018
        env = self.env
        admin = env.ref("base.user_admin")
        company = admin.company_id
        self.assertTrue(company.prepmt_sale_account_id, "the install created the account")
        company.prepmt_mass_invoice_threshold = 2
        product = env["product.product"].create(
            {"name": "Mass Tour Product", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        orders = env["sale.order"]
        for name in ("Mass Tour A", "Mass Tour B", "Mass Tour C"):
            partner = env["res.partner"].create({"name": name, "customer_prepmt_percent": 30})
            order = (
                env["sale.order"]
                .with_company(company)
                .create(
                    {
                        "partner_id": partner.id,
                        "user_id": admin.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "product_uom_qty": 1, "price_unit": 100}
                            )
                        ],
                    }
                )
            )
            order.action_confirm()
            orders |= order
        self.assertEqual(orders.mapped("prepmt_amount_to_invoice"), [30.0] * 3)
        self.start_tour(
            "/odoo/action-sale.action_orders", "prepayment_addon_mass_invoice_tour", login="admin"
        )
        batch = env["prepayment.invoice.batch"].search([("user_id", "=", admin.id)])
        self.assertEqual(len(batch), 1)
        self.assertEqual(batch.state, "queued")
        self.assertEqual({line.order_ref for line in batch.line_ids}, set(orders))
        env["prepayment.invoice.batch"].sudo()._cron_process()
        self.assertEqual((batch.state, batch.done_count), ("done", 3))
        self.assertEqual(orders.prepmt_move_ids.mapped("state"), ["posted"] * 3)
        self.assertEqual(orders.prepmt_move_ids.create_uid, admin)
