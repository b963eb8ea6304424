"""Prepayment status, payments, the check before final invoicing, the
override, the open prepayments analysis and the partner's smart button."""

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
            row = rows.filtered(lambda r: r.order_name == order.name)
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


class TestSaleState(StateScenarios, SalePrepaymentCase):
    side_user_group = "sales_team.group_sale_salesman"


class TestPurchaseState(StateScenarios, PurchasePrepaymentCase):
    side_user_group = "purchase.group_purchase_user"
