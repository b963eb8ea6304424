"""Issue 24, point 2, both sides: the prepayment credit memo window credits chosen order lines,
or a lower amount (untaxed or with tax) spread over them as a lowered prepayment invoice is;
the rest stays invoiced. The credit memo is matched with the prepayment invoice it cancels,
the deletion guard names the window, and a line credited alone can then be deleted or reduced
as far as what is left invoiced allows. Exact amounts, the ledger checked after every step."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class PartialCreditMemoScenarios:
    # ------------------------------------------------------------------ helpers
    def invoiced_order(self, confirm=True):
        """10 x 100.00 and 2 x 50.00 at 30 %, 15 % tax: 300.00 + 30.00 invoiced (379.50 with
        tax)."""
        if not confirm:
            self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        if confirm:
            self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 330.0)
        self.assertEqual(order.prepmt_amount_invoiced_incl, 379.5)
        self.assertLedger(order)
        return order

    def credit_form(self, target):
        """The credit memo window as the order's button (or a line's *Credit* button) opens
        it."""
        action = target.action_open_prepmt_credit_memo_wizard()
        self.assertEqual(action["res_model"], "prepayment.credit.memo.wizard")
        return Form(self.env[action["res_model"]].with_context(action["context"]))

    def create_credit(self, form):
        wizard = form.save() if isinstance(form, Form) else form
        order = wizard._get_order()
        before = order.prepmt_move_ids
        wizard.action_create_credit_memo()
        move = order.prepmt_move_ids - before
        self.assertEqual(len(move), 1)
        self.assertEqual(move.move_type, order._prepmt_refund_type)
        self.assertEqual(move.state, "posted")
        return move

    def lines(self, order):
        return order.order_line.sorted("id")

    def assertAnalysis(self, order, required, invoiced, outstanding):
        """*Open Prepayments* says what the order says."""
        self.env["prepayment.analysis"].invalidate_model()  # its ids are row numbers
        rows = self.env["prepayment.analysis"].search([("order_name", "=", order.name)])
        self.assertEqual(
            tuple(round(sum(rows.mapped(f)), 2) for f in ("required", "invoiced", "outstanding")),
            (required, invoiced, outstanding),
        )

    # ------------------------------------------------------------------ tests
    def test_window_lists_the_lines_all_chosen(self):
        order = self.invoiced_order()
        form = self.credit_form(order)
        self.assertEqual(form.order_name, order.name)
        self.assertEqual((form.amount_to_invoice, form.amount), (330.0, 330.0))
        self.assertEqual((form.total_to_invoice, form.amount_total), (379.5, 379.5))
        wizard = form.save()
        rows = [
            (row.selected, row.name, row.amount_outstanding, row.amount_outstanding_incl)
            for row in wizard.line_ids
        ]
        line_a, line_b = self.lines(order)
        self.assertEqual(rows, [(True, line_a.name, 300.0, 345.0), (True, line_b.name, 30.0, 34.5)])
        # all of it: what the Prepayment Credit Memo button gave before
        move = self.create_credit(wizard)
        self.assertEqual((move.amount_untaxed, move.amount_total), (330.0, 379.5))
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 330.0)
        self.assertLedger(order)

    def test_credit_one_line_then_set_its_quantity_to_zero(self):
        order = self.invoiced_order()
        line_a, line_b = self.lines(order)
        invoice = order.prepmt_move_ids
        form = self.credit_form(order)
        with form.line_ids.edit(0) as row:
            row.selected = False
        self.assertEqual((form.amount_to_invoice, form.amount), (30.0, 30.0))
        self.assertEqual((form.total_to_invoice, form.amount_total), (34.5, 34.5))
        move = self.create_credit(form)
        self.assertEqual((move.amount_untaxed, move.amount_total), (30.0, 34.5))
        self.assertEqual(
            (line_a.prepmt_amount_invoiced, line_a.prepmt_amount_outstanding), (300.0, 300.0)
        )
        self.assertEqual((line_b.prepmt_amount_invoiced, line_b.prepmt_amount_outstanding), (0, 0))
        self.assertEqual(order.prepmt_amount_invoiced, 300.0)
        self.assertEqual(order.prepmt_amount_invoiced_incl, 345.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 30.0)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertAnalysis(order, 330.0, 300.0, 300.0)
        # matched with the invoice it cancels: the invoice asks 345.00, the credit memo is settled
        self.assertEqual(invoice.amount_residual, 345.0)
        self.assertTrue(move.currency_id.is_zero(move.amount_residual))
        self.assertLedger(order)
        # line B holds nothing now: its quantity goes to 0 in the form
        with Form(order) as order_form, order_form.order_line.edit(1) as row:
            row[self.side.qty_field] = 0
        self.assertEqual(line_b.prepmt_amount, 0.0)
        self.assertEqual(order.prepmt_amount, 300.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertEqual(order.prepmt_state, "waiting_payment")
        self.assertLedger(order)
        # line A is still protected
        with self.assertRefused(UserError, r"would require a prepayment of .*150\.00"):
            line_a.write({self.side.qty_field: 5})
        self.assertLedger(order)

    def test_lower_amount_spread_over_the_chosen_lines(self):
        order = self.invoiced_order()
        line_a, line_b = self.lines(order)
        form = self.credit_form(order)
        form.amount = 100.0
        move = self.create_credit(form)
        # 100.00 over 300.00 and 30.00: 90.91 and 9.09 (largest remainder)
        self.assertEqual((move.amount_untaxed, move.amount_tax, move.amount_total), (100, 15, 115))
        self.assertEqual(line_a.prepmt_amount_outstanding, 209.09)
        self.assertEqual(line_b.prepmt_amount_outstanding, 20.91)
        self.assertEqual(order.prepmt_amount_invoiced, 230.0)
        self.assertEqual(order.prepmt_amount_invoiced_incl, 264.5)
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        self.assertAnalysis(order, 330.0, 230.0, 230.0)
        self.assertLedger(order)
        # the rest is deducted by the final invoice
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final._prepmt_deducted_by_line(), {line_a: 209.09, line_b: 20.91})
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_lower_amount_with_tax_on_one_line(self):
        order = self.invoiced_order()
        line_a, line_b = self.lines(order)
        form = self.credit_form(order)
        with form.line_ids.edit(1) as row:
            row.selected = False
        form.amount = 50.0
        form.with_tax = True
        # switching keeps the amount typed: 50.00 untaxed is 57.50 with tax
        self.assertEqual(form.amount_total, 57.5)
        form.amount_total = 46.0
        move = self.create_credit(form)
        self.assertEqual((move.amount_untaxed, move.amount_total), (40.0, 46.0))
        self.assertEqual(line_a.prepmt_amount_outstanding, 260.0)
        self.assertEqual(line_b.prepmt_amount_outstanding, 30.0)
        self.assertEqual(order.prepmt_amount_invoiced_incl, 333.5)
        self.assertLedger(order)

    def test_total_with_tax_a_single_cent_cannot_reach(self):
        # 0.11 with tax at 15 %: no untaxed amount gives it; the cent goes on the tax (and the
        # document says so), as on a prepayment invoice typed with tax
        order = self.invoiced_order()
        form = self.credit_form(order)
        with form.line_ids.edit(1) as row:
            row.selected = False
        form.with_tax = True
        form.amount_total = 0.11
        move = self.create_credit(form)
        # 0.09 carries 0.01 of tax (0.10), 0.10 carries 0.02 (0.12): 0.09 and a cent on the tax
        self.assertEqual((move.amount_untaxed, move.amount_total), (0.09, 0.11))
        self.assertEqual(order.prepmt_amount_invoiced, 329.91)
        self.assertLedger(order)

    def test_deleting_guard_names_the_window_and_the_line_button_presets_it(self):
        order = self.invoiced_order(confirm=False)
        line_a, line_b = self.lines(order)
        with self.assertRefused(UserError, r"with only this line chosen to credit it alone"):
            line_b.unlink()
        # the line's Credit button (the order's lines with their prepayment columns)
        form = self.credit_form(line_b)
        self.assertEqual((form.amount, form.total_to_invoice), (30.0, 34.5))
        wizard = form.save()
        self.assertEqual(wizard.line_ids.mapped("selected"), [False, True])
        move = self.create_credit(wizard)
        self.assertEqual(move.amount_total, 34.5)
        self.assertLedger(order)
        line_b.unlink()
        self.assertEqual(order.order_line, line_a)
        self.assertEqual(order.prepmt_amount_invoiced, 300.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertLedger(order)

    def test_reduce_a_line_as_far_as_its_credit_allows(self):
        order = self.invoiced_order()
        line_a = self.lines(order)[0]
        with self.assertRefused(UserError, r"would require a prepayment of .*150\.00"):
            line_a.write({self.side.qty_field: 5})
        form = self.credit_form(line_a)
        form.amount = 100.0
        self.create_credit(form)
        self.assertEqual(line_a.prepmt_amount_invoiced, 200.0)
        self.assertLedger(order)
        # 200.00 left invoiced: 7 units (210.00) may stay, 6 (180.00) may not
        with self.assertRefused(UserError, r"would require a prepayment of .*180\.00"):
            line_a.write({self.side.qty_field: 6})
        with Form(order) as order_form, order_form.order_line.edit(0) as row:
            row[self.side.qty_field] = 7
        self.assertEqual(line_a.prepmt_amount, 210.0)
        self.assertEqual(line_a.prepmt_amount_to_invoice, 10.0)
        self.assertLedger(order)

    def test_credit_after_a_payment_stays_the_partners_credit(self):
        order = self.invoiced_order()
        invoice = order.prepmt_move_ids
        self.pay(invoice)
        self.assertEqual(order.prepmt_state, "paid")
        form = self.credit_form(order)
        form.amount = 30.0
        move = self.create_credit(form)
        # the invoice is paid: the credit memo stays open, to refund or to use
        self.assertEqual(move.amount_residual, 34.5)
        self.assertEqual(order.prepmt_amount_invoiced, 300.0)
        # what was paid stays paid until the open credit memo is used (README, Known limits)
        self.assertEqual(order.prepmt_amount_paid, 330.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 30.0)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.assertLedger(order)

    def test_bad_amounts_refused(self):
        order = self.invoiced_order()
        line_a, line_b = self.lines(order)
        builder = self.env["prepayment.document.builder"]
        before = self.snapshot(order)
        with self.assertRefused(ValidationError, r"holds .*30\.00 .*not .*30\.01"):
            builder._issue_credit_memo(order, {line_b: 30.01})
        with self.assertRefused(ValidationError, r"up to that, not .*-.*1\.00\.$"):
            builder._issue_credit_memo(order, {line_a: -1.0})
        with self.assertRefused(UserError, "Nothing to credit"):
            builder._issue_credit_memo(order, {line_a: 0.0})
        other = self.new_order(percent=30)
        with self.assertRefused(ValidationError, "is not a line of"):
            builder._issue_credit_memo(order, {other.order_line: 10.0})
        form = self.credit_form(order)
        form.amount = 330.01
        with self.assertRefused(ValidationError, r"at most .*330\.00"):
            form.save().action_create_credit_memo()
        form = self.credit_form(order)
        form.with_tax = True
        form.amount_total = 379.51
        with self.assertRefused(ValidationError, r"at most .*379\.50"):
            form.save().action_create_credit_memo()
        form = self.credit_form(order)
        for i in range(2):
            with form.line_ids.edit(i) as row:
                row.selected = False
        with self.assertRefused(UserError, "hold no prepayment that is not yet deducted"):
            form.save().action_create_credit_memo()
        self.assertUnchanged(order, before)
        self.assertLedger(order)

    def test_builder_intent_with_amounts(self):
        order = self.invoiced_order()
        line_a, line_b = self.lines(order)
        move = self.env["prepayment.document.builder"]._issue_credit_memo(
            order, {line_a: 100.0, line_b: 0.0}
        )
        self.assertEqual(move._prepmt_allocated_by_line("prepayment"), {line_a: 100.0})
        self.assertEqual((move.amount_untaxed, move.amount_total), (100.0, 115.0))
        self.assertLedger(order)


class TestPartialCreditMemoSale(PartialCreditMemoScenarios, SalePrepaymentCase):
    pass


class TestPartialCreditMemoPurchase(PartialCreditMemoScenarios, PurchasePrepaymentCase):
    pass
