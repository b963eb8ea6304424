"""Accounting truth on orders users make every day: discount lines, fixed taxes, credit memos
that cancel open invoices, partial credit notes, edited deductions, moving exchange rates, and
an audit trail nobody rewrites by RPC.  Every scenario runs on both sides where it applies, and
``assertLedger`` checks the ledger (order and company currency) after each step."""

from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class AccountingTruthScenarios:
    def fixed_tax(self):
        """A 5.00 eco-fee per unit that is part of the base of the percentage tax."""
        base = self.side.taxes()
        return self.env["account.tax"].create(
            {
                "name": "eco-fee 5.00",
                "amount_type": "fixed",
                "amount": 5.0,
                "type_tax_use": base.type_tax_use,
                "include_base_amount": True,
                "sequence": 0,
            }
        )

    def final_all(self, order):
        self.deliver_all(order)
        return self.side.final_invoice(order)

    def reverse(self, move, lines=None):
        """Credit note with Odoo's reversal wizard; ``lines``: {order line: qty to credit}."""
        refund = self.credit_note_draft(move)
        if lines:
            link = "sale_line_ids" if self.side.inbound else "purchase_line_id"
            rows = list(refund.invoice_line_ids)
            with Form(refund) as form:
                for order_line, qty in lines.items():
                    for index, row in enumerate(rows):
                        if order_line in row[link] and not row.prepmt_allocation_ids:
                            with form.invoice_line_ids.edit(index) as line_form:
                                line_form.quantity = qty
        refund.invoice_date = fields.Date.today()
        return refund

    # ------------------------------------------------------------------ 1. negative lines
    def test_discount_line_follows_the_net_amount(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 4000.0},
                {"product": self.product_b, "qty": 1, "price": -400.0},
            ],
            percent=100,
        )
        self.assertEqual(order.amount_untaxed, 3600.0)
        self.assertEqual(order.prepmt_amount, 3600.0)
        self.assertEqual(order.order_line[1].prepmt_amount, -400.0)
        self.side.confirm(order)
        self.assertEqual(order.prepmt_amount_to_invoice, 3600.0)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_untaxed, 3600.0)
        self.assertLedger(order)
        final = self.final_all(order)
        self.assertEqual(final.state, "posted")
        self.assertEqual(final.amount_total, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        total = self.billed_total(order)
        self.assertAlmostEqual(total, order.amount_total, places=2)

    def test_saving_the_form_keeps_the_line_percents(self):
        """The form sends the order amount on every save: an unchanged amount must not
        re-spread the prepayment over the lines (a discount line made it look changed)."""
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 4000.0},
                {"product": self.product_b, "qty": 1, "price": -400.0},
            ],
            percent=50,
        )
        order.order_line[0].prepmt_percent = 80
        self.assertEqual(order.prepmt_amount, 3000.0)
        order.write({"prepmt_amount": 3000.0})
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [80.0, 50.0])
        # a new amount gives every line with a % the same %, the discount line included
        order.write({"prepmt_amount": 1800.0})
        self.assertEqual(order.order_line.mapped("prepmt_amount"), [2000.0, -200.0])
        self.assertEqual(order.prepmt_amount, 1800.0)

    def test_negative_quantity_line(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 5, "price": 100.0},
                {"product": self.product_b, "qty": -1, "price": 50.0},
            ],
            percent=40,
        )
        self.assertEqual(order.prepmt_amount, 180.0)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 180.0)
        self.assertLedger(order)
        line_a, line_b = order.order_line
        self.side.deliver(line_a, 5)
        self.side.deliver(line_b, -1)
        final = self.side.final_invoice(order)
        self.assertEqual(final.move_type, "out_invoice" if self.side.inbound else "in_invoice")
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_discount_line_cannot_be_deleted_once_invoiced(self):
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 4000.0},
                {"product": self.product_b, "qty": 1, "price": -400.0},
            ],
            percent=100,
        )
        order.action_create_prepmt_invoice()
        before = self.snapshot(order)
        with self.assertRefused(UserError, "prepayment credit memo first"):
            order.order_line[1].unlink()
        self.assertUnchanged(order, before)

    def test_negative_total_with_taxes_is_refused_clearly(self):
        """A discount line that carries more tax than the lines it discounts: the prepayment
        is positive untaxed but negative with taxes; refused with a message, nothing made."""
        order = self.new_order(
            [
                {
                    "product": self.product_a,
                    "qty": 1,
                    "price": 100.0,
                    "taxes": self.env["account.tax"],
                },
                {"product": self.product_b, "qty": 1, "price": -90.0},
            ],
            percent=100,
        )
        self.side.confirm(order)
        self.assertEqual(order.prepmt_amount_to_invoice, 10.0)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "negative total with taxes"):
            order.action_create_prepmt_invoice()
        self.assertUnchanged(order, before)
        self.assertFalse(order.prepmt_move_ids)

    # ------------------------------------------------------------------ 2. fixed taxes
    def test_fixed_tax_is_charged_once(self):
        taxes = self.fixed_tax() | self.side.taxes()
        order = self.new_order(
            [{"product": self.product_a, "qty": 2, "price": 100.0, "taxes": taxes}], percent=50
        )
        # order: 200 + 2 x 5.00 eco-fee + 15 % of 210
        self.assertAlmostEqual(order.amount_tax, 10.0 + 31.5, places=2)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_untaxed, 100.0)
        self.assertEqual(move.amount_tax, 15.0)  # the percentage only, no eco-fee
        self.assertFalse(move.invoice_line_ids.tax_ids.filtered(lambda t: t.amount_type == "fixed"))
        final = self.final_all(order)
        self.assertAlmostEqual(final.amount_tax, 41.5 - 15.0, places=2)
        docs = self.posted_docs(order)
        self.assertAlmostEqual(sum(self.doc_sign(m) * m.amount_tax for m in docs), 41.5, places=2)
        self.assertLedger(order)

    # ------------------------------------------------------------------ 3. credit memo
    def test_credit_memo_settles_the_open_prepayment_invoice(self):
        order = self.new_order(percent=30)
        self.side.confirm(order)
        invoice = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(order.prepmt_state, "waiting_payment")
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(credit.amount_residual, 0.0)
        self.assertIn(invoice.payment_state, ("paid", "reversed"))
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertLedger(order)

    def test_credit_memo_after_partial_payment(self):
        order = self.new_order(percent=30)
        self.side.confirm(order)
        invoice = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.pay(invoice, 100.0)
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertEqual(invoice.amount_residual, 0.0)
        # what the partner paid stays open on the credit memo, to refund or to use
        self.assertAlmostEqual(credit.amount_residual, 100.0, places=2)
        self.assertLedger(order)

    # ------------------------------------------------------------------ 4. partial credit note
    def test_partial_credit_note_of_a_final_invoice(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        final = self.final_all(order)
        self.assertEqual(final.prepmt_deduction_amount, 400.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        refund = self.reverse(final, {order.order_line: 2})
        # the refund gives back the deduction of 2 of the 10 units, visibly on the draft
        self.assertEqual(refund.prepmt_deduction_amount, 80.0)
        refund.action_post()
        self.assertEqual(refund.state, "posted")
        self.assertAlmostEqual(refund.amount_untaxed, 200.0 - 80.0, places=2)
        self.assertEqual(order.prepmt_amount_deducted, 320.0)
        self.assertEqual(order.prepmt_amount_outstanding, 80.0)
        self.assertLedger(order)

    def test_full_credit_note_gives_back_all(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        final = self.final_all(order)
        refund = self.reverse(final)
        self.assertEqual(refund.prepmt_deduction_amount, 400.0)
        refund.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 400.0)
        self.assertLedger(order)

    # ------------------------------------------------------------------ 5. edited deductions
    def test_amount_to_deduct_is_editable_within_bounds(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        line = order.order_line
        self.side.deliver(line, 5)
        self.assertEqual(line.prepmt_amount_to_deduct, 200.0)
        with self.assertRefused(ValidationError, "between 0 and"):
            line.prepmt_amount_to_deduct = 450.0
        line.prepmt_amount_to_deduct = 150.0
        draft = self.side.final_invoice(order, post=False)
        self.assertEqual(draft.prepmt_deduction_amount, 150.0)
        draft.action_post()
        self.assertEqual(order.prepmt_amount_deducted, 150.0)
        self.side.deliver(line, 10)
        self.assertEqual(line.prepmt_amount_to_deduct, 250.0)  # the last quantity: all
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_edited_deduction_line_is_kept_or_refused(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.side.deliver(order.order_line, 5)
        draft = self.side.final_invoice(order, post=False)
        deduction = draft.invoice_line_ids.filtered("prepmt_allocation_ids")
        self.assertEqual(deduction.price_subtotal, -200.0)
        # beyond what is outstanding: refused at posting, nothing rewritten
        with Form(draft) as form:
            with form.invoice_line_ids.edit(list(draft.invoice_line_ids).index(deduction)) as ln:
                ln.price_unit = -500.0
        with self.assertRefused(UserError, "between 0 and"):
            draft.action_post()
        self.assertEqual(draft.state, "draft")
        self.assertEqual(deduction.price_subtotal, -500.0)
        # within bounds: kept as the user typed it
        with Form(draft) as form:
            with form.invoice_line_ids.edit(list(draft.invoice_line_ids).index(deduction)) as ln:
                ln.price_unit = -120.0
        draft.action_post()
        self.assertEqual(draft.prepmt_deduction_amount, 120.0)
        self.assertEqual(order.prepmt_amount_outstanding, 280.0)
        self.assertLedger(order)

    def test_quantity_edited_on_the_draft_moves_the_deduction(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.side.deliver(order.order_line, 5)
        draft = self.side.final_invoice(order, post=False)
        product_line = draft.invoice_line_ids.filtered(lambda ln: not ln.prepmt_allocation_ids)
        with Form(draft) as form:
            with form.invoice_line_ids.edit(list(draft.invoice_line_ids).index(product_line)) as ln:
                ln.quantity = 2
        self.assertEqual(draft.prepmt_deduction_amount, 80.0)
        draft.action_post()
        self.assertLedger(order)

    # ------------------------------------------------------------------ 5b. issue 22
    def draft_prepayment(self, order):
        """A prepayment document left in draft for review (*post at once* off)."""
        self.company.prepmt_auto_post = False
        draft = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.company.prepmt_auto_post = True
        self.assertEqual(draft.state, "draft")
        return draft

    def test_prepayment_draft_blocks_the_final_invoice_then_posted(self):
        """Issue 22, defect 1: the prepayment draft waits for review while the order is
        invoiced; the final invoice cannot be posted before it (it would be billed on top:
        1,495 for an order of 1,150); the accountant posts the draft, updates the final
        invoice's deductions, posts it: 345 + 805 = 1,150."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.assertEqual(order.amount_total, 1150.0)
        draft = self.draft_prepayment(order)
        self.assertEqual(draft.amount_total, 345.0)
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        self.assertEqual(final.amount_total, 1150.0)
        self.assertEqual(final.prepmt_deduction_amount, 0.0)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "Post or delete prepayment draft") as cm:
            final.action_post()
        self.assertIn(draft.display_name, str(cm.exception))
        self.assertIn("Update Prepayment Deductions", str(cm.exception))
        self.assertUnchanged(order, before)
        self.assertEqual(final.state, "draft")
        self.assertLedger(order)
        draft.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 300.0)
        self.assertLedger(order)
        # the final invoice was made before the prepayment was posted: it deducts nothing
        # and invoices the last quantity, refused until its deductions are updated
        with self.assertRefused(UserError, "Update Prepayment Deductions"):
            final.action_post()
        final.action_prepmt_update_deductions()
        self.assertEqual(final.prepmt_deduction_amount, 300.0)
        self.assertEqual(final.amount_total, 805.0)
        final.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1150.0)

    def test_prepayment_draft_then_the_credit_note_of_a_negative_line(self):
        """Issue 22, found by the long generated profile: a line ordered -6 (goods taken
        back) is billed by a credit note, the one Odoo makes of a negative invoice. Made while
        the prepayment draft was open, it deducts nothing; once the draft is posted, posting
        it is refused until its deductions are updated, and then it deducts all of the
        line's prepayment (-120.00): nothing stays outstanding, and the documents bill the
        order's total."""
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 5, "price": 100.0},
                {"product": self.product_b, "qty": -6, "price": 50.0},
            ],
            percent=40,
        )
        self.side.confirm(order)
        self.assertEqual(order.amount_total, 230.0)
        line_a, line_b = order.order_line
        draft = self.draft_prepayment(order)
        self.assertEqual(draft.amount_total, 92.0)
        self.side.deliver(line_b, -6)
        credit = self.side.final_invoice(order, post=False)
        self.assertEqual(credit.move_type, "out_refund" if self.side.inbound else "in_refund")
        self.assertEqual(credit.amount_total, 345.0)
        with self.assertRefused(UserError, "Post or delete prepayment draft"):
            credit.action_post()
        draft.action_post()
        self.assertEqual(line_b.prepmt_amount_outstanding, -120.0)
        self.assertLedger(order)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "Update Prepayment Deductions") as cm:
            credit.action_post()
        self.assertIn("last quantity", str(cm.exception))
        self.assertUnchanged(order, before)
        credit.action_prepmt_update_deductions()
        self.assertEqual(credit.amount_untaxed, 180.0)
        self.assertEqual(credit.amount_total, 207.0)
        credit.action_post()
        self.assertEqual(line_b.prepmt_amount_deducted, -120.0)
        self.assertEqual(line_b.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.side.deliver(line_a, 5)
        final = self.side.final_invoice(order)
        self.assertEqual(final.amount_total, 345.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 230.0)

    def test_a_final_invoice_deducts_what_the_rest_cannot(self):
        """Issue 22, found by the long generated profile: with 80 % prepaid, an invoice of
        half the quantity that deducts nothing (made while the prepayment was a draft, or
        the user's lower Prepayment to Deduct) would leave 800.00 for the last half, which
        bills only 500.00: that last invoice could never be posted. So each final document
        deducts at least what the quantity left after it cannot (800 - 500 = 300), and
        posting one that deducts less is refused, saying how much."""
        order = self.new_order([{"product": self.product_a, "qty": 10, "price": 100.0}], percent=80)
        self.side.confirm(order)
        line = order.order_line
        draft = self.draft_prepayment(order)
        self.side.deliver(line, 5)
        first = self.side.final_invoice(order, post=False)
        self.assertEqual(first.prepmt_deduction_amount, 0.0)
        draft.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 800.0)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "must deduct at least") as cm:
            first.action_post()
        self.assertIn("300.00", str(cm.exception))
        self.assertIn("Update Prepayment Deductions", str(cm.exception))
        self.assertUnchanged(order, before)
        first.action_prepmt_update_deductions()
        self.assertEqual(first.amount_untaxed, 100.0)  # 500 - 400, in proportion
        first.action_post()
        self.assertLedger(order)
        # the user's own lower Prepayment to Deduct: kept above the least, refused below
        self.side.deliver(line, 10)
        self.assertEqual(line.prepmt_amount_to_deduct, 400.0)
        line.prepmt_amount_to_deduct = 250.0
        last = self.side.final_invoice(order, post=False)
        with self.assertRefused(UserError, "invoices the last quantity"):
            last.action_post()
        last.action_prepmt_update_deductions()
        last.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1150.0)

    def test_a_lower_deduction_is_refused_below_what_the_rest_cannot(self):
        """The same bound on the user's Prepayment to Deduct: 80 % prepaid, half the
        quantity invoiced may deduct 300.00 to 800.00, not 100.00."""
        order = self.new_order([{"product": self.product_a, "qty": 10, "price": 100.0}], percent=80)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        line = order.order_line
        self.side.deliver(line, 5)
        line.prepmt_amount_to_deduct = 100.0
        final = self.side.final_invoice(order, post=False)
        self.assertEqual(final.amount_untaxed, 400.0)
        with self.assertRefused(UserError, "must deduct at least") as cm:
            final.action_post()
        self.assertIn("300.00", str(cm.exception))
        final.action_prepmt_update_deductions()
        self.assertEqual(final.amount_untaxed, 100.0)
        final.action_post()
        self.assertLedger(order)
        line.prepmt_amount_to_deduct = 0.0  # nothing left to invoice: nothing to deduct now
        self.side.deliver(line, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.amount_untaxed, 100.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_prepayment_draft_blocks_the_final_invoice_then_deleted(self):
        """Issue 22, defect 1: the prepayment draft is deleted instead; the final invoice
        bills the whole order."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        draft = self.draft_prepayment(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        with self.assertRefused(UserError, "Post or delete prepayment draft"):
            final.action_post()
        draft.unlink()
        final.action_post()
        self.assertEqual(final.amount_total, 1150.0)
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)  # nothing left to prepay
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1150.0)

    def test_prepayment_draft_of_a_user_without_billing_rights(self):
        """Issue 22, defect 1, with the draft left by design: a salesperson (a purchase user)
        who may not post invoices issues the prepayment; the accountant invoices the order:
        refused until the draft is posted, then the final invoice deducts it."""
        user = self.user_of_side()
        self.assertFalse(user.has_group("account.group_account_invoice"))
        order = self.new_order(percent=30)
        if self.side.inbound:
            order.user_id = user  # the salesperson's own order
        self.side.confirm(order)
        action = order.with_user(user).action_create_prepmt_invoice()
        draft = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((draft.state, draft.amount_total), ("draft", 345.0))
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        with self.assertRefused(UserError, "Post or delete prepayment draft"):
            final.action_post()
        draft.action_post()
        final.action_prepmt_update_deductions()
        final.action_post()
        self.assertEqual(final.amount_total, 805.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1150.0)

    def test_prepayment_draft_cannot_invoice_what_finals_invoiced(self):
        """Issue 22, defect 1: posting a prepayment draft checks it against what its lines
        still have to invoice at that moment. 9 of 10 units are invoiced: 100 of the 300 is
        left; a reviewer who raises the draft to the whole 300 is refused."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.side.deliver(order.order_line, 9)
        first = self.side.final_invoice(order)
        self.assertEqual(first.amount_total, 1035.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        draft = self.draft_prepayment(order)
        self.assertEqual(draft.amount_untaxed, 100.0)
        with Form(draft) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 300.0
        self.assertEqual(draft.amount_untaxed, 300.0)
        before = self.snapshot(order)
        with self.assertRefused(UserError, r"only .*100\.00 is left to invoice"):
            draft.action_post()
        self.assertUnchanged(order, before)
        with Form(draft) as form, form.invoice_line_ids.edit(0) as line:
            line.price_unit = 100.0
        draft.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 100.0)
        self.assertLedger(order)
        self.side.deliver(order.order_line, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 100.0)
        self.assertEqual(last.amount_total, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1150.0)

    def goods_and_installation(self):
        """Goods 1,000 (prepayment 300) and an installation 500 (prepayment 150), the
        prepayment invoiced and posted, everything delivered."""
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 1000.0},
                {"product": self.product_b, "qty": 1, "price": 500.0},
            ],
            percent=30,
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 450.0)
        self.deliver_all(order)
        return order

    def remove_in_form(self, move, order_line):
        """Take the invoice line of ``order_line`` off ``move`` in the invoice form."""
        link = "sale_line_ids" if self.side.inbound else "purchase_line_id"
        rows = list(move.invoice_line_ids)
        index = next(
            i
            for i, row in enumerate(rows)
            if order_line in row[link] and not row.prepmt_allocation_ids
        )
        with Form(move) as form:
            form.invoice_line_ids.remove(index)

    def test_line_removed_from_draft_final_takes_its_deduction_along(self):
        """Issue 22, defect 2: the installation's line is taken off the draft final invoice
        (it will be invoiced later): the deduction follows, 300 instead of 450; the later
        invoice deducts the installation's 150."""
        order = self.goods_and_installation()
        goods, installation = order.order_line
        final = self.side.final_invoice(order, post=False)
        self.assertEqual(final.prepmt_deduction_amount, 450.0)
        self.remove_in_form(final, installation)
        self.assertEqual(final.prepmt_deduction_amount, 300.0)
        self.assertEqual(dict(final._prepmt_deducted_by_line()), {goods: 300.0})
        self.assertEqual(final.amount_untaxed, 700.0)
        self.assertEqual(final.amount_total, 805.0)
        final.action_post()
        self.assertEqual(goods.prepmt_amount_outstanding, 0.0)
        self.assertEqual(installation.prepmt_amount_deducted, 0.0)
        self.assertEqual(installation.prepmt_amount_outstanding, 150.0)
        self.assertLedger(order)
        later = self.side.final_invoice(order)
        self.assertEqual(later.prepmt_deduction_amount, 150.0)
        self.assertEqual(later.amount_total, 402.5)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1725.0)  # 517.50 + 805 + 402.50

    def test_deduction_of_a_line_not_invoiced_is_refused(self):
        """Issue 22, defect 2: a deduction for an order line the document does not invoice
        (the line deleted without the form, by import or RPC) is refused at posting; Update
        Prepayment Deductions puts it right."""
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 1000.0},
                {"product": self.product_b, "qty": 1, "price": 500.0},
            ],
            percent=30,
            prepmt_compress=False,
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        goods, installation = order.order_line
        final = self.side.final_invoice(order, post=False)
        link = "sale_line_ids" if self.side.inbound else "purchase_line_id"
        final.invoice_line_ids.filtered(
            lambda ln: installation in ln[link] and not ln.prepmt_allocation_ids
        ).unlink()
        self.assertEqual(final.prepmt_deduction_amount, 450.0)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "does not invoice that line") as cm:
            final.action_post()
        self.assertIn(installation.name, str(cm.exception))
        self.assertIn("150.00", str(cm.exception))
        self.assertUnchanged(order, before)
        final.action_prepmt_update_deductions()
        self.assertEqual(final.prepmt_deduction_amount, 300.0)
        final.action_post()
        self.assertEqual(installation.prepmt_amount_outstanding, 150.0)
        self.assertLedger(order)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertEqual(self.billed_total(order), 1725.0)

    def test_line_removed_from_credit_note_takes_its_give_back_along(self):
        """Issue 22, defect 2 on a credit note of a final invoice: the goods' line taken off
        the reversal in its form, the credit note gives back only the installation's 150."""
        order = self.goods_and_installation()
        goods, installation = order.order_line
        final = self.side.final_invoice(order)
        self.assertEqual(final.prepmt_deduction_amount, 450.0)
        refund = self.reverse(final)
        self.assertEqual(refund.prepmt_deduction_amount, 450.0)
        self.remove_in_form(refund, goods)
        self.assertEqual(refund.prepmt_deduction_amount, 150.0)
        self.assertEqual(refund.amount_total, 402.5)
        refund.action_post()
        self.assertEqual(goods.prepmt_amount_outstanding, 0.0)
        self.assertEqual(installation.prepmt_amount_outstanding, 150.0)
        self.assertLedger(order)

    # ------------------------------------------------------------------ 6. exchange rates
    def set_rate(self, currency, rate):
        today = fields.Date.today()
        rates = currency.rate_ids.filtered(
            lambda r: r.name == today and r.company_id == self.company
        )
        if rates:
            rates.rate = rate
        else:
            self.env["res.currency.rate"].create(
                {
                    "name": today,
                    "rate": rate,
                    "currency_id": currency.id,
                    "company_id": self.company.id,
                }
            )
        self.env.invalidate_all()

    def test_moving_exchange_rate_leaves_no_residue(self):
        eur = self.setup_other_currency("EUR")
        self.set_rate(eur, 3.0)
        vals = (
            {"currency_id": eur.id}
            if not self.side.inbound
            else {
                "pricelist_id": self.env["product.pricelist"]
                .create({"name": "EUR", "currency_id": eur.id})
                .id
            }
        )
        order = self.new_order(percent=30, **vals)
        self.assertEqual(order.currency_id, eur)
        self.side.confirm(order)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        account = self.prepmt_account()
        line = prepmt.line_ids.filtered(lambda ln: ln.account_id == account)
        self.assertAlmostEqual(abs(line.balance), 100.0, places=2)  # 300 EUR at 3.0
        self.set_rate(eur, 2.0)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        deduction = final.line_ids.filtered(lambda ln: ln.account_id == account)
        self.assertAlmostEqual(abs(deduction.balance), 150.0, places=2)  # 300 EUR at 2.0
        self.assertTrue(deduction.reconciled)
        self.assertTrue(line.reconciled)
        self.assertTrue(
            deduction.full_reconcile_id.exchange_move_id
            or (deduction.matched_debit_ids | deduction.matched_credit_ids).exchange_move_id
        )
        self.assertLedger(order)  # zero residue in company currency
        # resetting the final invoice undoes the exchange difference and reopens the prepayment
        final.button_draft()
        self.assertFalse(line.reconciled)
        self.assertAlmostEqual(abs(line.amount_residual), 100.0, places=2)
        self.assertLedger(order)
        final.action_post()
        self.assertLedger(order)

    def test_prepayment_account_is_reconcilable(self):
        self.assertTrue(self.prepmt_account().reconcile)

    # ------------------------------------------------------------------ 8. audit trail
    def user_of_side(self):
        groups = (
            "sales_team.group_sale_salesman"
            if self.side.inbound
            else "purchase.group_purchase_user"
        )
        return new_test_user(
            self.env,
            login=f"prepmt_audit_{self.side.order_model}",
            groups=f"base.group_user,{groups}",
            company_id=self.company.id,
            company_ids=[self.company.id],
        )

    def test_allocations_cannot_be_edited_by_rpc(self):
        order = self.new_order(percent=30)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        allocations = order.order_line.prepmt_allocation_ids
        self.assertTrue(allocations)
        before = self.snapshot(order)
        for user in (self.user_of_side(), self.env.user):
            with self.assertRefused(AccessError, "prepayment engine"):
                allocations.with_user(user).write({"amount": 1.0})
            with self.assertRefused(AccessError, "prepayment engine"):
                allocations.with_user(user).unlink()
        with self.assertRefused(AccessError, "posted document"):
            allocations.sudo().write({"amount": 1.0})
        line = order.order_line[0]
        with self.assertRefused(AccessError, "cannot be added"):
            allocations.sudo().create(
                {
                    "move_line_id": allocations[0].move_line_id.id,
                    "kind": "prepayment",
                    line._prepmt_alloc_field: line.id,
                    "amount": 1.0,
                }
            )
        self.assertUnchanged(order, before)

    def test_only_managers_let_an_order_through_on_create(self):
        user = self.user_of_side()
        with self.assertRefused(AccessError, "Only managers"):
            self.env[self.side.order_model].with_user(user).create(
                {"partner_id": self.partner_a.id, "prepmt_check_override": True}
            )
        manager = new_test_user(
            self.env,
            login=f"prepmt_manager_{self.side.order_model}",
            groups="base.group_user," + (self.env[self.side.order_model]._prepmt_manager_group),
            company_id=self.company.id,
            company_ids=[self.company.id],
        )
        order = (
            self.env[self.side.order_model]
            .with_user(manager)
            .create({"partner_id": self.partner_a.id, "prepmt_check_override": True})
        )
        self.assertTrue(order.prepmt_check_override)

    # ------------------------------------------------------------------ issue 22, defect 3
    def test_over_delivered_quantity_reaches_settled(self):
        """Ten ordered, invoiced on delivery (receipt): six delivered and invoiced, then
        twelve in all and invoiced. The second invoice deducts all that is left, nothing is
        outstanding, Odoo says fully invoiced: Settled, once the prepayment is paid (an
        unpaid prepayment document is never Settled, issue 21)."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        invoice = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(invoice.amount_total, 345.0)
        line = order.order_line
        self.side.deliver(line, 6)
        first = self.side.final_invoice(order)
        self.assertEqual(first.prepmt_deduction_amount, 180.0)
        self.assertEqual(first.amount_untaxed, 600.0 - 180.0)
        self.assertEqual(order.prepmt_amount_outstanding, 120.0)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertLedger(order)
        self.side.deliver(line, 12)
        second = self.side.final_invoice(order)
        self.assertEqual(second.prepmt_deduction_amount, 120.0)
        self.assertEqual(second.amount_untaxed, 600.0 - 120.0)
        self.assertEqual(second.amount_total, 552.0)
        self.assertEqual(line.qty_invoiced, 12.0)
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(
            (
                order.prepmt_amount_invoiced,
                order.prepmt_amount_deducted,
                order.prepmt_amount_outstanding,
                order.prepmt_amount_to_invoice,
                order.prepmt_amount_paid,
            ),
            (300.0, 300.0, 0.0, 0.0, 0.0),
        )
        # fully invoiced and nothing outstanding, but the prepayment document is not paid
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.pay(invoice)
        self.assertEqual(order.prepmt_amount_paid, 300.0)
        self.assertEqual(order.prepmt_state, "settled")
        self.assertIn("fully paid", order.message_ids[0].body)
        self.assertLedger(order)
        # the settled order's documents: 345.00 + 483.00 + 552.00 for 1,380.00 of goods
        self.assertEqual(self.billed_total(order), 1380.0)
        # its second invoice reset to draft: six units are not invoiced by posted documents
        second.button_draft()
        self.assertEqual(order.prepmt_amount_outstanding, 120.0)
        self.assertEqual(order.prepmt_state, "paid")
        second.action_post()
        self.assertEqual(order.prepmt_state, "settled")
        self.assertLedger(order)

    def test_invoiced_up_to_the_ordered_quantity_is_settled_without_more(self):
        """Ten delivered of ten, invoiced in one piece with the prepayment paid: Settled;
        its credit note of two units gives back 60.00 and it is Prepayment Paid again."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.pay(self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"]))
        final = self.final_all(order)
        self.assertEqual(order.prepmt_state, "settled")
        refund = self.reverse(final, {order.order_line: 2})
        refund.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 60.0)
        self.assertEqual(order.prepmt_state, "paid")
        self.assertLedger(order)

    # ------------------------------------------------------------------ issue 22, defect 4
    def analysis_rows(self, order):
        self.env.flush_all()
        return self.env["prepayment.analysis"].search([("order_name", "=", order.name)])

    def search_filter(self, name):
        """The orders the list's filter ``name`` finds."""
        Orders = self.env[self.side.order_model]
        node = etree.fromstring(Orders.get_view(view_type="search")["arch"]).xpath(
            f"//filter[@name='{name}']"
        )
        return Orders.search(
            safe_eval(node[0].get("domain"), {"context_today": fields.Date.context_today})
        )

    def test_cancelled_order_requires_nothing(self):
        """A confirmed 30 % order without prepayment invoice, cancelled: no status, nothing to
        invoice, no due date, out of the filters and of Open Prepayments; reset to quotation
        and confirmed again, it asks for its 300.00 again."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertTrue(order.prepmt_due_date)
        self.assertIn(order, self.search_filter("prepmt_to_invoice"))
        self.assertEqual(self.analysis_rows(order).mapped("required"), [300.0])
        partner = order.partner_id.commercial_partner_id
        partner.invalidate_recordset(["prepmt_open_count"])
        open_before = partner.prepmt_open_count
        self.side.cancel(order)
        self.assertEqual(order.state, "cancel")
        self.assertEqual(
            (order.prepmt_state, order.prepmt_amount_to_invoice, order.prepmt_due_date),
            ("none", 0.0, False),
        )
        self.assertEqual(order.order_line.prepmt_amount_to_invoice, 0.0)
        self.assertEqual(order.prepmt_amount, 300.0)  # what its lines carry, as its total
        self.assertNotIn(order, self.search_filter("prepmt_to_invoice"))
        self.assertFalse(self.analysis_rows(order))
        partner.invalidate_recordset(["prepmt_open_count"])
        self.assertEqual(partner.prepmt_open_count, open_before - 1)
        with self.assertRefused(UserError, "Confirm"):
            order.action_create_prepmt_invoice()
        self.assertLedger(order)
        self.side.reset_to_quotation(order)
        self.assertEqual(order.state, "draft")
        self.assertEqual(
            (order.prepmt_state, order.prepmt_amount_to_invoice), ("to_invoice", 300.0)
        )
        self.assertTrue(order.prepmt_due_date)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_total, 345.0)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertLedger(order)

    def test_cancelled_order_keeps_its_credited_history(self):
        """Invoiced, paid in part, credited, cancelled: its documents stay linked and its
        amounts readable; it requires nothing."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        invoice = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.pay(invoice, 115.0)
        # the guard: an invoiced prepayment not deducted refuses the cancel, nothing changes
        before = self.snapshot(order)
        with self.assertRefused(UserError, "credit memo first"):
            self.side.cancel(order)
        self.assertUnchanged(order, before)
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertEqual(credit.amount_total, 345.0)
        self.side.cancel(order)
        self.assertEqual(order.prepmt_move_count, 2)
        self.assertEqual(
            (
                order.prepmt_state,
                order.prepmt_amount_invoiced,
                order.prepmt_amount_outstanding,
                order.prepmt_amount_to_invoice,
                order.prepmt_due_date,
            ),
            ("none", 0.0, 0.0, 0.0, False),
        )
        rows = self.analysis_rows(order)
        self.assertEqual(
            [(r.prepmt_state, r.required, r.invoiced, r.outstanding) for r in rows],
            [("none", 0.0, 0.0, 0.0)],
        )
        self.assertLedger(order)


class TestSaleAccountingTruth(AccountingTruthScenarios, SalePrepaymentCase):
    def test_discount_wizard_line(self):
        """Odoo 18's Discount button (fixed amount) adds a negative line: at 100 % the
        prepayment is the order's untaxed total."""
        order = self.new_order(
            [{"product": self.product_a, "qty": 1, "price": 4000.0}], percent=100
        )
        wizard = (
            self.env["sale.order.discount"]
            .with_context(active_id=order.id)
            .create(
                {"sale_order_id": order.id, "discount_type": "amount", "discount_amount": 400.0}
            )
        )
        wizard.action_apply_discount()
        discount = order.order_line[-1]
        self.assertEqual(discount.price_subtotal, -400.0)
        self.assertEqual(order.prepmt_amount, 3600.0)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_untaxed, 3600.0)
        final = self.final_all(order)
        self.assertEqual(final.state, "posted")
        self.assertLedger(order)

    def test_cancelled_order_is_never_reminded(self):
        """A sales order (Odoo cancels one with posted invoices) whose overdue prepayment
        invoice was deducted by its final invoice, then cancelled: no reminder, not overdue,
        nothing due, not counted by its team."""
        team = self.env["crm.team"].create({"name": "Cancelled Team"})
        order = self.new_order(percent=30, team_id=team)
        self.side.confirm(order)
        self.company.prepmt_auto_post = False
        invoice = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        invoice.invoice_date = fields.Date.today() - timedelta(days=5)
        invoice.action_post()
        self.assertTrue(order.prepmt_overdue)
        self.final_all(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertEqual(team.prepmt_waiting_count, 1)
        self.side.cancel(order)
        self.assertEqual(order.state, "cancel")
        self.assertEqual((order.prepmt_state, order.prepmt_due_date), ("none", False))
        self.assertFalse(order.prepmt_overdue)
        self.assertNotIn(order, self.env["sale.order"].search([("prepmt_overdue", "=", True)]))
        self.assertIn(order, self.env["sale.order"].search([("prepmt_overdue", "=", False)]))
        team.invalidate_recordset(["prepmt_waiting_count"])
        self.assertEqual(team.prepmt_waiting_count, 0)
        self.env["sale.order"]._cron_prepmt_remind()
        self.assertFalse(
            order.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id
                    == self.env.ref("prepayment_addon.mail_activity_prepayment_overdue")
                )
            )
        )
        self.assertLedger(order)


class TestPurchaseAccountingTruth(AccountingTruthScenarios, PurchasePrepaymentCase):
    def test_order_with_posted_bills_is_not_cancelled(self):
        """Odoo refuses to cancel a purchase order with posted bills: nothing changes."""
        order = self.new_order(percent=30)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.final_all(order)
        before = self.snapshot(order)
        with self.assertRefused(UserError, "cancel"):
            self.side.cancel(order)
        self.assertUnchanged(order, before)
