"""Issue 21, what a new user trips on, both sides: the Prepayment tab's amounts (a column
untaxed, a column with tax, the words of the portal), the cent of tax each document rounds
(explained on the tab, noted on a final document only when its tax was moved), the wizard
keeping the amount typed, the vendor reference asked only when required, and the way out
named at once when a prepaid line is deleted."""

from odoo.exceptions import UserError
from odoo.tests import Form

from .common import PurchasePrepaymentCase, SalePrepaymentCase

# the rows of the tab: label, untaxed field, field with tax
TAB_ROWS = (
    ("Required", "prepmt_amount", "prepmt_amount_incl"),
    ("Invoiced", "prepmt_amount_invoiced", "prepmt_amount_invoiced_incl"),
    ("Paid", "prepmt_amount_paid", "prepmt_amount_paid_incl"),
    ("Still to Pay", "prepmt_amount_to_pay", "prepmt_amount_to_pay_incl"),
    ("Deducted", "prepmt_amount_deducted", "prepmt_amount_deducted_incl"),
    ("Not Yet Deducted", "prepmt_amount_outstanding", "prepmt_amount_outstanding_incl"),
    ("To Invoice", "prepmt_amount_to_invoice", "prepmt_amount_to_invoice_incl"),
)


class FirstImpressionScenarios:
    # ------------------------------------------------------------------ helpers
    def tab(self, order):
        """``{label: (untaxed, with tax)}`` as the order form's Prepayment tab shows them."""
        order.invalidate_recordset()
        form = Form(order)
        return {label: (form[untaxed], form[incl]) for label, untaxed, incl in TAB_ROWS}

    def wizard_form(self, order):
        action = order.action_open_prepmt_invoice_wizard()
        return Form(self.env[action["res_model"]].with_context(action["context"]))

    def cent_order(self):
        """2 x 1,000.20 at 50 %, 15 % tax: one prepayment document of 1,000.20 carries
        150.03 of tax, two of 500.10 carry 75.02 each (150.04)."""
        order = self.new_order(
            [{"product": self.product_a, "qty": 2, "price": 1000.20}], percent=50
        )
        self.side.confirm(order)
        return order

    def invoice(self, order, amount):
        form = self.wizard_form(order)
        form.amount = amount
        wizard = form.save()
        return self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])

    @staticmethod
    def tax_note(move):
        return "o_prepmt_tax_note" in str(move.narration or "")

    # ------------------------------------------------------------------ the tab
    def test_tab_shows_untaxed_and_with_tax_apart(self):
        arch = self.env[self.side.order_model].get_views([(False, "form")])["views"]["form"]
        arch = arch["arch"]
        page = arch[arch.index('name="prepayment"') :]
        page = page[: page.index("</page>")]
        for label, _untaxed, _incl in TAB_ROWS:
            self.assertIn(f'string="{label}"', page)
        for words in ("Untaxed", "With Tax", 'string="Settings"', "Prepayment Payment Terms"):
            self.assertIn(words, page)
        # the vocabulary of the portal; no "Outstanding", no untaxed beside with tax
        self.assertNotIn("Outstanding", page)
        self.assertNotIn("with Tax", page)
        # the controls apart from the amounts
        amounts = page[page.index('name="prepmt_amounts"') : page.index('name="prepmt_setup"')]
        for control in ("prepmt_percent", "prepmt_payment_term_id", "prepmt_check_override"):
            self.assertNotIn(control, amounts)

    def test_tab_amounts_to_the_cent_with_a_cent_of_tax(self):
        order = self.cent_order()
        self.assertEqual(
            self.tab(order),
            {
                "Required": (1000.20, 1150.23),
                "Invoiced": (0.0, 0.0),
                "Paid": (0.0, 0.0),
                "Still to Pay": (0.0, 0.0),
                "Deducted": (0.0, 0.0),
                "Not Yet Deducted": (0.0, 0.0),
                "To Invoice": (1000.20, 1150.23),
            },
        )
        self.assertFalse(order.prepmt_tax_note)
        first = self.invoice(order, 500.10)
        self.assertEqual(first.amount_total, 575.12)
        self.assertFalse(self.tax_note(first))  # a prepayment invoice moves no cent
        tab = self.tab(order)
        # what the documents total, and what the next one would
        self.assertEqual(tab["Invoiced"], (500.10, 575.12))
        self.assertEqual(tab["To Invoice"], (500.10, 575.12))
        self.assertEqual(tab["Still to Pay"], (500.10, 575.12))
        self.assertIn("0.01 more than required", order.prepmt_tax_note)
        self.pay(first)
        second = self.invoice(order, 500.10)
        tab = self.tab(order)
        self.assertEqual(
            tab,
            {
                "Required": (1000.20, 1150.23),
                "Invoiced": (1000.20, 1150.24),
                "Paid": (500.10, 575.12),
                "Still to Pay": (500.10, 575.12),
                "Deducted": (0.0, 0.0),
                "Not Yet Deducted": (1000.20, 1150.24),
                "To Invoice": (0.0, 0.0),
            },
        )
        self.assertIn("1,150.24", order.prepmt_tax_note)
        self.assertIn("each prepayment document rounds its own tax", order.prepmt_tax_note)
        self.pay(second)
        self.assertEqual(self.tab(order)["Still to Pay"], (0.0, 0.0))
        # the final document gives back the tax as invoiced (150.04, not 150.03): it says so
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertTrue(self.tax_note(final))
        self.assertIn("adjusted by", str(final.narration))
        self.assertIn("to match the tax of the prepayment invoices", str(final.narration))
        self.assertEqual(final.amount_tax, 300.06 - 150.04)
        tab = self.tab(order)
        self.assertEqual(tab["Deducted"], (1000.20, 1150.24))
        self.assertEqual(tab["Not Yet Deducted"], (0.0, 0.0))
        self.assertEqual(tab["Paid"], (1000.20, 1150.24))
        self.assertLedger(order)

    def test_no_note_where_no_cent_moved(self):
        order = self.new_order(percent=30)  # 10 x 100.00: 300.00, 345.00 with tax
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            self.tab(order),
            {
                "Required": (300.0, 345.0),
                "Invoiced": (300.0, 345.0),
                "Paid": (0.0, 0.0),
                "Still to Pay": (300.0, 345.0),
                "Deducted": (0.0, 0.0),
                "Not Yet Deducted": (300.0, 345.0),
                "To Invoice": (0.0, 0.0),
            },
        )
        self.assertFalse(order.prepmt_tax_note)
        self.assertFalse(Form(order)["prepmt_tax_note"])
        self.pay(move)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertFalse(self.tax_note(final))
        self.assertEqual(self.tab(order)["Deducted"], (300.0, 345.0))
        self.assertLedger(order)

    def test_total_with_tax_that_moves_a_cent_says_so(self):
        # 0.11 with 15 % tax: no untaxed amount reaches it (0.09 -> 0.10, 0.10 -> 0.12)
        order = self.new_order(percent=30)
        self.side.confirm(order)
        form = self.wizard_form(order)
        form.with_tax = True
        form.amount_total = 0.11
        move = self.env["account.move"].browse(form.save().action_create_invoice()["res_id"])
        self.assertEqual(move.amount_total, 0.11)
        self.assertTrue(self.tax_note(move))
        self.assertIn("prepayment amount agreed", str(move.narration))
        self.assertLedger(order)

    # An amount typed with tax so small that its untaxed amount carries no tax (0.04 at
    # 15 %: 0.03, whose tax rounds to nothing) used to leave a document of 0.03, as there was
    # no tax line to put the cent on; it now gets a tax line of its own, says so, and the
    # final document that clears the prepayment takes that cent of tax back.
    def test_total_with_tax_whose_untaxed_amount_carries_none(self):
        order = self.new_order([{"product": self.product_a, "qty": 1, "price": 0.10}], percent=100)
        self.side.confirm(order)
        form = self.wizard_form(order)
        form.with_tax = True
        form.amount_total = 0.04
        move = self.env["account.move"].browse(form.save().action_create_invoice()["res_id"])
        self.assertEqual(
            (move.amount_untaxed, move.amount_tax, move.amount_total), (0.03, 0.01, 0.04)
        )
        self.assertEqual(move.state, "posted")
        self.assertTrue(self.tax_note(move))
        self.assertIn("prepayment amount agreed", str(move.narration))
        self.assertLedger(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.amount_total, 0.08)  # 0.10 + 0.02 of tax, less 0.03 + 0.01
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertEqual(self.billed_total(order), order.amount_total)
        self.assertLedger(order)

    # ------------------------------------------------------------------ the wizard
    def test_wizard_keeps_the_amount_typed(self):
        order = self.new_order(percent=30)
        self.side.confirm(order)
        form = self.wizard_form(order)
        self.assertEqual((form.amount, form.amount_total), (300.0, 345.0))
        form.amount = 100.0
        form.with_tax = True
        self.assertEqual(form.amount_total, 115.0)
        form.with_tax = False
        self.assertEqual(form.amount, 100.0)
        form.with_tax = True
        form.amount_total = 230.0
        form.with_tax = False
        self.assertEqual(form.amount, 200.0)
        form.with_tax = True
        self.assertEqual(form.amount_total, 230.0)
        move = self.env["account.move"].browse(form.save().action_create_invoice()["res_id"])
        self.assertEqual((move.amount_untaxed, move.amount_total), (200.0, 230.0))
        self.assertLedger(order)

    def test_vendor_reference_only_when_required(self):
        order = self.new_order(percent=30)
        self.side.confirm(order)
        self.company.prepmt_purchase_require_ref = False
        form = self.wizard_form(order)
        self.assertTrue(form._get_modifier("document_ref", "invisible"))
        self.company.prepmt_purchase_require_ref = True
        form = self.wizard_form(order)
        # a sales order never asks
        self.assertEqual(bool(form._get_modifier("document_ref", "invisible")), self.side.inbound)

    # ------------------------------------------------------------------ deleting a line
    def test_deleting_a_prepaid_line_names_the_credit_memo(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        button = "Prepayment Credit Memo" if self.side.inbound else "Prepayment Refund"
        before = self.snapshot(order)
        # the trash icon, then Save: our way out, not Odoo's "set the quantity to 0"
        with self.assertRefused(
            UserError,
            r"^Line .* of %s has an invoiced prepayment of .*300\.00 that was not deducted: "
            r"post a prepayment credit memo first \(the %s button, with only this line chosen "
            r"to credit it alone\), then set the line's "
            r"quantity to 0 \(a confirmed order keeps its lines\)\.$" % (order.name, button),
        ):
            with Form(order) as form:
                form.order_line.remove(0)
        self.assertUnchanged(order, before)
        # the way it names works
        order.action_create_prepmt_credit_memo()
        with Form(order) as form:
            with form.order_line.edit(0) as line:
                line[self.side.qty_field] = 0
        self.assertEqual(order.order_line[0].prepmt_amount, 0.0)
        self.assertLedger(order, reduced_after_credit=True)

    def test_deleting_a_prepaid_quotation_line_names_the_credit_memo(self):
        self.company.prepmt_allow_quotation = True
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 2, "price": 50.0},
            ],
            percent=30,
        )
        order.action_create_prepmt_invoice()
        button = "Prepayment Credit Memo" if self.side.inbound else "Prepayment Refund"
        with self.assertRefused(
            UserError,
            r"post a prepayment credit memo first \(the %s button, with only this line chosen "
            r"to credit it alone\), then delete the line\.$" % button,
        ):
            order.order_line[0].unlink()
        order.action_create_prepmt_credit_memo()
        order.order_line[0].unlink()
        self.assertEqual(len(order.order_line), 1)


class TestFirstImpressionSale(FirstImpressionScenarios, SalePrepaymentCase):
    pass


class TestFirstImpressionPurchase(FirstImpressionScenarios, PurchasePrepaymentCase):
    pass
