"""Issue 22: companies with branches (Odoo 18). A branch has no accounts of its own: it uses
its parent companies' (an account belongs to the root company, one code per root). The
prepayment accounts are made there, with their codes, and a branch finds them."""

from odoo.fields import Command

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class BranchScenarios:
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # as Odoo's own tests make branches (account's TestCompanyBranch): the chart of the
        # root is loaded on the new branch when the transaction commits
        cls.company.write({"child_ids": [Command.create({"name": "Prepmt Branch"})]})
        cls.cr.precommit.run()
        cls.branch = cls.company.child_ids
        cls.env.user.company_ids |= cls.branch

    def account_fields(self):
        return self.env["res.company"]._prepmt_account_fields()

    def assertSharedAccounts(self, root, branch):
        """The branch's prepayment accounts are the root's: on the root company, with a code
        seen from either, and Odoo's own rule holds (the branch sees the root's accounts,
        nothing more)."""
        Account = self.env["account.account"]
        for field in self.account_fields():
            account = root[field]
            self.assertTrue(account, field)
            self.assertEqual(branch[field], account, field)
            self.assertEqual(account.company_ids, root)
            code = account.with_company(root).code
            self.assertTrue(code)
            self.assertEqual(account.with_company(branch).code, code)
            self.assertTrue(account.reconcile)
            self.assertEqual(
                Account.with_company(branch).search(
                    [*Account._check_company_domain(branch), ("code", "=", code)]
                ),
                account,
            )
        self.assertEqual(
            Account.search([("company_ids", "parent_of", root.id)]),
            Account.search([("company_ids", "parent_of", branch.id)]),
        )

    def test_branch_uses_the_root_companys_prepayment_accounts(self):
        self.assertSharedAccounts(self.company, self.branch)

    def test_branch_without_an_account_of_its_own_finds_its_parents(self):
        field = self.env[self.side.order_model]._prepmt_account_field
        self.branch[field] = False
        self.assertEqual(
            self.env[self.side.order_model]._prepmt_company_account(self.branch),
            self.company[field],
        )

    def test_chart_loaded_on_a_company_that_has_branches(self):
        # Odoo loads the branches' chart inside the root's, before the root gets its own
        # accounts: the branch's prepayment accounts are made on the root all the same
        root = self.env["res.company"].create(
            {
                "name": "Prepmt Root",
                "country_id": self.company.country_id.id,
                "currency_id": self.company.currency_id.id,
                "child_ids": [Command.create({"name": "Prepmt Root Branch"})],
            }
        )
        branch = root.child_ids
        self.env["account.chart.template"].try_loading(
            self.company.chart_template, root, install_demo=False
        )
        self.assertEqual(branch.chart_template, root.chart_template)
        self.assertSharedAccounts(root, branch)
        # the codes follow the chart as for any company: next to the chart's accounts of
        # the same type, and different from each other
        codes = {root[f].with_company(root).code for f in self.account_fields()}
        self.assertEqual(len(codes), len(self.account_fields()))

    def test_prepayment_invoice_and_final_invoice_of_a_branchs_order(self):
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=[self.branch.id, self.company.id])
        )
        side = type(self.side)(self)
        side.env = env
        order = side.create_order(
            self.partner_a, [{"product": self.product_a, "qty": 10, "price": 100.0}]
        )
        self.assertEqual(order.company_id, self.branch)
        order.prepmt_percent = 30
        side.confirm(order)
        move = env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.company_id, self.branch)
        self.assertEqual(move.amount_untaxed, 300.0)
        prepmt_account = self.company[self.env[self.side.order_model]._prepmt_account_field]
        self.assertEqual(move.invoice_line_ids.account_id, prepmt_account)
        self.assertEqual(order.prepmt_amount_outstanding, 300.0)
        self.assertLedger(order)
        self.pay(move)
        self.assertEqual(order.prepmt_state, "paid")
        self.deliver_all(order)
        final = side.final_invoice(order)
        self.assertEqual(final.company_id, self.branch)
        deduction = final.invoice_line_ids.filtered("prepmt_allocation_ids")
        self.assertEqual(deduction.account_id, prepmt_account)
        self.assertAlmostEqual(sum(deduction.mapped("price_subtotal")), -300.0)
        self.assertEqual(order.prepmt_amount_deducted, 300.0)
        self.assertEqual(order.prepmt_amount_outstanding, 0.0)
        self.assertLedger(order)


class TestSaleBranches(BranchScenarios, SalePrepaymentCase):
    pass


class TestPurchaseBranches(BranchScenarios, PurchasePrepaymentCase):
    pass
