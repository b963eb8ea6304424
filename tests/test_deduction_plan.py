"""Issue 24, point 4: a deduction plan per order. In proportion to the quantity invoiced (the
default, Business Central's way), all on the first final invoice (bill), or nothing until the
last one; a company default, a choice per order, shown on the draft final document, with the
line's editable *Prepayment to Deduct* still on top."""

from odoo.tests import Form

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class DeductionPlanScenarios:
    """Shared by both sides (mixed into a Sale/PurchasePrepaymentCase)."""

    def prepaid_order(self, plan=None, percent=30):
        """10 x 100.00 (15 % tax), its prepayment invoiced; ``plan`` chosen in the order's
        form (its Prepayment tab)."""
        order = self.new_order(percent=percent)
        if plan:
            with Form(order) as form:
                form.prepmt_deduction_plan = plan
        self.assertEqual(order.prepmt_deduction_plan, plan or "proportional")
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertLedger(order)
        return order

    def deliver(self, order, qty):
        self.side.deliver(order.order_line, qty)

    def draft_final(self, order):
        """A draft final invoice (bill) of what is delivered (received)."""
        moves = self.side.final_invoice(order, post=False)
        self.assertEqual(moves.state, "draft")
        return moves

    def test_company_default_and_order_choice(self):
        self.assertEqual(self.company.prepmt_deduction_plan, "proportional")
        with Form(self.env["res.config.settings"]) as settings:
            self.assertEqual(settings.prepmt_deduction_plan, "proportional")
            settings.prepmt_deduction_plan = "last"
        self.assertEqual(self.company.prepmt_deduction_plan, "last")
        order = self.new_order(percent=30)
        self.assertEqual(order.prepmt_deduction_plan, "last")
        with Form(order) as form:
            form.prepmt_deduction_plan = "first"
        self.assertEqual(order.prepmt_deduction_plan, "first")
        self.company.prepmt_deduction_plan = "proportional"
        self.assertEqual(order.prepmt_deduction_plan, "first")  # the order's own choice stays

    def test_proportional_is_the_default(self):
        order = self.prepaid_order()
        self.deliver(order, 4)
        self.assertEqual(order.order_line.prepmt_amount_to_deduct, 120.0)
        move = self.draft_final(order)
        self.assertEqual(move.prepmt_deduction_amount, 120.0)
        self.assertIn("In Proportion to the Quantity Invoiced", move.prepmt_deduction_plan_note)
        move.action_post()
        self.assertLedger(order)
        self.deliver(order, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 180.0)
        self.assertLedger(order)

    def test_first_deducts_everything_on_the_first_final_invoice(self):
        order = self.prepaid_order("first")
        self.deliver(order, 4)
        self.assertEqual(order.order_line.prepmt_amount_to_deduct, 300.0)
        move = self.draft_final(order)
        self.assertEqual(
            move.prepmt_deduction_plan_note,
            f"Prepayment deduction plan of {order.name}: All on the First Final Invoice.",
        )
        self.assertEqual(move.prepmt_deduction_amount, 300.0)
        self.assertEqual(move.amount_untaxed, 100.0)
        self.assertEqual(move.amount_total, 115.0)
        move.action_post()
        self.assertFalse(move.prepmt_deduction_plan_note)  # posted: nothing to decide
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.deliver(order, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 0.0)
        self.assertEqual(last.amount_total, 690.0)
        self.assertLedger(order)

    def test_first_is_capped_by_what_each_invoice_bills(self):
        # 100 %: 1,000.00 prepaid; a first invoice of 4 bills 400.00 and deducts that much
        order = self.prepaid_order("first", percent=100)
        self.deliver(order, 4)
        first = self.side.final_invoice(order)
        self.assertEqual(first.prepmt_deduction_amount, 400.0)
        self.assertEqual(first.amount_total, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 600.0)
        self.assertLedger(order)
        # the rest follows on the next ones, again as far as each bills
        self.deliver(order, 7)
        second = self.side.final_invoice(order)
        self.assertEqual(second.prepmt_deduction_amount, 300.0)
        self.assertLedger(order)
        self.deliver(order, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 300.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_last_deducts_nothing_until_the_last_quantity(self):
        order = self.prepaid_order("last")
        self.deliver(order, 4)
        self.assertEqual(order.order_line.prepmt_amount_to_deduct, 0.0)
        move = self.draft_final(order)
        self.assertIn("All on the Last Final Invoice", move.prepmt_deduction_plan_note)
        self.assertEqual(move.prepmt_deduction_amount, 0.0)
        self.assertFalse(move.invoice_line_ids.filtered("prepmt_allocation_ids"))
        move.action_post()  # the posting check accepts it
        self.assertEqual(move.amount_total, 460.0)
        self.assertEqual(order.prepmt_amount_outstanding, 300.0)
        self.assertLedger(order)
        self.deliver(order, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 300.0)
        self.assertEqual(last.amount_untaxed, 300.0)
        self.assertEqual(last.amount_total, 345.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_last_deducts_what_the_last_invoice_could_not_carry(self):
        """A last invoice smaller than the prepayment cannot deduct it all: the one before
        deducts what the quantity left after it could not bill (as late as possible)."""
        order = self.prepaid_order("last")
        self.deliver(order, 4)
        first = self.side.final_invoice(order)
        self.assertEqual(first.prepmt_deduction_amount, 0.0)
        self.assertLedger(order)
        self.deliver(order, 9)  # 1 x 100.00 left after this one: it deducts 300 - 100
        second = self.side.final_invoice(order)
        self.assertEqual(second.prepmt_deduction_amount, 200.0)
        self.assertEqual(second.amount_untaxed, 300.0)
        self.assertLedger(order)
        self.deliver(order, 10)
        last = self.side.final_invoice(order)
        self.assertEqual(last.prepmt_deduction_amount, 100.0)
        self.assertEqual(last.amount_total, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_edited_prepayment_to_deduct_wins(self):
        order = self.prepaid_order("last")
        self.deliver(order, 4)
        line = order.order_line
        line.prepmt_amount_to_deduct = 50.0
        move = self.side.final_invoice(order)
        self.assertEqual(move.prepmt_deduction_amount, 50.0)
        self.assertLedger(order)
        order = self.prepaid_order("first")
        self.deliver(order, 4)
        order.order_line.prepmt_amount_to_deduct = 75.0
        move = self.side.final_invoice(order)
        self.assertEqual(move.prepmt_deduction_amount, 75.0)
        self.assertLedger(order)

    def test_plan_changed_on_a_draft_final_invoice(self):
        """The draft follows the plan chosen after it was made once *Update Prepayment
        Deductions* is clicked; the plan shown on it follows at once."""
        order = self.prepaid_order()
        self.deliver(order, 4)
        move = self.draft_final(order)
        self.assertEqual(move.prepmt_deduction_amount, 120.0)
        order.prepmt_deduction_plan = "first"
        move.invalidate_recordset()
        self.assertIn("All on the First Final Invoice", move.prepmt_deduction_plan_note)
        move.action_prepmt_update_deductions()
        self.assertEqual(move.prepmt_deduction_amount, 300.0)
        order.prepmt_deduction_plan = "last"
        move.action_prepmt_update_deductions()
        self.assertEqual(move.prepmt_deduction_amount, 0.0)
        move.action_post()
        self.assertLedger(order)


class TestSaleDeductionPlan(DeductionPlanScenarios, SalePrepaymentCase):
    pass


class TestPurchaseDeductionPlan(DeductionPlanScenarios, PurchasePrepaymentCase):
    pass
