"""What an accountant coming from NAV / Business Central relies on (issue 12): prepayment
accounts by product category, amounts with tax, payment terms with an early-payment
discount, no false duplicate warning between a prepayment bill and its final bill, and the
open prepayments as of a date. Both sides, exact amounts, ``assertLedger`` after each step."""

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from .common import PurchasePrepaymentCase, PurchaseSide, SalePrepaymentCase, SaleSide


class AccountantScenarios:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Order = cls.env[cls.side.order_model]
        cls.categ_field = Order._prepmt_account_field
        account_type = "liability_current" if cls.side.inbound else "asset_current"
        cls.account_goods, cls.account_services, cls.account_services_2, cls.account_fp = (
            cls.env["account.account"].create(
                {
                    "name": name,
                    "code": code,
                    "account_type": account_type,
                    "company_ids": [Command.set(cls.company.ids)],
                }
            )
            for name, code in (
                ("Prepayments goods", "PRG001"),
                ("Prepayments services", "PRS001"),
                ("Prepayments services (new)", "PRS002"),
                ("Prepayments EU", "PRE001"),
            )
        )
        Category = cls.env["product.category"]
        cls.categ_goods = Category.create({"name": "Goods", cls.categ_field: cls.account_goods.id})
        cls.categ_services = Category.create(
            {"name": "Services", cls.categ_field: cls.account_services.id}
        )
        # a sub-category without an account of its own takes its parent's
        cls.categ_consulting = Category.create(
            {"name": "Consulting", "parent_id": cls.categ_services.id}
        )
        cls.product_a.categ_id = cls.categ_goods
        cls.product_b.categ_id = cls.categ_consulting

    def two_category_order(self, **vals):
        return self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 5, "price": 200.0},
            ],
            percent=40,
            **vals,
        )

    def prepmt_lines(self, move):
        return move.invoice_line_ids.filtered("prepmt_allocation_ids")

    def by_account(self, lines):
        return {line.account_id: line.price_subtotal for line in lines}

    # ------------------------------------------------------------------ 1. accounts
    def test_category_accounts_one_line_per_account_deducted_where_credited(self):
        self.assertTrue(self.account_goods.reconcile)  # made reconcilable when set
        order = self.two_category_order()
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            self.by_account(self.prepmt_lines(move)),
            {self.account_goods: 400.0, self.account_services: 400.0},
        )
        self.assertEqual(move.amount_untaxed, 800.0)
        self.assertEqual(move.amount_tax, 120.0)
        self.assertEqual(move.amount_total, 920.0)
        self.assertLedger(order)
        # the services account changes: what was credited is deducted from where it is
        self.categ_services[self.categ_field] = self.account_services_2
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(
            self.by_account(self.prepmt_lines(final)),
            {self.account_goods: -400.0, self.account_services: -400.0},
        )
        self.assertEqual(final.amount_untaxed, 1200.0)
        self.assertEqual(final.amount_total, 1380.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        for account in (self.account_goods, self.account_services):
            items = (move | final).line_ids.filtered(
                lambda ln, account=account: ln.account_id == account
            )
            self.assertTrue(all(items.mapped("reconciled")), account.code)
            self.assertEqual(sum(items.mapped("balance")), 0.0)
        self.assertLedger(order)
        # a new order takes the new account
        order2 = self.two_category_order()
        self.side.confirm(order2)
        move2 = self.env["account.move"].browse(order2.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            self.by_account(self.prepmt_lines(move2)),
            {self.account_goods: 400.0, self.account_services_2: 400.0},
        )

    def test_company_account_default_and_fiscal_position_on_top(self):
        categ_none = self.env["product.category"].create({"name": "No account"})
        self.product_b.categ_id = categ_none
        fpos = self.env["account.fiscal.position"].create(
            {
                "name": "EU",
                "account_ids": [
                    Command.create(
                        {
                            "account_src_id": self.account_goods.id,
                            "account_dest_id": self.account_fp.id,
                        }
                    )
                ],
            }
        )
        order = self.two_category_order(fiscal_position_id=fpos.id)
        self.assertEqual(order.fiscal_position_id, fpos)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            self.by_account(self.prepmt_lines(move)),
            {self.account_fp: 400.0, self.prepmt_account(): 400.0},
        )
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(
            self.by_account(self.prepmt_lines(final)),
            {self.account_fp: -400.0, self.prepmt_account(): -400.0},
        )
        self.assertLedger(order)

    def test_lines_not_grouped_and_credit_memo_on_the_credited_accounts(self):
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_a, "qty": 1, "price": 300.0},
                {"product": self.product_b, "qty": 5, "price": 200.0},
            ],
            percent=40,
            prepmt_compress=False,
        )
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            sorted((ln.account_id.code, ln.price_subtotal) for ln in self.prepmt_lines(move)),
            [("PRG001", 120.0), ("PRG001", 400.0), ("PRS001", 400.0)],
        )
        self.categ_goods[self.categ_field] = self.account_services_2
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertEqual(
            sorted((ln.account_id.code, ln.price_subtotal) for ln in self.prepmt_lines(credit)),
            [("PRG001", 120.0), ("PRG001", 400.0), ("PRS001", 400.0)],
        )
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order, reduced_after_credit=True)
        # invoiced again: on the goods category's new account
        move2 = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(
            sorted((ln.account_id.code, ln.price_subtotal) for ln in self.prepmt_lines(move2)),
            [("PRS001", 400.0), ("PRS002", 120.0), ("PRS002", 400.0)],
        )
        self.assertLedger(order)

    def test_credit_note_gives_back_to_the_accounts_deducted_from(self):
        order = self.two_category_order()
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.categ_goods[self.categ_field] = self.account_services_2
        refund = self.credit_note_draft(final)
        self.env["prepayment.document.builder"]._sync_deductions(refund)
        self.assertEqual(
            self.by_account(self.prepmt_lines(refund)),
            {self.account_goods: -400.0, self.account_services: -400.0},
        )
        refund.invoice_date = fields.Date.today()
        refund.action_post()
        self.assertEqual(order.prepmt_amount_outstanding, 800.0)
        self.assertLedger(order)

    def test_deduction_moved_to_another_account_is_refused(self):
        order = self.two_category_order()
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        goods = self.prepmt_lines(final).filtered(lambda ln: ln.account_id == self.account_goods)
        final.write(
            {
                "invoice_line_ids": [
                    Command.update(goods.id, {"account_id": self.account_services.id})
                ]
            }
        )
        with self.assertRefused(UserError, "taken back from account PRS001"):
            final.action_post()
        self.assertEqual(final.state, "draft")

    # ------------------------------------------------------------------ 5. duplicates
    def test_no_false_duplicate_between_prepayment_and_final_document(self):
        ref_field = "client_order_ref" if self.side.inbound else "partner_ref"
        order = self.new_order(
            [{"product": self.product_a, "qty": 10, "price": 100.0}],
            percent=50,
            **{ref_field: "V-100"},
        )
        self.side.confirm(order)
        prepmt = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual((prepmt.ref, prepmt.amount_total), ("V-100", 575.0))
        self.deliver_all(order)
        final = self.side.final_invoice(order, post=False)
        final.invoice_date = prepmt.invoice_date
        # same partner, reference, date and total as the prepayment document
        self.assertEqual((final.ref, final.amount_total), ("V-100", 575.0))
        self.assertFalse(final.duplicated_ref_ids)
        self.assertFalse(prepmt.duplicated_ref_ids)
        # a real duplicate still warns, on both
        twin = self.env["account.move"].create(
            {
                "move_type": prepmt.move_type,
                "partner_id": prepmt.partner_id.id,
                "ref": "V-100",
                "invoice_date": prepmt.invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Deposit",
                            "quantity": 1,
                            "price_unit": 500.0,
                            "tax_ids": [Command.set(self.side.taxes().ids)],
                        }
                    )
                ],
            }
        )
        self.assertEqual(twin.amount_total, 575.0)
        self.env.invalidate_all()  # duplicated_ref_ids is not stored
        self.assertEqual(final.duplicated_ref_ids, twin)
        self.assertEqual(prepmt.duplicated_ref_ids, twin)
        self.assertEqual(twin.duplicated_ref_ids, prepmt | final)
        final.action_post()
        self.assertLedger(order)

    # ------------------------------------------------------------------ 4. payment terms
    def test_customer_and_vendor_prepayment_terms_apart(self):
        term_customer, term_vendor = self.env["account.payment.term"].create(
            [
                {
                    "name": "Prepayment 7 days",
                    "line_ids": [
                        Command.create({"value": "percent", "value_amount": 100, "nb_days": 7})
                    ],
                },
                {
                    "name": "Prepayment 14 days",
                    "line_ids": [
                        Command.create({"value": "percent", "value_amount": 100, "nb_days": 14})
                    ],
                },
            ]
        )
        self.partner_a.write(
            {
                "customer_prepmt_payment_term_id": term_customer.id,
                "vendor_prepmt_payment_term_id": term_vendor.id,
            }
        )
        # company-dependent: another company's partner has none
        other = self.env["res.company"].create({"name": "Other company"})
        self.assertFalse(self.partner_a.with_company(other).customer_prepmt_payment_term_id)
        order = self.new_order(percent=50)
        expected = term_customer if self.side.inbound else term_vendor
        self.assertEqual(order.prepmt_payment_term_id, expected)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.invoice_payment_term_id, expected)

    def test_early_payment_discount_on_the_prepayment_invoice(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "2% 10 days, net 30",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "early_pay_discount_computation": "included",
                "line_ids": [
                    Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})
                ],
            }
        )
        self.partner_a[self.env[self.side.order_model]._prepmt_partner_payment_term_field] = term
        order = self.new_order(percent=50)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.invoice_payment_term_id, term)
        self.assertEqual(
            (move.amount_untaxed, move.amount_tax, move.amount_total), (500.0, 75.0, 575.0)
        )
        # paid within the discount days: 2% off 575.00
        payment = self.pay(move)
        self.assertEqual(payment.amount, 563.5)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.amount_residual, 0.0)
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(order.prepmt_amount_paid, 500.0)
        # the discount is a cash discount: the prepayment account still holds 500.00
        self.assertEqual(order.prepmt_amount_outstanding, 500.0)
        self.assertLedger(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        deduction = self.prepmt_lines(final)
        self.assertEqual(deduction.mapped("price_subtotal"), [-500.0])
        self.assertEqual(
            (final.amount_untaxed, final.amount_tax, final.amount_total), (500.0, 75.0, 575.0)
        )
        self.assertEqual(order.prepmt_amount_deducted, 500.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        items = (move | final).line_ids.filtered(lambda ln: ln.account_id == self.prepmt_account())
        self.assertEqual(sum(items.mapped("balance")), 0.0)
        self.assertTrue(all(items.mapped("reconciled")))
        self.assertLedger(order)

    # ------------------------------------------------------------------ 2. with tax
    def tax(self, amount, price_include=False):
        # a copy of the side's tax: its tax lines go to the same tax account
        return self.side.taxes().copy(
            {
                "name": f"Tax {amount}%{' incl.' if price_include else ''}",
                "amount": amount,
                "price_include_override": "tax_included" if price_include else "tax_excluded",
            }
        )

    def test_amounts_with_tax_on_the_order_and_its_lines(self):
        order = self.two_category_order()
        self.side.confirm(order)
        self.assertEqual((order.prepmt_amount, order.prepmt_amount_incl), (800.0, 920.0))
        self.assertEqual(order.order_line.mapped("prepmt_amount_incl"), [460.0, 460.0])
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_total, 920.0)
        self.assertEqual(
            (
                order.prepmt_amount_invoiced_incl,
                order.prepmt_amount_outstanding_incl,
                order.prepmt_amount_paid_incl,
            ),
            (920.0, 920.0, 0.0),
        )
        self.assertEqual(order.order_line.mapped("prepmt_amount_invoiced_incl"), [460.0, 460.0])
        self.pay(move, 460.0)
        self.assertEqual((order.prepmt_amount_paid, order.prepmt_amount_paid_incl), (400.0, 460.0))
        self.pay(move)
        self.assertEqual(order.prepmt_amount_paid_incl, 920.0)
        # half of the first line invoiced: 200.00 deducted, 230.00 with tax
        self.side.deliver(order.order_line[0], 5)
        self.side.final_invoice(order)
        self.assertEqual(
            (order.prepmt_amount_outstanding, order.prepmt_amount_outstanding_incl), (600.0, 690.0)
        )
        self.assertEqual(order.order_line.mapped("prepmt_amount_outstanding_incl"), [230.0, 460.0])
        self.assertLedger(order)
        self.deliver_all(order)
        self.side.final_invoice(order)
        self.assertEqual(
            (order.prepmt_amount_outstanding_incl, order.prepmt_amount_invoiced_incl), (0.0, 920.0)
        )
        self.assertLedger(order)

    def test_amounts_with_tax_without_a_company_account(self):
        # a category without account, and no company account yet: the form still works
        self.product_a.categ_id = self.env["product.category"].create({"name": "Plain"})
        self.company[self.env[self.side.order_model]._prepmt_account_field] = False
        order = self.new_order(percent=50)
        self.assertEqual((order.prepmt_amount, order.prepmt_amount_incl), (500.0, 575.0))
        self.side.confirm(order)
        with self.assertRefused(UserError, "no .* prepayment account"):
            order.action_create_prepmt_invoice()

    def test_order_printout_shows_untaxed_and_with_tax(self):
        order = self.two_category_order()
        self.side.confirm(order)
        order.action_create_prepmt_invoice()
        report = (
            "sale.action_report_saleorder"
            if self.side.inbound
            else "purchase.action_report_purchase_order"
        )
        html, _format = self.env["ir.actions.report"]._render_qweb_html(report, order.ids)
        html = html.decode()
        self.assertIn("With tax", html)
        summary = html[html.index('name="prepmt_summary"') :]
        for amount in ("800.00", "920.00"):
            self.assertIn(amount, summary)

    def test_wizard_amount_with_tax_two_tax_groups(self):
        tax_10 = self.tax(10.0)
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 100.0},
                {"product": self.product_b, "qty": 5, "price": 200.0, "taxes": tax_10},
            ],
            percent=100,
        )
        self.side.confirm(order)
        wizard = self.open_prepmt_wizard(order)
        self.assertEqual((wizard.total_to_invoice, wizard.amount_total), (2250.0, 2250.0))
        wizard.with_tax = True
        wizard.amount_total = 2250.01
        with self.assertRefused(Exception, "at most"):
            wizard.action_create_invoice()
        wizard.amount_total = 1000.0
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.amount_total, 1000.0)
        self.assertEqual(move.amount_untaxed, order.prepmt_amount_invoiced)
        self.assertEqual(sorted(self.prepmt_lines(move).mapped("price_subtotal")), [444.44, 444.45])
        self.assertEqual(order.prepmt_amount_invoiced_incl, 1000.0)
        self.assertLedger(order)
        # the rest, with tax too: all that is left is exactly 1,250.00
        wizard = self.open_prepmt_wizard(order)
        self.assertEqual(wizard.total_to_invoice, 1250.0)
        wizard.write({"with_tax": True, "amount_total": 1250.0})
        move2 = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move2.amount_total, 1250.0)
        self.assertEqual(order.prepmt_amount_to_invoice, 0.0)
        self.deliver_all(order)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)

    def test_wizard_amount_with_tax_price_included(self):
        tax_incl = self.tax(20.0, price_include=True)
        order = self.new_order(
            [
                {"product": self.product_a, "qty": 10, "price": 120.0, "taxes": tax_incl},
            ],
            percent=100,
        )
        self.side.confirm(order)
        self.assertEqual((order.prepmt_amount, order.prepmt_amount_incl), (1000.0, 1200.0))
        wizard = self.open_prepmt_wizard(order)
        wizard.write({"with_tax": True, "amount_total": 333.33})
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.amount_total, 333.33)
        self.assertEqual((move.amount_untaxed, move.amount_tax), (277.77, 55.56))
        self.assertEqual(order.prepmt_amount_invoiced, 277.77)
        self.assertLedger(order)
        self.deliver_all(order)
        self.side.final_invoice(order)
        self.assertLedger(order)

    def global_rounding_order(self):
        """A company that rounds taxes on the document's total, and a confirmed order of
        three lines of 10.03 at 15 %, 100 % prepaid, one prepayment line per order line."""
        self.company.tax_calculation_rounding_method = "round_globally"
        order = self.new_order(
            [{"product": self.product_a, "qty": 1, "price": 10.03} for _i in range(3)],
            percent=100,
        )
        order.prepmt_compress = False
        self.side.confirm(order)
        return order

    def test_global_tax_rounding_tab_wizard_and_document_agree(self):
        # the three lines carry 4.51 of tax together (4.50 line by line); the Prepayment
        # tab, the wizard's amount with tax and the prepayment invoice all say 34.60
        order = self.global_rounding_order()
        self.assertEqual(
            (order.prepmt_amount, order.prepmt_amount_incl, order.prepmt_amount_to_invoice_incl),
            (30.09, 34.6, 34.6),
        )
        wizard = self.open_prepmt_wizard(order)
        self.assertEqual((wizard.total_to_invoice, wizard.amount_total), (34.6, 34.6))
        wizard.with_tax = True
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(
            (move.amount_untaxed, move.amount_tax, move.amount_total), (30.09, 4.51, 34.6)
        )
        self.assertEqual(
            (order.prepmt_amount_invoiced_incl, order.prepmt_amount_to_invoice_incl), (34.6, 0.0)
        )
        self.assertLedger(order)
        self.deliver_all(order)
        self.side.final_invoice(order)
        self.assertEqual(order.prepmt_amount_outstanding_incl, 0.0)
        # over all documents the partner is invoiced the order's total, to the cent (the
        # documents round their taxes globally: assertLedger's line-by-line taxes do not apply)
        docs = self.posted_docs(order)
        self.assertEqual(len(docs), 2)
        self.assertEqual(order.amount_total, 34.6)
        self.assertEqual(order.currency_id.round(self.billed_total(order)), 34.6)

    def test_global_tax_rounding_part_with_tax(self):
        # a part typed with tax: the document's total is exactly that amount
        order = self.global_rounding_order()
        wizard = self.open_prepmt_wizard(order)
        wizard.write({"with_tax": True, "amount_total": 20.0})
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        self.assertEqual(move.amount_total, 20.0)
        self.assertEqual(order.prepmt_amount_invoiced_incl, 20.0)
        self.assertEqual(move.amount_untaxed, order.prepmt_amount_invoiced)
        self.assertLedger(order)

    # ------------------------------------------------------------------ 3. as of a date
    def analysis_action(self, as_of):
        """The Open Prepayments as of ``as_of`` window of this side, as the menu opens it."""
        order_type = self.env[self.side.order_model]._prepmt_order_type
        wizard = self.env["prepayment.analysis.date"].create(
            {"date": as_of, "order_type": order_type}
        )
        return wizard.action_open()

    def analysis(self, as_of, order=None):
        """The rows of the Open Prepayments window as of ``as_of``, as the menu opens it."""
        action = self.analysis_action(as_of)
        self.assertEqual(action["context"]["prepmt_as_of"], fields.Date.to_string(as_of))
        self.env.flush_all()
        # rows of another date have the same ids: what the cache holds is another date's
        self.env.invalidate_all()
        Analysis = self.env["prepayment.analysis"].with_context(action["context"])
        domain = action["domain"] + [("company_id", "=", self.company.id)]
        if order:
            domain += [("order_model", "=", order._name), ("order_ref", "=", order.id)]
        return Analysis.search(domain)

    def account_balance(self, account, as_of):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", account.id),
                ("parent_state", "=", "posted"),
                ("date", "<=", as_of),
                ("company_id", "=", self.company.id),
            ]
        )
        return (-1 if self.side.inbound else 1) * sum(lines.mapped("balance"))

    def rows_by_account(self, rows):
        return {
            r.account_id: (
                r.required,
                r.invoiced,
                r.paid,
                r.deducted,
                r.outstanding,
                r.outstanding_company,
            )
            for r in rows
        }

    def test_open_prepayments_as_of_a_date_per_account(self):
        today = fields.Date.today()
        day = lambda n: fields.Date.add(today, days=n)  # noqa: E731
        order = self.two_category_order()
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.date, today)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"amount": 460.0, "payment_date": day(5)})._create_payments()
        self.side.deliver(order.order_line[0], 5)
        final = self.side.final_invoice(order, post=False)
        final.invoice_date = day(10)
        final.action_post()
        self.assertEqual(final.date, day(10))
        goods, services = self.account_goods, self.account_services
        # the day before: the order did not exist yet
        self.assertFalse(self.analysis(day(-1), order))
        # each line's requirement on the account its prepayment document used
        self.assertEqual(
            self.rows_by_account(self.analysis(today, order)),
            {
                goods: (400.0, 400.0, 0.0, 0.0, 400.0, 400.0),
                services: (400.0, 400.0, 0.0, 0.0, 400.0, 400.0),
            },
        )
        self.assertEqual(
            self.rows_by_account(self.analysis(day(5), order)),
            {
                goods: (400.0, 400.0, 200.0, 0.0, 400.0, 400.0),
                services: (400.0, 400.0, 200.0, 0.0, 400.0, 400.0),
            },
        )
        self.assertEqual(
            self.rows_by_account(self.analysis(day(10), order)),
            {
                goods: (400.0, 400.0, 200.0, 200.0, 200.0, 200.0),
                services: (400.0, 400.0, 200.0, 0.0, 400.0, 400.0),
            },
        )
        # per account, the company-currency outstanding is the account's balance on the date
        for as_of in (day(-1), today, day(5), day(10)):
            rows = self.analysis(as_of)
            for account in (goods, services, self.prepmt_account()):
                self.assertAlmostEqual(
                    sum(
                        rows.filtered(lambda r, account=account: r.account_id == account).mapped(
                            "outstanding_company"
                        )
                    ),
                    self.account_balance(account, as_of),
                    places=2,
                )
        # without a date: today's figures, as before
        rows = self.env["prepayment.analysis"].search(
            [("order_model", "=", order._name), ("order_ref", "=", order.id)]
        )
        self.assertEqual(sum(rows.mapped("outstanding")), order.prepmt_amount_outstanding)
        self.assertEqual(sum(rows.mapped("paid")), order.prepmt_amount_paid)
        # exportable as any list
        data = rows.export_data(["order_name", "account_id", "outstanding"])["datas"]
        self.assertEqual(
            sorted(row[1] for row in data), sorted([goods.display_name, services.display_name])
        )

    def test_open_prepayments_as_of_only_what_existed_then(self):
        """Filed at a month end: the orders of that day with their status of that day, the
        date in the title, one side only."""
        today = fields.Date.today()
        day = lambda n: fields.Date.add(today, days=n)  # noqa: E731
        order = self.new_order([{"product": self.product_a, "qty": 10, "price": 100.0}], percent=30)
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.amount_untaxed, 300.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": day(5)})._create_payments()
        self.assertEqual(order.prepmt_state, "paid")
        # a line added today, not invoiced yet: required, on the row without account
        order.order_line = [Command.create(self.side.line_vals(self.product_b, 5, 200.0))]
        order.order_line[-1].prepmt_percent = 30
        self.assertEqual(order.prepmt_state, "to_invoice")
        goods, services = self.account_goods, self.account_services
        no_account = self.env["account.account"]
        # today: the payment of day 5 not made yet, the new line not invoiced
        rows = self.analysis(today, order)
        self.assertEqual(
            self.rows_by_account(rows),
            {
                goods: (300.0, 300.0, 0.0, 0.0, 300.0, 300.0),
                no_account: (300.0, 0.0, 0.0, 0.0, 0.0, 0.0),
            },
        )
        self.assertEqual(set(rows.mapped("prepmt_state")), {"to_invoice"})
        # once the new line is invoiced: waiting for the payment of that day, as it was then
        order.action_create_prepmt_invoice()
        rows = self.analysis(today, order)
        self.assertEqual(
            self.rows_by_account(rows),
            {
                goods: (300.0, 300.0, 0.0, 0.0, 300.0, 300.0),
                services: (300.0, 300.0, 0.0, 0.0, 300.0, 300.0),
            },
        )
        self.assertEqual(set(rows.mapped("prepmt_state")), {"waiting_payment"})
        rows = self.analysis(day(5), order)
        self.assertEqual(
            self.rows_by_account(rows),
            {
                goods: (300.0, 300.0, 300.0, 0.0, 300.0, 300.0),
                services: (300.0, 300.0, 0.0, 0.0, 300.0, 300.0),
            },
        )
        self.assertEqual(set(rows.mapped("prepmt_state")), {"waiting_payment"})
        # the second invoice paid today: as of today still waiting for the first one's payment
        # (dated day 5), as of day 5 paid, as the order is now
        self.pay(order.prepmt_move_ids.filtered(lambda m: m.payment_state == "not_paid"))
        self.assertEqual(order.prepmt_state, "paid")
        self.assertEqual(
            set(self.analysis(today, order).mapped("prepmt_state")), {"waiting_payment"}
        )
        rows = self.analysis(day(5), order)
        self.assertEqual(set(rows.mapped("prepmt_state")), {"paid"})
        self.assertEqual(sum(rows.mapped("paid")), 600.0)
        # an order created after the date is not on that date's list, nor is anything of it
        self.assertFalse(self.analysis(day(-1), order))
        self.assertFalse(self.analysis(day(-1)))
        # the date is in the title (the web client shows display_name first)
        action = self.analysis_action(fields.Date.to_date("2026-10-31"))
        title = (
            "Open Customer Prepayments as of 10/31/2026"
            if self.side.inbound
            else "Open Vendor Prepayments as of 10/31/2026"
        )
        self.assertEqual((action["name"], action["display_name"]), (title, title))

    def test_open_prepayments_as_of_leaves_out_lines_added_later(self):
        today = fields.Date.today()
        order = self.new_order([{"product": self.product_a, "qty": 10, "price": 100.0}], percent=30)
        self.side.confirm(order)
        # the order and its line were made three days ago (Odoo has no other way to say
        # when: their creation date), a second line is added today
        for table in (order._table, order.order_line._table):
            column = "id" if table == order._table else "order_id"
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET create_date = create_date - interval '3 days' WHERE %s = %s",
                    SQL.identifier(table),
                    SQL.identifier(column),
                    order.id,
                )
            )
        order.invalidate_recordset()
        order.order_line = [Command.create(self.side.line_vals(self.product_a, 5, 200.0))]
        order.order_line[-1].prepmt_percent = 30
        no_account = self.env["account.account"]
        # two days ago: the order with its first line only; today: both
        self.assertEqual(
            self.rows_by_account(self.analysis(fields.Date.add(today, days=-2), order)),
            {no_account: (300.0, 0.0, 0.0, 0.0, 0.0, 0.0)},
        )
        self.assertEqual(
            self.rows_by_account(self.analysis(today, order)),
            {no_account: (600.0, 0.0, 0.0, 0.0, 0.0, 0.0)},
        )
        # four days ago: not created yet
        self.assertFalse(self.analysis(fields.Date.add(today, days=-4), order))

    def test_open_prepayments_sales_and_purchase_apart(self):
        """Customer prepayments (a liability) and vendor prepayments (an asset) are never
        added up: each menu and the as-of window list one side."""
        other_side = (PurchaseSide if self.side.inbound else SaleSide)(self)
        orders = {}
        for side in (self.side, other_side):
            order = side.create_order(
                self.partner_a, [{"product": self.product_a, "qty": 10, "price": 100.0}]
            )
            order.prepmt_percent = 20
            side.confirm(order)
            order.action_create_prepmt_invoice()
            orders[order._prepmt_order_type] = order
        self.env.flush_all()
        Analysis = self.env["prepayment.analysis"]
        domain = [("company_id", "=", self.company.id)]
        for order_type, menu in (
            ("sale", "prepayment_addon.menu_prepayment_analysis_account"),
            ("purchase", "prepayment_addon.menu_prepayment_analysis_account_purchase"),
        ):
            as_of = (
                self.env["prepayment.analysis.date"]
                .create({"order_type": order_type, "date": fields.Date.today()})
                .action_open()
            )
            for action_domain, context in (
                (safe_eval(self.env.ref(menu).action.domain), {}),
                (as_of["domain"], as_of["context"]),
            ):
                self.env.invalidate_all()
                rows = Analysis.with_context(**context).search(domain + action_domain)
                self.assertEqual(rows.mapped("order_name"), [orders[order_type].name])
                self.assertEqual(sum(rows.mapped("outstanding")), 200.0)
        # the partner's button shows both of a partner that is customer and vendor, each
        # side in its group
        action = self.partner_a.action_view_prepmt_open()
        self.assertEqual(action["context"]["search_default_group_type"], 1)
        groups = Analysis.read_group(domain + action["domain"], ["outstanding:sum"], ["order_type"])
        self.assertEqual(
            {g["order_type"]: g["outstanding"] for g in groups},
            {"sale": 200.0, "purchase": 200.0},
        )

    def test_open_prepayments_totalled_per_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])
        local = self.two_category_order()
        foreign = self.new_order(
            [{"product": self.product_a, "qty": 1, "price": 100.0}],
            percent=50,
            **self.currency_vals(currency),
        )
        for order in (local, foreign):
            self.side.confirm(order)
            order.action_create_prepmt_invoice()
        self.env.flush_all()
        Analysis = self.env["prepayment.analysis"].with_context(
            prepmt_as_of=fields.Date.to_string(fields.Date.today())
        )
        groups = Analysis.read_group(
            [
                ("company_id", "=", self.company.id),
                ("order_name", "in", [local.name, foreign.name]),
            ],
            ["outstanding:sum", "outstanding_company:sum"],
            ["currency_id"],
        )
        totals = {g["currency_id"][0]: (g["outstanding"], g["outstanding_company"]) for g in groups}
        self.assertEqual(
            totals, {self.company.currency_id.id: (800.0, 800.0), currency.id: (50.0, 25.0)}
        )


class TestAccountantSale(AccountantScenarios, SalePrepaymentCase):
    pass


class TestAccountantPurchase(AccountantScenarios, PurchasePrepaymentCase):
    pass
