"""Issue 24, point 1: money first. A payment received (made) before any prepayment document:
*Register Prepayment* on the order issues the prepayment invoice (bill) for exactly the
amount with tax, dated the payment date, posts it, registers the payment with Odoo's own
``account.payment.register`` and reconciles them; a payment already registered from
Accounting is turned into the prepayment invoice the same way (no second payment)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class PaymentFirstScenarios:
    """Shared by both sides (mixed into a Sale/PurchasePrepaymentCase)."""

    def confirmed_order(self):
        # 10 x 100.00 at 30 %: 300.00 untaxed, 345.00 with the 15 % tax
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.assertEqual(order.prepmt_amount_to_invoice, 300.0)
        self.assertLedger(order)
        return order

    def bank_journal(self):
        return self.company_data["default_journal_bank"]

    def payment_form(self, order):
        """The Register Prepayment window, as the order's button opens it."""
        return Form(self.prepmt_payment_wizard(order))

    def order_payments(self, order):
        return self.env["account.payment"].search(
            [("partner_id", "=", order.partner_id.id), ("company_id", "=", self.company.id)]
        )

    def assertPaidAtOnce(self, order, move, amount, date):
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.is_prepayment)
        self.assertEqual(move.move_type, order._prepmt_invoice_type)
        self.assertEqual(move.amount_total, amount)
        self.assertEqual(move.invoice_date, date)
        self.assertEqual(move.date, date)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.amount_residual, 0.0)

    def test_register_prepayment_in_full(self):
        order = self.confirmed_order()
        day = fields.Date.today() - timedelta(days=3)
        with self.payment_form(order) as form:
            self.assertEqual(form.total_to_invoice, 345.0)
            self.assertEqual(form.amount_received, 345.0)
            self.assertEqual(form.mode, "new")
            self.assertEqual(form.journal_id, self.bank_journal())
            self.assertEqual(form.memo, order.name)
            form.payment_date = day
            form.memo = f"Deposit {order.name}"
        wizard = form.record
        action = wizard.action_register_prepayment()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertPaidAtOnce(order, move, 345.0, day)
        self.assertEqual(move.amount_untaxed, 300.0)
        payment = self.order_payments(order)
        self.assertEqual(len(payment), 1)
        self.assertEqual(
            (payment.amount, payment.date, payment.journal_id, payment.memo),
            (345.0, day, self.bank_journal(), f"Deposit {order.name}"),
        )
        self.assertEqual(payment.payment_type, "inbound" if self.side.inbound else "outbound")
        self.assertIn(move, payment.reconciled_invoice_ids | payment.reconciled_bill_ids)
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(order.prepmt_amount_paid, 300.0)
        self.assertEqual(order.prepmt_amount_paid_incl, 345.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertLedger(order)
        # nothing left to require: the button is gone, the window refuses
        self.assertFalse(self.register_button_visible(order))
        # the final invoice deducts it as any other prepayment
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.prepmt_deduction_amount, 300.0)
        self.assertEqual(final.amount_total, 1150.0 - 345.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_register_part_of_the_prepayment(self):
        order = self.confirmed_order()
        self.assertTrue(self.register_button_visible(order))
        with self.payment_form(order) as form:
            form.amount_received = 115.0
        move = self.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move, 115.0, fields.Date.today())
        self.assertEqual(move.amount_untaxed, 100.0)
        self.assertEqual(order.prepmt_amount_invoiced, 100.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 200.0)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertLedger(order)
        # the rest, received later: 230.00
        with self.payment_form(order) as form:
            self.assertEqual(form.amount_received, 230.0)
        move2 = self.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move2, 230.0, fields.Date.today())
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(order.prepmt_amount_paid, 300.0)
        self.assertEqual(len(self.order_payments(order)), 2)
        self.assertLedger(order)
        # two final invoices deduct it in proportion, as any other
        self.deliver_all(order, ratio=0.5)
        first = self.side.final_invoice(order)
        self.assertEqual(first.prepmt_deduction_amount, 150.0)
        self.assertLedger(order)
        self.deliver_all(order)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 150.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_amount_above_what_is_required_is_refused(self):
        order = self.confirmed_order()
        before = self.snapshot(order)
        for amount in (345.01, 0.0, -10.0):
            with self.payment_form(order) as form:
                form.amount_received = amount
            with self.assertRefused(ValidationError, r"at most \S+\s?345\.00"):
                form.record.action_register_prepayment()
            self.assertUnchanged(order, before)
        self.assertFalse(self.order_payments(order))
        self.assertLedger(order)

    def test_draft_prepayment_document_open_is_refused(self):
        order = self.confirmed_order()
        self.company.prepmt_auto_post = False
        draft = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(draft.state, "draft")
        with self.assertRefused(UserError, "draft prepayment document"):
            order.action_open_prepmt_payment_wizard()
        # a window opened before the draft was made refuses too, with the same message
        draft.unlink()
        form = self.payment_form(order)
        wizard = form.save()
        draft = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        with self.assertRefused(UserError, "draft prepayment document"):
            wizard.action_register_prepayment()
        self.assertFalse(self.order_payments(order))
        self.assertLedger(order)

    def accounting_payment(self, order, amount, memo, date):
        """A payment registered from Accounting (Customer / Vendor Payments), not reconciled."""
        Payment = self.env["account.payment"].with_context(
            default_payment_type="inbound" if self.side.inbound else "outbound",
            default_partner_type="customer" if self.side.inbound else "supplier",
        )
        with Form(Payment) as form:
            form.partner_id = order.partner_id
            form.amount = amount
            form.date = date
            form.memo = memo
            form.journal_id = self.bank_journal()
        payment = form.record
        payment.action_post()
        self.assertFalse(payment.is_reconciled)
        return payment

    def test_existing_payment_turned_into_the_prepayment_invoice(self):
        order = self.confirmed_order()
        day = fields.Date.today() - timedelta(days=7)
        other = self.accounting_payment(order, 50.0, "advance, no order named", day)
        payment = self.accounting_payment(order, 230.0, f"Deposit for {order.name}", day)
        with self.payment_form(order) as form:
            self.assertEqual(form.mode, "existing")
            self.assertEqual(form.payment_id, payment)  # its memo names the order
            self.assertEqual(form.amount_received, 230.0)
            self.assertEqual(form.payment_date, day)
        self.assertEqual(form.record.available_payment_ids, payment | other)
        move = self.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move, 230.0, day)
        self.assertEqual(move.amount_untaxed, 200.0)
        self.assertEqual(self.order_payments(order), payment | other)  # no second payment
        self.assertTrue(payment.is_reconciled)
        self.assertFalse(other.is_reconciled)
        self.assertEqual(order.prepmt_amount_paid, 200.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        self.assertLedger(order)
        # the other payment, chosen by hand
        with self.payment_form(order) as form:
            self.assertEqual(form.mode, "new")  # none left that names the order
            form.mode = "existing"
            form.payment_id = other
            self.assertEqual(form.amount_received, 50.0)
        move2 = self.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move2, 50.0, day)
        self.assertTrue(other.is_reconciled)
        self.assertLedger(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.prepmt_deduction_amount, order.prepmt_amount_deducted)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_existing_payment_above_the_prepayment_is_refused(self):
        order = self.confirmed_order()
        payment = self.accounting_payment(order, 400.0, order.name, fields.Date.today())
        before = self.snapshot(order)
        with self.payment_form(order) as form:
            self.assertEqual(form.payment_id, payment)
        with self.assertRefused(ValidationError, r"400\.00.*at most \S+\s?345\.00"):
            form.record.action_register_prepayment()
        self.assertUnchanged(order, before)
        self.assertFalse(payment.is_reconciled)

    def test_users_without_billing_rights(self):
        order = self.confirmed_order()
        user = new_test_user(
            self.env,
            "pf_no_billing",
            groups="sales_team.group_sale_salesman_all_leads,purchase.group_purchase_user",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.assertFalse(self.register_button_visible(order.with_user(user)))
        with self.assertRefused(AccessError, "Accounting: Billing"):
            order.with_user(user).action_open_prepmt_payment_wizard()

    def test_multi_company_the_journal_of_the_order_company(self):
        """A user working in two companies registers the prepayment of an order of the
        second one: the bank journal, the document and the payment are that company's."""
        company_b = self.setup_other_company(name="Money First B")["company"]
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.company.id, company_b.id])
        )
        no_tax = env["account.tax"]
        order = env[self.side.order_model].create(
            {
                "partner_id": self.partner_a.id,
                "company_id": company_b.id,
                "order_line": [
                    Command.create(self.side.line_vals(self.product_a, 10, 100.0, taxes=no_tax))
                ],
            }
        )
        order.prepmt_percent = 30
        self.side.confirm(order)
        self.assertEqual(order.prepmt_amount_to_invoice, 300.0)
        with self.payment_form(order) as form:
            self.assertEqual(form.journal_id.company_id, company_b)
            self.assertEqual(form.journal_id.type, "bank")
            self.assertEqual(form.amount_received, 300.0)
        journal = form.record.journal_id
        move = order.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move, 300.0, fields.Date.today())
        self.assertEqual(move.company_id, company_b)
        payment = env["account.payment"].search([("company_id", "=", company_b.id)])
        self.assertEqual((payment.journal_id, payment.amount), (journal, 300.0))
        self.assertEqual(order.prepmt_state, "paid")
        self.assertFalse(self.order_payments(order))  # nothing in the first company

    def register_button_visible(self, order):
        form = Form(order)
        buttons = form._view["tree"].xpath("//button[@name='action_open_prepmt_payment_wizard']")
        if not buttons:  # its group hides it
            return False
        context = form._get_eval_context()
        return any(not safe_eval(b.get("invisible") or "False", context) for b in buttons)


class TestSalePaymentFirst(PaymentFirstScenarios, SalePrepaymentCase):
    pass


class TestPurchasePaymentFirst(PaymentFirstScenarios, PurchasePrepaymentCase):
    def test_vendor_reference_asked_as_for_a_prepayment_bill(self):
        """A company that requires the vendor's reference on prepayment bills asks for it in
        the Register Prepayment window too (the window of the Prepayment Bill is its model)."""
        self.company.prepmt_purchase_require_ref = True
        order = self.confirmed_order()
        # (the window requires the field: made without the form, as an old client would)
        wizard = self.prepmt_payment_wizard(order).create({})
        self.assertTrue(wizard.require_document_ref)
        with self.assertRefused(UserError, "Enter the vendor's reference"):
            wizard.action_register_prepayment()
        self.assertFalse(order.prepmt_move_ids)
        with self.payment_form(order) as form:
            form.document_ref = "VB-2026-17"
        move = self.env["account.move"].browse(form.record.action_register_prepayment()["res_id"])
        self.assertPaidAtOnce(order, move, 345.0, fields.Date.today())
        self.assertEqual(move.ref, "VB-2026-17")
        self.assertLedger(order)
