"""Prepayment status, payments, the check before final invoicing, the
override, the open prepayments analysis and the partner's smart button."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class StateScenarios:
    def confirmed(self, percent=30, **kw):
        order = self.new_order(percent=percent, **kw)
        self.side.confirm(order)
        return order

    def test_state_follows_payments(self):
        order = self.new_order(percent=0)
        self.assertEqual(order.prepmt_state, "none")
        order.prepmt_percent = 30
        self.side.confirm(order)
        self.assertEqual(order.prepmt_state, "to_invoice")
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertEqual(order.prepmt_amount_paid, 0.0)
        # partial payment: still waiting, paid share follows
        payment = self.pay(move, amount=move.amount_total / 2)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertAlmostEqual(order.prepmt_amount_paid, 150.0, places=2)
        # the rest: paid (in_payment counts as paid)
        self.pay(move)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.prepmt_state, "paid")
        self.assertAlmostEqual(order.prepmt_amount_paid, 300.0, places=2)
        self.assertIn("fully paid", order.message_ids[0].body)
        # unreconcile the first payment: waiting again
        payment_lines = payment.move_id.line_ids.filtered(
            lambda ln: ln.account_id.account_type in ("asset_receivable", "liability_payable")
        )
        payment_lines.remove_move_reconcile()
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertAlmostEqual(order.prepmt_amount_paid, 150.0, places=2)
        # more to invoice after a quantity increase
        order.order_line.write({self.side.qty_field: 20, "price_unit": 100.0})
        self.assertEqual(order.prepmt_state, "to_invoice")

    def test_state_after_payment_reversal(self):
        order = self.confirmed()
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        payment = self.pay(move)
        self.assertEqual(order.prepmt_state, "paid")
        payment.move_id._reverse_moves(cancel=True)
        self.assertEqual(order.prepmt_state, "waiting_payment")

    def test_final_invoice_held_until_paid(self):
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        order = self.confirmed()
        self.deliver_all(order)
        draft = self.side.final_invoice(order, post=False)
        with self.assertRefused(UserError, "to invoice"):
            draft.action_post()
        self.assertEqual(draft.state, "draft")
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        with self.assertRefused(UserError, "not paid yet"):
            draft.action_post()
        self.assertEqual(draft.state, "draft")
        self.pay(prepmt)
        # the draft was made before the prepayment: it deducts nothing, and posting it is
        # refused rather than rewritten behind the user's back
        self.assertEqual(draft.prepmt_deduction_amount, 0.0)
        with self.assertRefused(UserError, "must deduct all"):
            draft.action_post()
        draft.action_prepmt_update_deductions()
        self.assertEqual(draft.prepmt_deduction_amount, 300.0)
        draft.action_post()
        self.assertEqual(draft.state, "posted")
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_check_off_by_default(self):
        order = self.confirmed()
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.state, "posted")

    def test_manager_override_is_logged(self):
        field = "prepmt_sale_check" if self.side.inbound else "prepmt_purchase_check"
        self.company[field] = True
        order = self.confirmed()
        user = new_test_user(
            self.env,
            login="prepmt_user_%s" % self.side.order_model,
            groups=self.side_user_group,
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        with self.assertRefused(AccessError, "Only managers"):
            order.with_user(user).prepmt_check_override = True
        self.assertFalse(order.prepmt_check_override)
        order.prepmt_check_override = True
        self.assertIn("let this order through", order.message_ids[0].body)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.state, "posted")

    def test_analysis_matches_prepayment_accounts(self):
        currency = self.setup_other_currency("EUR")
        orders = self.env[self.side.order_model]
        for percent, qty in ((30, 4), (50, 2), (10, 7)):
            orders |= self.confirmed(
                percent=percent, lines=[{"product": self.product_a, "qty": qty, "price": 90.0}]
            )
        foreign = self.new_order(
            percent=40,
            **self.currency_vals(currency),
            lines=[{"product": self.product_b, "qty": 3, "price": 111.11}],
        )
        self.side.confirm(foreign)
        orders |= foreign
        for order in orders:
            order.action_create_prepmt_invoice()
        # one order partly invoiced, one fully, one credited
        self.side.deliver(orders[0].order_line, 2)
        self.side.final_invoice(orders[0])
        self.deliver_all(orders[1])
        self.side.final_invoice(orders[1])
        orders[2].action_create_prepmt_credit_memo()
        self.side.deliver(foreign.order_line, 1)
        self.side.final_invoice(foreign)
        self.env.flush_all()
        rows = self.env["prepayment.analysis"].search([("company_id", "=", self.company.id)])
        account = self.prepmt_account()
        balance = sum(
            self.env["account.move.line"]
            .search(
                [
                    ("account_id", "=", account.id),
                    ("parent_state", "=", "posted"),
                    ("company_id", "=", self.company.id),
                ]
            )
            .mapped("balance")
        )
        sign = -1 if self.side.inbound else 1
        self.assertAlmostEqual(sum(rows.mapped("outstanding_company")), sign * balance, places=2)
        for order in orders:
            row = rows.filtered(lambda r, order=order: r.order_name == order.name)
            self.assertEqual(len(row), 1)
            self.assertAlmostEqual(row.outstanding, order.prepmt_amount_outstanding, places=2)
            self.assertAlmostEqual(row.invoiced, order.prepmt_amount_invoiced, places=2)
            self.assertAlmostEqual(row.deducted, order.prepmt_amount_deducted, places=2)
            self.assertLedger(order)

    def test_partner_smart_button(self):
        order = self.confirmed()
        order.action_create_prepmt_invoice()
        self.env.flush_all()
        partner = order.partner_id.commercial_partner_id
        partner.invalidate_recordset(["prepmt_open_count"])
        self.assertEqual(partner.prepmt_open_count, 1)
        action = partner.action_view_prepmt_open()
        rows = self.env["prepayment.analysis"].search(action["domain"])
        self.assertIn(order.name, rows.mapped("order_name"))

    def test_other_company_analysis_is_separate(self):
        order = self.confirmed()
        order.action_create_prepmt_invoice()
        other = self.setup_other_company()["company"]
        self.env.flush_all()
        rows = (
            self.env["prepayment.analysis"]
            .with_company(other)
            .with_context(allowed_company_ids=[other.id])
            .search([])
        )
        self.assertNotIn(order.name, rows.mapped("order_name"))

    # ------------------------------------------------------------------
    # The state table (README, "The order's prepayment through its life")
    # ------------------------------------------------------------------
    def expect(self, order, step, state, amounts, due=True, overdue=False, held=None, rows=None):
        """What the order says at ``step``: its status, its amounts ``(to invoice, invoiced,
        deducted, outstanding, paid)``, whether it has a due date (or which), whether the
        reminder would fire (overdue), whether the hold stops it, and its Open Prepayments
        rows ``(required, outstanding)`` (None: no row)."""
        self.env.flush_all()
        order.invalidate_recordset()
        got = (
            order.prepmt_state,
            (
                order.prepmt_amount_to_invoice,
                order.prepmt_amount_invoiced,
                order.prepmt_amount_deducted,
                order.prepmt_amount_outstanding,
                order.prepmt_amount_paid,
            ),
        )
        self.assertEqual(got, (state, amounts), step)
        if due is True:
            self.assertTrue(order.prepmt_due_date, step)
        else:
            self.assertEqual(order.prepmt_due_date, due, step)
        self.assertEqual(order.prepmt_overdue, overdue, step)
        self.assertEqual(bool(order._prepmt_overdue_invoices()), overdue, step)
        if held is None:
            held = state in ("to_invoice", "waiting_payment")
        self.assertEqual(bool(order._prepmt_blocking_message()), held, step)
        self.env["prepayment.analysis"].invalidate_model()  # its ids are row numbers
        found = self.env["prepayment.analysis"].search([("order_name", "=", order.name)])
        self.assertEqual(
            (sum(found.mapped("required")), sum(found.mapped("outstanding"))) if found else None,
            rows,
            step,
        )
        self.assertLedger(order)

    def test_state_table(self):
        """The order's whole life once, both sides: quotation, sent, confirmed, locked,
        cancelled, reset to quotation, confirmed again; its prepayment document draft, posted,
        reset, cancelled, reset, paid, credited by the standard Credit Note button; its
        final documents draft, posted, reset, cancelled, reposted, reversed, credited."""
        self.company[self.side_check_field] = True
        Move = self.env["account.move"]
        to_invoice = (300.0, 0.0, 0.0, 0.0, 0.0)
        order = self.new_order(percent=30)
        self.expect(order, "quotation", "to_invoice", to_invoice, rows=(300.0, 0.0))
        self.side.mark_sent(order)
        self.assertEqual(order.state, "sent")
        self.expect(order, "sent", "to_invoice", to_invoice, rows=(300.0, 0.0))
        self.side.confirm(order)
        self.expect(order, "confirmed", "to_invoice", to_invoice, rows=(300.0, 0.0))
        self.side.lock(order)
        self.expect(order, "locked", "to_invoice", to_invoice, rows=(300.0, 0.0))
        self.side.lock(order, False)
        self.side.cancel(order)
        self.assertEqual(order.state, "cancel")
        self.expect(order, "cancelled", "none", (0.0,) * 5, due=False)
        self.side.reset_to_quotation(order)
        self.assertEqual(order.state, "draft")
        self.expect(order, "reset to quotation", "to_invoice", to_invoice, rows=(300.0, 0.0))
        self.side.confirm(order)
        self.expect(order, "confirmed again", "to_invoice", to_invoice, rows=(300.0, 0.0))
        # the prepayment document
        self.company.prepmt_auto_post = False
        prepmt = Move.browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(prepmt.state, "draft")
        self.expect(order, "prepayment draft", "to_invoice", to_invoice, rows=(300.0, 0.0))
        before = self.snapshot(order)
        with self.assertRefused(UserError, "draft prepayment documents"):
            self.side.cancel(order)
        self.assertUnchanged(order, before)
        prepmt.invoice_date = fields.Date.today() - timedelta(days=10)
        prepmt.action_post()
        waiting = (0.0, 300.0, 0.0, 300.0, 0.0)
        self.expect(
            order,
            "prepayment posted, overdue",
            "waiting_payment",
            waiting,
            due=prepmt.invoice_date_due,
            overdue=True,
            rows=(300.0, 300.0),
        )
        prepmt.button_draft()
        self.expect(order, "prepayment reset", "to_invoice", to_invoice, rows=(300.0, 0.0))
        prepmt.button_cancel()
        self.assertEqual(prepmt.state, "cancel")
        self.expect(order, "prepayment cancelled", "to_invoice", to_invoice, rows=(300.0, 0.0))
        prepmt.button_draft()
        prepmt.action_post()
        self.expect(
            order,
            "prepayment reposted",
            "waiting_payment",
            waiting,
            due=prepmt.invoice_date_due,
            overdue=True,
            rows=(300.0, 300.0),
        )
        self.pay(prepmt)
        paid = (0.0, 300.0, 0.0, 300.0, 300.0)
        self.expect(order, "prepayment paid", "paid", paid, rows=(300.0, 300.0))
        # the standard Credit Note button on the prepayment document credits it
        refund = self.credit_note(prepmt)
        self.assertTrue(refund.is_prepayment)
        refund.action_post()
        self.assertEqual(refund.amount_total, 345.0)
        # what the partner paid stays paid: the open credit note is theirs to use
        self.expect(
            order,
            "prepayment credited",
            "to_invoice",
            (300.0, 0.0, 0.0, 0.0, 300.0),
            rows=(300.0, 0.0),
        )
        self.company.prepmt_auto_post = True
        prepmt = Move.browse(order.action_create_prepmt_invoice()["res_id"])
        self.expect(
            order,
            "invoiced again",
            "waiting_payment",
            (0.0, 300.0, 0.0, 300.0, 300.0),
            rows=(300.0, 300.0),
        )
        # paid with the credit note
        prepmt.js_assign_outstanding_line(
            refund.line_ids.filtered(
                lambda ln: ln.account_id.account_type in ("asset_receivable", "liability_payable")
            ).id
        )
        self.assertIn(prepmt.payment_state, ("paid", "reversed"))
        self.assertEqual(refund.payment_state, "paid")
        self.expect(order, "invoiced and paid again", "paid", paid, rows=(300.0, 300.0))
        # the final documents
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        self.expect(order, "final draft", "paid", paid, rows=(300.0, 300.0))
        final.action_post()
        settled = (0.0, 300.0, 300.0, 0.0, 300.0)
        self.expect(order, "final posted", "settled", settled, rows=(300.0, 0.0))
        self.side.lock(order)
        self.expect(order, "settled, locked", "settled", settled, rows=(300.0, 0.0))
        self.side.lock(order, False)
        final.button_draft()
        self.expect(order, "final reset", "paid", paid, rows=(300.0, 300.0))
        final.button_cancel()
        self.assertEqual(final.state, "cancel")
        self.expect(order, "final cancelled", "paid", paid, rows=(300.0, 300.0))
        final.button_draft()
        final.action_post()
        self.expect(order, "final reposted", "settled", settled, rows=(300.0, 0.0))
        today = fields.Date.today()
        final._reverse_moves([{"invoice_date": today, "date": today}], cancel=True)
        self.assertEqual(final.payment_state, "reversed")
        self.expect(order, "final reversed", "paid", paid, rows=(300.0, 300.0))
        final = self.side.final_invoice(order)
        self.expect(order, "final again", "settled", settled, rows=(300.0, 0.0))
        refund = self.credit_note(final)
        refund.action_post()
        self.expect(order, "final credited", "paid", paid, rows=(300.0, 300.0))
        # what is left: credited, then (sales) the order cancelled with its history
        order.action_create_prepmt_credit_memo()
        credited = (300.0, 0.0, 0.0, 0.0, 300.0)  # the credit memo is the partner's to use
        self.expect(order, "credit memo", "to_invoice", credited, rows=(300.0, 0.0))
        before = self.snapshot(order)
        if self.side.inbound:
            self.side.cancel(order)
            self.expect(
                order,
                "cancelled with history",
                "none",
                (0.0, 0.0, 0.0, 0.0, 300.0),
                due=False,
                rows=(0.0, 0.0),
            )
            self.assertEqual(order.prepmt_move_count, 4)
        else:
            # Odoo cancels no purchase order with posted bills
            with self.assertRefused(UserError, "vendor bills"):
                self.side.cancel(order)
            self.assertUnchanged(order, before)

    def credit_note(self, move):
        """The standard Credit Note button (the reversal wizard) on ``move``: a draft."""
        refund = self.credit_note_draft(move)
        refund.invoice_date = fields.Date.today()
        return refund


class TestSaleState(StateScenarios, SalePrepaymentCase):
    side_user_group = "sales_team.group_sale_salesman"
    side_check_field = "prepmt_sale_check"


class TestPurchaseState(StateScenarios, PurchasePrepaymentCase):
    side_user_group = "purchase.group_purchase_user"
    side_check_field = "prepmt_purchase_check"
