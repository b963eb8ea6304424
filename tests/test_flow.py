"""The prepayment workflow end to end, on sales and on purchase orders."""

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class FlowScenarios:
    """Scenarios shared by both sides (mixed into a SalePrepaymentCase / PurchasePrepaymentCase)."""

    def test_full_workflow(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 4, "price": 250.0},
            ],
            percent=30,
            prepmt_compress=False,
        )
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [30.0, 30.0])
        self.assertEqual(order.prepmt_amount, 600.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 600.0)
        self.side.confirm(order)
        self.assertLedger(order)

        action = order.action_create_prepmt_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.is_prepayment)
        self.assertEqual(move.amount_untaxed, 600.0)
        self.assertEqual(move.currency_id, order.currency_id)
        self.assertEqual(set(move.invoice_line_ids.account_id.ids), {self.prepmt_account().id})
        self.assertEqual(len(move.invoice_line_ids), 2)  # one per order line (not grouped)
        self.assertEqual(order.prepmt_amount_invoiced, 600.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 600.0)
        self.assertEqual(order.prepmt_move_count, 1)
        self.assertIn(move, order.prepmt_move_ids)
        self.assertLedger(order)

        # nothing left to invoice: a clear error, nothing created
        with self.assertRaisesRegex(UserError, "no prepayment left to invoice"):
            order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_move_count, 1)

        # quantities grow: the next prepayment invoice takes only the difference
        order.order_line[0].write({self.side.qty_field: 12, "price_unit": 100.0})
        self.assertEqual(order.prepmt_amount_to_invoice, 60.0)
        move2 = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move2.amount_untaxed, 60.0)
        self.assertEqual(order.prepmt_amount_invoiced, 660.0)
        self.assertLedger(order)

        # final invoice of everything deducts all that is outstanding
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        deduction = final.invoice_line_ids.filtered("prepmt_allocation_ids")
        self.assertEqual(set(deduction.account_id.ids), {self.prepmt_account().id})
        self.assertAlmostEqual(sum(deduction.mapped("price_subtotal")), -660.0)
        self.assertEqual(order.prepmt_amount_deducted, 660.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)
        self.assertAlmostEqual(
            self.billed_total(order),
            order.amount_total,
            places=2,
        )

    def test_partial_final_invoices_lose_no_cent(self):
        # 3 x 233.33 must not leave 0.01 behind
        order = self.new_order(
            [{"product": self.product_a, "qty": 3, "price": 233.33}], percent=100
        )
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 699.99)
        line = order.order_line
        deducted = []
        for qty in (1, 2, 3):
            self.side.deliver(line, qty)
            self.assertAlmostEqual(
                line.prepmt_amount_to_deduct, 233.33 if qty < 3 else 699.99 - sum(deducted)
            )
            final = self.side.final_invoice(order)
            deducted.append(final.prepmt_deduction_amount)
            self.assertLedger(order)
        self.assertEqual(deducted, [233.33, 233.33, 233.33])
        self.assertEqual(line.prepmt_amount_outstanding, 0.0)

    def test_partial_rounding_uneven(self):
        order = self.new_order([{"product": self.product_a, "qty": 7, "price": 10.01}], percent=33)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        invoiced = order.prepmt_amount_invoiced
        self.assertEqual(invoiced, round(70.07 * 0.33, 2))
        line = order.order_line
        total = 0.0
        for qty in (2, 3, 7):
            self.side.deliver(line, qty)
            final = self.side.final_invoice(order)
            total += final.prepmt_deduction_amount
            self.assertLedger(order)
        self.assertAlmostEqual(total, invoiced, places=2)

    def test_lower_amount_with_wizard(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 300.0},
                {"product": self.product_b, "qty": 1, "price": 100.0},
            ],
            percent=50,
        )
        self.side.confirm(order)
        wizard = self.open_prepmt_wizard(order)
        self.assertEqual(wizard.amount, 200.0)
        wizard.amount = 500.0
        with self.assertRaisesRegex(ValidationError, "at most"):
            wizard.action_create_invoice()
        wizard.amount = 0.0
        with self.assertRaisesRegex(ValidationError, "more than 0"):
            wizard.action_create_invoice()
        self.assertFalse(order.prepmt_move_ids)
        wizard.amount = 100.0
        wizard.action_create_invoice()
        self.assertEqual(order.order_line.mapped("prepmt_amount_invoiced"), [75.0, 25.0])
        self.assertEqual(order.prepmt_amount_to_invoice, 100.0)
        self.assertLedger(order)
        # the rest later
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.assertLedger(order)

    def test_credit_memo(self):
        order = self.new_order(percent=40)
        self.side.confirm(order)
        with self.assertRaisesRegex(UserError, "no outstanding prepayment"):
            order.action_create_prepmt_credit_memo()
        order.action_create_prepmt_invoice()
        # half delivered and invoiced: deducts half
        self.side.deliver(order.order_line, 5)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_deducted, 200.0)
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertIn(credit.move_type, ("out_refund", "in_refund"))
        self.assertEqual(credit.amount_untaxed, 200.0)
        self.assertEqual(order.prepmt_amount_invoiced, order.prepmt_amount_deducted)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        # the requirement is unchanged: a new prepayment invoice can follow
        self.assertEqual(order.prepmt_amount, 400.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 200.0)
        self.assertLedger(order)
        order.action_create_prepmt_invoice()
        self.assertLedger(order)
        self.side.deliver(order.order_line, 10)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_reverse_and_reset_final_invoice_give_deduction_back(self):
        order = self.new_order(percent=20)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_deducted, 200.0)
        final.button_draft()
        self.assertEqual(order.prepmt_amount_deducted, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 200.0)
        self.assertLedger(order)
        final.action_post()
        self.assertEqual(order.prepmt_amount_deducted, 200.0)
        today = fields.Date.today()
        reversal = final._reverse_moves([{"invoice_date": today, "date": today}], cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(order.prepmt_amount_deducted, 0.0)
        self.assertEqual(order.prepmt_amount_outstanding, 200.0)
        self.assertLedger(order)
        final2 = self.side.final_invoice(order)
        self.assertEqual(final2.prepmt_deduction_amount, 200.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_cancel_final_invoice_gives_deduction_back(self):
        order = self.new_order(percent=20)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        final.button_draft()
        final.button_cancel()
        self.assertEqual(order.prepmt_amount_deducted, 0.0)
        self.assertLedger(order)

    def test_prepayment_invoice_cannot_be_reset_while_deducted(self):
        order = self.new_order(percent=20)
        self.side.confirm(order)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.deliver_all(order)
        self.side.final_invoice(order)
        with self.assertRaisesRegex(UserError, "Reverse or reset the final invoices"):
            prepmt.button_draft()
        self.assertEqual(prepmt.state, "posted")
        self.assertLedger(order)

    def test_taxes_included_and_two_taxes(self):
        tax_incl = self.side.taxes().copy(
            {"name": "21% incl", "amount": 21, "price_include_override": "tax_included"}
        )
        tax_2 = self.side.taxes().copy({"name": "7%", "amount": 7})
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 3, "price": 121.0, "taxes": tax_incl},
                {
                    "product": self.product_b,
                    "qty": 2,
                    "price": 99.99,
                    "taxes": self.side.taxes() | tax_2,
                },
                {
                    "product": self.product_b,
                    "qty": 1,
                    "price": 50.0,
                    "taxes": self.env["account.tax"],
                },
            ],
            percent=35,
        )
        self.side.confirm(order)
        self.assertEqual(order.order_line[0].price_subtotal, 300.0)
        self.assertEqual(order.order_line[0].prepmt_amount, 105.0)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertAlmostEqual(prepmt.amount_untaxed, order.prepmt_amount)
        incl_line = prepmt.invoice_line_ids.filtered(lambda ln: ln.tax_ids == tax_incl)
        self.assertAlmostEqual(incl_line.price_subtotal, 105.0)
        self.assertAlmostEqual(incl_line.price_total, 127.05)
        self.assertLedger(order)
        self.deliver_all(order)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_grouping_is_the_default(self):
        # like NAV's "Compress Prepayment": one line per account, taxes and analytic distribution
        self.assertTrue(self.company.prepmt_compress_default)
        self.assertTrue(self.new_order().prepmt_compress)
        self.company.prepmt_compress_default = False
        self.assertFalse(self.new_order().prepmt_compress)

    def test_grouped_lines(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 100.0},
                {"product": self.product_b, "qty": 1, "price": 200.0},
                {
                    "product": self.product_b,
                    "qty": 1,
                    "price": 50.0,
                    "taxes": self.env["account.tax"],
                },
            ],
            percent=10,
            prepmt_compress=True,
        )
        self.side.confirm(order)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(len(prepmt.invoice_line_ids), 2)  # one per tax set
        self.assertEqual(len(prepmt.line_ids.prepmt_allocation_ids), 3)
        self.assertEqual(order.order_line.mapped("prepmt_amount_invoiced"), [10.0, 20.0, 5.0])
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(len(final.invoice_line_ids.filtered("prepmt_allocation_ids")), 2)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_foreign_currency(self):
        currency = self.setup_other_currency("EUR")
        order = self.new_order(
            [{"product": self.product_a, "qty": 3, "price": 333.33}],
            percent=25,
            **self.currency_vals(currency),
        )
        self.side.confirm(order)
        self.assertEqual(order.currency_id, currency)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(prepmt.currency_id, currency)
        self.assertAlmostEqual(prepmt.amount_untaxed, 250.0)
        self.assertLedger(order)
        self.side.deliver(order.order_line, 1)
        self.side.final_invoice(order)
        self.assertLedger(order)
        self.side.deliver(order.order_line, 3)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_draft_document_blocks_a_second_one(self):
        self.company.prepmt_auto_post = False
        order = self.new_order(percent=10)
        self.side.confirm(order)
        draft = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(draft.state, "draft")
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)
        with self.assertRaisesRegex(UserError, "post or delete the draft first"):
            order.action_create_prepmt_invoice()
        self.assertEqual(len(order.prepmt_move_ids), 1)
        # the user changes the amount before posting: what is posted counts
        draft.invoice_line_ids.price_unit = 60.0
        draft.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 60.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 40.0)
        self.assertLedger(order)

    def test_draft_document_cannot_exceed_requirement(self):
        self.company.prepmt_auto_post = False
        order = self.new_order(percent=10)
        self.side.confirm(order)
        draft = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        draft.invoice_line_ids.price_unit = 150.0
        with self.assertRaisesRegex(UserError, "more than the"):
            draft.action_post()
        self.assertEqual(draft.state, "draft")
        self.assertEqual(order.prepmt_amount_invoiced, 0.0)

    def test_quotation_needs_setting(self):
        order = self.new_order(percent=10)
        with self.assertRaisesRegex(UserError, "Confirm"):
            order.action_create_prepmt_invoice()
        self.company.prepmt_allow_quotation = True
        order.action_create_prepmt_invoice()
        self.assertEqual(order.prepmt_amount_invoiced, 100.0)

    def test_journal_setting(self):
        journal = self.env["account.journal"].create(
            {
                "name": "Prepayments",
                "code": "PREP",
                "type": "sale" if self.side.inbound else "purchase",
            }
        )
        field = "prepmt_sale_journal_id" if self.side.inbound else "prepmt_purchase_journal_id"
        self.company[field] = journal
        order = self.new_order(percent=10)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.journal_id, journal)
        self.assertTrue(move.name.startswith(("PREP", "RPREP", "BILL", "PREP/")) or move.name)

    def test_missing_account_points_to_setting(self):
        field = "prepmt_sale_account_id" if self.side.inbound else "prepmt_purchase_account_id"
        self.company[field] = False
        order = self.new_order(percent=10)
        self.side.confirm(order)
        with self.assertRaisesRegex(UserError, "Settings"):
            order.action_create_prepmt_invoice()
        self.assertFalse(order.prepmt_move_ids)

    def test_chatter_trace(self):
        order = self.new_order(percent=10)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        bodies = " ".join(order.message_ids.mapped("body"))
        self.assertIn(move.name, bodies)
        self.assertIn("Prepayment invoice", bodies)
        # the final invoice leaves its deduction too: internal notes by the user who posted
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        note = order.message_ids.filtered(lambda m: final.name in m.body)
        self.assertIn("of prepayment", note.body)
        for trace in note | order.message_ids.filtered(lambda m: move.name in m.body):
            self.assertEqual(trace.subtype_id, self.env.ref("mail.mt_note"))
            self.assertEqual(trace.author_id, self.env.user.partner_id)

    def test_header_amount_spread(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 100.0},
                {"product": self.product_b, "qty": 1, "price": 200.0},
                {"product": self.product_b, "qty": 1, "price": 33.33},
            ],
            percent=10,
        )
        order.order_line[1].prepmt_percent = 0
        order.prepmt_amount = 100.0
        lines = order.order_line
        self.assertEqual(lines[1].prepmt_amount, 0.0)
        self.assertAlmostEqual(lines[0].prepmt_amount + lines[2].prepmt_amount, 100.0)
        self.assertEqual(lines[0].prepmt_amount, 75.0)
        self.assertEqual(lines[2].prepmt_amount, 25.0)
        self.assertAlmostEqual(lines[0].prepmt_percent, 75.0)
        self.assertEqual(order.prepmt_amount, 100.0)
        with self.assertRaises(ValidationError):
            order.prepmt_amount = 1000.0

    def test_header_percent_reapplies_and_rules_button(self):
        self.env["prepayment.rule"].create(
            {
                "order_type": self.side.order_model.split(".")[0],
                "product_tmpl_id": self.product_b.product_tmpl_id.id,
                "percent": 60,
            }
        )
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 1, "price": 100.0},
                {"product": self.product_b, "qty": 1, "price": 100.0},
            ]
        )
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [0.0, 60.0])
        order.prepmt_percent = 15
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [15.0, 15.0])
        order.action_apply_prepmt_rules()
        self.assertEqual(order.order_line.mapped("prepmt_percent"), [15.0, 60.0])

    def test_partner_default_percent(self):
        field = "customer_prepmt_percent" if self.side.inbound else "vendor_prepmt_percent"
        self.partner_b[field] = 45
        order = self.new_order(partner=self.partner_b)
        self.assertEqual(order.prepmt_percent, 45)
        self.assertEqual(order.order_line.prepmt_percent, 45)
        self.assertEqual(order.prepmt_amount, 450.0)
        # per company: another company does not see it
        other = (
            self.partner_b.with_company(self.company_data_2["company"])
            if hasattr(self, "company_data_2")
            else None
        )
        if other:
            self.assertEqual(other[field], 0.0)

    def test_payment_term_and_due_date(self):
        order = self.new_order(percent=10)
        order.prepmt_payment_term_id = self.pay_terms_b
        self.side.confirm(order)
        self.assertTrue(order.prepmt_due_date)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.invoice_payment_term_id, self.pay_terms_b)
        self.assertEqual(order.prepmt_due_date, move.invoice_date_due)

    def test_downpayment_and_display_lines_carry_no_prepayment(self):
        order = self.new_order(percent=50)
        order.order_line = [
            Command.create({"display_type": "line_note", "name": "note", self.side.qty_field: 0})
        ]
        note = order.order_line.filtered("display_type")
        self.assertEqual(note.prepmt_percent, 0.0)
        self.assertEqual(note.prepmt_amount, 0.0)
        self.assertEqual(order.prepmt_amount, 500.0)


class TestSaleFlow(FlowScenarios, SalePrepaymentCase):
    def test_odoo_down_payment_still_works(self):
        order = self.new_order(percent=10)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 20})
        )
        wizard.create_invoices()
        dp_invoice = order.invoice_ids.filtered(lambda m: m.state == "draft")
        dp_invoice.action_post()
        self.assertEqual(order.prepmt_amount_invoiced, 100.0)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(final.prepmt_deduction_amount, 100.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)

    def test_pricelist_rule_and_partner_invoice_address(self):
        pricelist = self.env["product.pricelist"].create({"name": "Wholesale"})
        self.env["prepayment.rule"].create(
            {"order_type": "sale", "pricelist_id": pricelist.id, "percent": 12}
        )
        order = self.new_order(pricelist_id=pricelist.id)
        self.assertEqual(order.order_line.prepmt_percent, 12)


class TestPurchaseFlow(FlowScenarios, PurchasePrepaymentCase):
    def test_vendor_reference_and_bill_date(self):
        order = self.new_order(percent=10, partner_ref="VEND-42")
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.move_type, "in_invoice")
        self.assertEqual(move.ref, "VEND-42")
        self.assertTrue(move.invoice_date)

    def test_bill_matched_to_the_order_deducts(self):
        """A bill entered by hand with the order's lines deducts the prepayment, visibly on
        the draft already."""
        order = self.new_order(percent=20)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": order.partner_id.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [Command.create(order.order_line._prepare_account_move_line())],
            }
        )
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.prepmt_deduction_amount, 200.0)
        bill.action_post()
        self.assertEqual(bill.prepmt_deduction_amount, 200.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_bill_matched_in_the_form_deducts(self):
        """A new vendor bill matched to the purchase order in the bill form (the PO picked in
        its auto-complete field) shows the deduction when it is saved, before posting."""
        order = self.new_order(percent=20)
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        with Form(
            self.env["account.move"].with_context(default_move_type="in_invoice")
        ) as bill_form:
            bill_form.partner_id = order.partner_id
            bill_form.invoice_date = fields.Date.today()
            bill_form.purchase_vendor_bill_id = self.env["purchase.bill.union"].browse(-order.id)
        bill = bill_form.record
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.prepmt_deduction_amount, 200.0)
        self.assertEqual(bill.amount_untaxed, 800.0)
        bill.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_vendor_reference_required_by_company(self):
        self.company.prepmt_purchase_require_ref = True
        order = self.new_order(percent=10)
        self.side.confirm(order)
        with self.assertRefused(UserError, "vendor's reference"):
            order.action_create_prepmt_invoice()
        self.assertFalse(order.prepmt_move_ids)
        wizard = self.open_prepmt_wizard(order)
        self.assertTrue(wizard.require_document_ref)
        wizard.document_ref = "CW-7781"
        wizard.action_create_invoice()
        self.assertEqual(order.prepmt_move_ids.ref, "CW-7781")
