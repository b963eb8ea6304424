"""Shared base of the prepayment_addon tests.

The tests live outside the addon package, so the classes carry ``test_tags`` and
``test_module`` themselves (Odoo derives them from ``odoo.addons.<name>.tests`` otherwise).
Every scenario runs on both sides through a small driver (:class:`SaleSide`,
:class:`PurchaseSide`), so that one shared behaviour is checked once for each side.
"""

from collections import defaultdict
from contextlib import contextmanager

from odoo import fields
from odoo.fields import Command
from odoo.tests import Form, tagged  # noqa: F401  (tagged: re-exported for the test modules)
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def line_taxes(line):
    """``{tax id: amount}`` of one journal item, in its document's direction, by
    ``compute_all`` one line at a time: the tests' own reckoning of the taxes, apart from the
    addon's batched one (``account.move._prepmt_taxes_by_line``)."""
    if not line.tax_ids:
        return {}
    res = line.tax_ids.compute_all(
        line.price_unit * (1 - (line.discount or 0.0) / 100.0),
        currency=line.currency_id,
        quantity=line.quantity,
        product=line.product_id,
        partner=line.partner_id,
        is_refund=line.move_id.move_type in ("out_refund", "in_refund"),
    )
    taxes = defaultdict(float)
    for tax in res["taxes"]:
        taxes[tax["id"]] += tax["amount"]
    return taxes


class SaleSide:
    order_model = "sale.order"
    line_model = "sale.order.line"
    qty_field = "product_uom_qty"
    tax_field = "tax_id"
    inbound = True  # the partner owes us

    def __init__(self, case):
        self.case = case
        self.env = case.env

    def taxes(self):
        return self.case.tax_sale_a

    def create_order(self, partner, lines, **vals):
        """Make the order in its form view and save it, as a user of the web client does
        (``odoo.tests.Form`` saves the way the web client does: it sends every field an
        onchange filled in, the editable computed ones too).

        ``lines``: list of dicts for :meth:`fill_line` (product, qty, price, taxes, discount,
        other line fields); ``vals``: other order fields, set in the form after the partner
        (ids or records); the form must show them (see :meth:`set_field`).
        """
        form = Form(self.env[self.order_model])
        form.partner_id = partner
        for name, value in vals.items():
            self.set_field(form, name, value)
        for spec in lines:
            with form.order_line.new() as line:
                self.fill_line(line, **spec)
        return form.save()

    def fill_line(self, line, product, qty=1.0, price=100.0, taxes=None, discount=0.0, **extra):
        """Fill a new line of the order form: the product (its onchanges propose the rest),
        the quantity, then the price, discount and taxes typed over what was proposed."""
        line.product_id = product
        line[self.qty_field] = qty
        line.price_unit = price
        if discount or line.discount:
            # (a vendor's discount that Odoo proposes from an earlier order's prices too)
            line.discount = discount
        taxes = taxes if taxes is not None else self.taxes()
        if {tax.id for tax in line[self.tax_field]} != set(taxes.ids):
            line[self.tax_field] = taxes
        for name, value in extra.items():
            self.set_field(line, name, value)

    @staticmethod
    def set_field(form, name, value):
        """``form[name] = value``, with a many2one given as an id too. Form refuses fields
        that its view does not show or makes readonly (a sales order's currency: give it a
        pricelist, see ``currency_vals``); a test that needs such values uses create()."""
        info = form._view["fields"].get(name)
        if info and info["type"] == "many2one" and isinstance(value, int):
            value = form._env[info["relation"]].browse(value)
        form[name] = value

    def line_vals(self, product, qty=1.0, price=100.0, taxes=None, discount=0.0, **extra):
        """Creation values of a line, for the tests that write lines with the ORM."""
        vals = {
            "product_id": product.id,
            self.qty_field: qty,
            "price_unit": price,
            "discount": discount,
            self.tax_field: [Command.set((taxes if taxes is not None else self.taxes()).ids)],
        }
        vals.update(extra)
        return vals

    def confirm(self, order):
        order.action_confirm()

    def deliver(self, line, qty):
        line.qty_delivered = qty

    def final_invoice(self, order, post=True):
        # final=True as the Create Invoice window does by default ("Deduct down payments"):
        # negative quantities are invoiced too
        moves = order._create_invoices(final=True)
        if post:
            moves.action_post()
        return moves

    def partner_field(self):
        return "partner_id"

    # the order's own life cycle, as its form's buttons run it (the state table of the README)
    def mark_sent(self, order):
        order.action_quotation_sent()

    def lock(self, order, locked=True):
        if locked:
            order.action_lock()
        else:
            order.action_unlock()

    def cancel(self, order):
        """Cancel, through the confirmation window Odoo opens for a confirmed order."""
        action = order.action_cancel()
        if isinstance(action, dict) and action.get("res_model") == "sale.order.cancel":
            self.env["sale.order.cancel"].with_context(action["context"]).create({}).action_cancel()

    def reset_to_quotation(self, order):
        order.action_draft()


class PurchaseSide(SaleSide):
    order_model = "purchase.order"
    line_model = "purchase.order.line"
    qty_field = "product_qty"
    tax_field = "taxes_id"
    inbound = False

    def taxes(self):
        return self.case.tax_purchase_a

    def confirm(self, order):
        order.button_confirm()

    def deliver(self, line, qty):
        line.qty_received = qty

    def mark_sent(self, order):
        order.write({"state": "sent"})  # what sending the RFQ by e-mail does

    def lock(self, order, locked=True):
        if locked:
            order.button_done()
        else:
            order.button_unlock()

    def cancel(self, order):
        order.button_cancel()

    def reset_to_quotation(self, order):
        order.button_draft()

    def final_invoice(self, order, post=True):
        before = order.invoice_ids
        order.action_create_invoice()
        moves = order.invoice_ids - before
        moves.invoice_date = fields.Date.today()
        if post:
            moves.action_post()
        return moves


class PrepaymentCase(AccountTestInvoicingCommon):
    """Company with a chart of accounts, taxes, products, and prepayment helpers."""

    test_tags = {"standard", "at_install", "prepayment_addon"}
    test_module = "prepayment_addon"
    side_class = SaleSide

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.side = cls.side_class(cls)
        cls.company = cls.company_data["company"]
        # invoice what is delivered / received, so that tests invoice partial quantities
        (cls.product_a | cls.product_b).write(
            {"invoice_policy": "delivery", "purchase_method": "receive"}
        )
        cls.product_a.supplier_taxes_id = cls.tax_purchase_a
        cls.product_b.supplier_taxes_id = cls.tax_purchase_a
        # the Discounts and Pricelists settings: the sales order form shows those fields
        cls.env.user.groups_id |= cls.env.ref("sale.group_discount_per_so_line") | cls.env.ref(
            "product.group_product_pricelist"
        )

    # ------------------------------------------------------------------
    def new_order(self, lines=None, partner=None, percent=None, **vals):
        lines = (
            lines if lines is not None else [{"product": self.product_a, "qty": 10, "price": 100.0}]
        )
        order = self.side.create_order(partner or self.partner_a, lines, **vals)
        if percent is not None:
            order.prepmt_percent = percent
        return order

    def currency_vals(self, currency):
        """Order values that give an order ``currency``: a sales order takes the currency of
        its pricelist (the form does not show the currency), a purchase order has its own."""
        if self.side.order_model == "sale.order":
            return {
                "pricelist_id": self.env["product.pricelist"].create(
                    {"name": currency.name, "currency_id": currency.id}
                )
            }
        return {"currency_id": currency}

    def prepmt_account(self):
        return self.env[self.side.order_model]._prepmt_company_account(self.company)

    def deliver_all(self, order, ratio=1.0):
        for line in order._prepmt_lines():
            self.side.deliver(line, line._prepmt_ordered_qty() * ratio)

    def pay(self, move, amount=None):
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount} if amount is not None else {})
        )
        return register._create_payments()

    def open_prepmt_wizard(self, order, user=None):
        """The Prepayment Invoice / Bill window, as the button opens it."""
        action = order.action_open_prepmt_invoice_wizard()
        Wizard = self.env[action["res_model"]]
        if user:
            Wizard = Wizard.with_user(user)
        return Wizard.with_context(action["context"]).create({})

    def prepmt_payment_wizard(self, order):
        """The Register Prepayment window's model, in the context the order's button opens
        it with."""
        action = order.action_open_prepmt_payment_wizard()
        self.assertEqual(action["res_model"], "prepayment.payment.wizard")
        return self.env[action["res_model"]].with_context(action["context"])

    def credit_note_draft(self, move):
        """The draft credit note of ``move`` that Odoo's Credit Note button (its reversal
        wizard) makes."""
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "date": fields.Date.today()})
        )
        return self.env["account.move"].browse(wizard.refund_moves()["res_id"])

    def prepmt_invoice_button_visible(self, order):
        """Whether the order form shows a Prepayment Invoice / Bill button: the ``invisible``
        conditions of the view's buttons, evaluated on the saved order as the web client does."""
        form = Form(order)
        context = form._get_eval_context()
        buttons = form._view["tree"].xpath("//button[@name='action_open_prepmt_invoice_wizard']")
        self.assertTrue(buttons)
        return any(not safe_eval(b.get("invisible") or "False", context) for b in buttons)

    def snapshot(self, order):
        """What a refused action must leave as it was: the order, its lines, its documents."""
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        return {
            "order": order.read(
                [
                    "partner_id",
                    "currency_id",
                    "fiscal_position_id",
                    "state",
                    "prepmt_percent",
                    "prepmt_amount",
                    "prepmt_amount_invoiced",
                    "prepmt_amount_deducted",
                    "prepmt_amount_outstanding",
                    "amount_total",
                ]
            ),
            "lines": order.order_line.read(
                [
                    "product_id",
                    self.side.tax_field,
                    self.side.qty_field,
                    "price_unit",
                    "discount",
                    "prepmt_percent",
                    "prepmt_amount",
                    "prepmt_amount_invoiced",
                    "prepmt_amount_deducted",
                ]
            ),
            "moves": (order.prepmt_move_ids | order.invoice_ids)
            .sorted("id")
            .read(["state", "amount_total", "amount_residual"]),
            "n_moves": self.env["account.move"].search_count(
                [("partner_id", "=", order.partner_id.id)]
            ),
        }

    def assertUnchanged(self, order, before):
        self.assertEqual(self.snapshot(order), before)

    @contextmanager
    def assertRefused(self, exception, regex):
        """Like assertRaisesRegex, inside a savepoint (as Odoo's assertRaises), so that what
        a refused call wrote is rolled back the way a real request's transaction is."""
        with self.assertRaises(exception) as cm:
            yield cm
        self.assertRegex(str(cm.exception), regex)
        self.env.invalidate_all()

    # ------------------------------------------------------------------
    # The ledger invariants: what the documents say, the lines and the account hold
    # ------------------------------------------------------------------
    def posted_docs(self, order):
        """Every posted document of the order: prepayment documents and final ones."""
        final = order.invoice_ids if "invoice_ids" in order._fields else self.env["account.move"]
        return (order.prepmt_move_ids | final).filtered(lambda m: m.state == "posted")

    @staticmethod
    def doc_sign(move):
        return -1 if move.move_type in ("out_refund", "in_refund") else 1

    def billed_total(self, order):
        """What the partner is billed over all posted documents of the order, with taxes."""
        return sum(self.doc_sign(m) * m.amount_total for m in self.posted_docs(order))

    def assertLedger(self, order, reduced_after_credit=False):
        """Check the ledger of ``order`` to the cent: the posted documents against the
        lines' invoiced and deducted amounts, 0 <= deducted <= invoiced <= required per line,
        taxes, and the prepayment account in company currency."""
        order.invalidate_recordset()
        order.order_line.invalidate_recordset()
        cur = order.currency_id
        docs = self.posted_docs(order)
        prepmt_docs = docs.filtered("is_prepayment")
        # 1. posted prepayment invoices - credit memos = lines' invoiced (untaxed)
        untaxed = sum(self.doc_sign(m) * m.amount_untaxed for m in prepmt_docs)
        self.assertAlmostEqual(untaxed, order.prepmt_amount_invoiced, places=2)
        self.assertAlmostEqual(
            order.prepmt_amount_invoiced,
            sum(order.order_line.mapped("prepmt_amount_invoiced")),
            places=2,
        )
        # 2. 0 <= deducted <= invoiced <= prepayment amount
        for line in order._prepmt_lines():
            # in the line's direction: a negative (discount, return) line has negative amounts
            sign = line._prepmt_sign()
            self.assertGreaterEqual(cur.compare_amounts(sign * line.prepmt_amount_deducted, 0), 0)
            self.assertLessEqual(
                cur.compare_amounts(
                    sign * line.prepmt_amount_deducted, sign * line.prepmt_amount_invoiced
                ),
                0,
                f"{line.name}: deducted {line.prepmt_amount_deducted} > invoiced "
                f"{line.prepmt_amount_invoiced}",
            )
            if not reduced_after_credit:
                self.assertLessEqual(
                    cur.compare_amounts(
                        sign * line.prepmt_amount_invoiced, sign * line.prepmt_amount
                    ),
                    0,
                )
            self.assertAlmostEqual(
                line.prepmt_amount_outstanding,
                line.prepmt_amount_invoiced - line.prepmt_amount_deducted,
                places=2,
            )
        # 3. the prepayment accounts hold the order's outstanding (order currency), each
        #    what the allocations of its journal items say it holds
        accounts = (
            self.prepmt_account() | docs.line_ids.filtered("prepmt_allocation_ids").account_id
        )
        amls = docs.line_ids.filtered(lambda ln: ln.account_id in accounts)
        balance = sum(amls.mapped("amount_currency"))
        direction = -1 if self.side.inbound else 1
        expected = direction * order.prepmt_amount_outstanding
        self.assertAlmostEqual(balance, expected, places=2)
        if cur == self.company.currency_id:
            self.assertAlmostEqual(sum(amls.mapped("balance")), expected, places=2)
        held = defaultdict(float)
        for by_account in order.order_line._prepmt_held_by_account().values():
            for account, amount in by_account.items():
                held[account] += amount
        for account in accounts:
            self.assertAlmostEqual(
                sum(
                    amls.filtered(lambda ln, account=account: ln.account_id == account).mapped(
                        "amount_currency"
                    )
                ),
                direction * held[account],
                places=2,
                msg=f"account {account.code}",
            )
        self.assertCompanyLedger(order, amls, expected)
        # 4. what the partner is invoiced over all documents: what the final product lines
        #    invoice plus the outstanding prepayment; once nothing is outstanding, exactly the
        #    final product lines, per tax too (a prepayment adds no tax of its own); and the
        #    order total once all is invoiced
        total = self.billed_total(order)
        product_lines = [
            (m, ln)
            for m in docs
            for ln in m.invoice_line_ids.filtered(
                lambda ln: ln.display_type == "product" and not ln.prepmt_allocation_ids
            )
        ]
        product_total = sum(self.doc_sign(m) * ln.price_total for m, ln in product_lines)
        prepmt_lines = [
            (m, ln) for m in docs for ln in m.invoice_line_ids.filtered("prepmt_allocation_ids")
        ]
        self.assertAlmostEqual(
            sum(self.doc_sign(m) * ln.price_subtotal for m, ln in prepmt_lines),
            order.prepmt_amount_outstanding,
            places=2,
        )
        if all(cur.is_zero(ln.prepmt_amount_outstanding) for ln in order.order_line):
            self.assertAlmostEqual(
                total,
                product_total,
                places=2,
                msg="prepayment documents and deductions do not net to zero",
            )
            taxes_invoiced = defaultdict(float)
            for move in docs:
                for tl in move.line_ids.filtered(lambda ln: ln.display_type == "tax"):
                    taxes_invoiced[tl.tax_line_id.id] += (
                        self.doc_sign(move) * move.direction_sign * tl.amount_currency
                    )
            taxes_products = defaultdict(float)
            for move, line in product_lines:
                for tax_id, amount in line_taxes(line).items():
                    taxes_products[tax_id] += self.doc_sign(move) * amount
            for tax_id in set(taxes_invoiced) | set(taxes_products):
                self.assertAlmostEqual(
                    taxes_invoiced[tax_id],
                    taxes_products[tax_id],
                    places=2,
                    msg=f"prepayment leaves tax {tax_id} behind",
                )
            if self.fully_invoiced(order) and self.invoiced_in_one_piece(order):
                # (a line invoiced in several final documents rounds its tax per document,
                # with or without prepayment: standard Odoo; the netting above holds then)
                self.assertAlmostEqual(total, order.amount_total, places=2)
                self.assertTaxesMatchOrder(order, docs)
        self.assertBilledOnce(order, docs)
        for move in docs:
            self.assertAmountsAsOdooComputes(move)

    def assertAmountsAsOdooComputes(self, move):
        """Every product journal item of ``move`` (its prepayment and deduction lines and
        the order's own lines) holds the amounts that Odoo's own tax computation of the
        document gives it (the one ``_sync_tax_lines`` writes to an invoice's lines): the
        addon creates the lines of a document that carries prepayment lines with these
        amounts already (``account.move._prepmt_preset_amounts``), which must never stand in
        for Odoo's. And the taxes of each line that the tax true-up reads
        (``account.move._prepmt_taxes_by_line``, from the lines' stored totals when it can)
        are those of the same computation."""
        Tax = self.env["account.tax"]
        base_lines, _tax_lines = move._get_rounded_base_and_tax_lines(round_from_tax_lines=False)
        Tax._add_accounting_data_in_base_lines_tax_details(
            base_lines, move.company_id, include_caba_tags=move.always_tax_exigible
        )
        result = Tax._prepare_tax_lines(base_lines, move.company_id)
        company_currency = move.company_id.currency_id
        for base_line, to_update in result["base_lines_to_update"]:
            line = base_line["record"]
            self.assertTrue(
                move.currency_id.is_zero(line.amount_currency - to_update["amount_currency"]),
                f"{move.name}, {line.name}: amount {line.amount_currency}, Odoo computes "
                f"{to_update['amount_currency']}",
            )
            self.assertTrue(
                company_currency.is_zero(line.balance - to_update["balance"]),
                f"{move.name}, {line.name}: balance {line.balance}, Odoo computes "
                f"{to_update['balance']}",
            )
        if move.company_id.tax_calculation_rounding_method != "round_per_line":
            return  # (the true-up is for companies that round per line)
        product_lines = move.invoice_line_ids.filtered(lambda ln: ln.display_type == "product")
        read = move._prepmt_taxes_by_line(product_lines)
        for base_line in base_lines:
            line = base_line["record"]
            if line not in product_lines or not line.tax_ids:
                continue
            computed = defaultdict(float)
            for tax_data in base_line["tax_details"]["taxes_data"]:
                computed[tax_data["tax"].id] += tax_data["tax_amount_currency"]
            for tax_id in set(computed) | set(read[line]):
                self.assertTrue(
                    move.currency_id.is_zero(read[line][tax_id] - computed[tax_id]),
                    f"{move.name}, {line.name}: tax {tax_id} read as {read[line][tax_id]}, "
                    f"Odoo computes {computed[tax_id]}",
                )

    def assertBilledOnce(self, order, docs):
        """Issue 22: each posted final document deducts only for the order lines it bills (a
        credit note gives back only for those it credits); once every line is invoiced by
        posted final documents nothing is outstanding, so that the documents together bill
        the order total (exactly, see above, when each line is invoiced in one piece), never
        a prepayment on top of it."""
        cur = order.currency_id
        for move in docs.filtered(lambda m: not m.is_prepayment):
            billed = {
                line for line, (qty, *_amounts) in move._prepmt_final_order_lines().items() if qty
            }
            for line, amount in move._prepmt_deducted_by_line().items():
                self.assertTrue(
                    line in billed or cur.is_zero(amount),
                    f"{move.display_name} deducts {amount} for {line.name}, which it does not bill",
                )
        if self.fully_invoiced(order):
            for line in order._prepmt_lines():
                self.assertTrue(
                    cur.is_zero(line.prepmt_amount_outstanding),
                    f"{line.name} is fully invoiced but {line.prepmt_amount_outstanding} of "
                    "its prepayment is still outstanding: billed on top of the order total",
                )

    def assertCompanyLedger(self, order, amls, expected):
        """The prepayment account in company currency: its open items for the order are the
        outstanding prepayment at the rates it was invoiced at; the exchange differences Odoo
        booked when deductions consumed it close the rest, so that the account's balance for
        the order (its documents and their exchange entries) is those open items, and zero
        once nothing is outstanding. Nothing open on the partner from a cancelled
        prepayment either."""
        self.assertAlmostEqual(
            sum(amls.mapped("amount_residual_currency")),
            expected,
            places=2,
            msg="open items of the prepayment account (order currency)",
        )
        partials = amls.matched_debit_ids | amls.matched_credit_ids
        exchange = (
            partials.exchange_move_id | amls.full_reconcile_id.exchange_move_id
        ).line_ids.filtered(lambda ln: ln.account_id in amls.account_id)
        balance = sum((amls | exchange).mapped("balance"))
        residual = sum(amls.mapped("amount_residual"))
        cur = self.company.currency_id
        self.assertAlmostEqual(
            balance, residual, places=2, msg="prepayment account balance != its open items"
        )
        # nothing outstanding on any line (the order's net is not enough: a lowered amount
        # spread over positive and negative lines of two prepayment accounts can leave each
        # account holding a cent for its lines, the two cancelling out on the order)
        if all(
            order.currency_id.is_zero(line.prepmt_amount_outstanding)
            for line in order._prepmt_lines()
        ):
            self.assertTrue(
                cur.is_zero(residual),
                f"{residual} left on the prepayment account with nothing outstanding",
            )
            self.assertTrue(
                all(ln.reconciled for ln in amls),
                "a prepayment line stays open with nothing outstanding",
            )

    def invoiced_in_one_piece(self, order):
        return all(
            len(ln.invoice_lines.move_id.filtered(lambda m: m.state == "posted")) <= 1
            for ln in order._prepmt_lines()
        )

    def fully_invoiced(self, order):
        """Every line's ordered quantity is invoiced by *posted* final documents (Odoo's own
        qty_invoiced also counts drafts)."""
        return all(
            abs(ln._prepmt_posted_invoiced_qty() - ln._prepmt_ordered_qty()) < 1e-6
            for ln in order._prepmt_lines()
        )

    def assertTaxesMatchOrder(self, order, docs):
        """Per tax, the tax invoiced over all documents equals the order's tax."""
        invoiced = defaultdict(float)
        for move in docs:
            for tl in move.line_ids.filtered("tax_line_id"):
                invoiced[tl.tax_line_id.id] += tl.amount_currency  # signed: credit < 0
        expected = defaultdict(float)
        for line in order._prepmt_lines():
            taxes = line[self.side.tax_field]
            res = taxes.compute_all(
                line.price_unit * (1 - (line.discount or 0.0) / 100.0),
                order.currency_id,
                line._prepmt_ordered_qty(),
                line.product_id,
                order.partner_id,
            )
            for t in res["taxes"]:
                expected[t["id"]] += t["amount"]
        sign = -1 if self.side.inbound else 1
        for tax_id in set(invoiced) | set(expected):
            self.assertAlmostEqual(
                sign * invoiced[tax_id], expected[tax_id], places=2, msg=f"tax {tax_id}"
            )


class SalePrepaymentCase(PrepaymentCase):
    side_class = SaleSide


class PurchasePrepaymentCase(PrepaymentCase):
    side_class = PurchaseSide
