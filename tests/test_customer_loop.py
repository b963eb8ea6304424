"""Issue 11: the customer loop. Sending prepayment documents with their mail template, the
daily reminder of overdue prepayments, the final invoice naming the prepayment invoices it
deducts, and the status words and filters."""

from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.fields import Command
from odoo.tests import Form, new_test_user
from odoo.tools.safe_eval import safe_eval

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class LoopScenarios:
    def confirmed(self, percent=30, **kw):
        order = self.new_order(percent=percent, **kw)
        self.side.confirm(order)
        return order

    def issue(self, order, amount=None, days_ago=None):
        """The prepayment invoice of the wizard; ``days_ago``: dated that many days ago (left
        in draft by the setting, dated back by the user, then posted), so that it is due then
        (the partner's payment terms are immediate)."""
        if days_ago is not None:
            self.company.prepmt_auto_post = False
        wizard = self.open_prepmt_wizard(order)
        if amount is not None:
            wizard.amount = amount
        move = self.env["account.move"].browse(wizard.action_create_invoice()["res_id"])
        if days_ago is not None:
            self.company.prepmt_auto_post = True
            move.invoice_date = fields.Date.today() - timedelta(days=days_ago)
            move.action_post()
            self.assertEqual(move.invoice_date_due, move.invoice_date)
        return move

    # ------------------------------------------------------------------
    # 4. Remind
    # ------------------------------------------------------------------
    def activities(self, order):
        return order.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("prepayment_addon.mail_activity_prepayment_overdue")
            )
        )

    def test_reminder_once_per_order_and_due_date(self):
        order = self.confirmed()
        user = order[order._prepmt_responsible_field]
        Orders = self.env[self.side.order_model]
        # due today: not overdue yet
        self.issue(order, amount=10.0)
        Orders._cron_prepmt_remind()
        self.assertFalse(self.activities(order))
        self.assertFalse(order.prepmt_overdue)
        self.assertNotIn(order, Orders.search([("prepmt_overdue", "=", True)]))
        move = self.issue(order, amount=100.0, days_ago=3)
        due = move.invoice_date_due
        self.assertTrue(order.prepmt_overdue)
        self.assertIn(order, Orders.search([("prepmt_overdue", "=", True)]))
        self.assertNotIn(order, Orders.search([("prepmt_overdue", "=", False)]))
        Orders._cron_prepmt_remind()
        activity = self.activities(order)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, user)
        self.assertIn(fields.Date.to_string(due), activity.summary)
        self.assertIn(
            order.currency_id.format(move.amount_total + order.prepmt_move_ids[0].amount_total),
            str(activity.note).replace("&nbsp;", "\xa0"),
        )
        self.assertEqual(order.prepmt_reminded_due_date, due)
        # the next days: no second activity, even when the user marked the first one done
        Orders._cron_prepmt_remind()
        activity.action_done()
        Orders._cron_prepmt_remind()
        self.assertFalse(self.activities(order))
        self.assertEqual(
            order.activity_ids.filtered(lambda a: a.activity_type_id.name == "Prepayment overdue"),
            order.activity_ids.browse(),
        )
        # a new due date (another prepayment invoice, due later) reminds again, once
        self.issue(order, days_ago=1)
        Orders._cron_prepmt_remind()
        Orders._cron_prepmt_remind()
        self.assertEqual(len(self.activities(order)), 1)
        # paid: no longer overdue, nothing more
        for invoice in order.prepmt_move_ids:
            self.pay(invoice)
        self.assertFalse(order.prepmt_overdue)
        self.assertNotIn(order, Orders.search([("prepmt_overdue", "=", True)]))

    def test_reminder_cron_record(self):
        cron = self.env.ref("prepayment_addon.ir_cron_prepayment_reminder")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "days"))
        order = self.confirmed()
        self.issue(order, days_ago=2)
        cron.method_direct_trigger()
        self.assertEqual(len(self.activities(order)), 1)

    # ------------------------------------------------------------------
    # 5. Explain on the documents
    # ------------------------------------------------------------------
    def test_deduction_names_prepayment_invoices(self):
        order = self.confirmed()
        first = self.issue(order, amount=100.0)
        second = self.issue(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        deduction = final.invoice_line_ids.filtered("prepmt_allocation_ids")
        self.assertEqual(len(deduction), 1)
        self.assertIn(order.name, deduction.name)
        self.assertIn(first.name, deduction.name)
        self.assertIn(second.name, deduction.name)
        self.assertEqual(final._prepmt_deducted_documents(), first | second)
        self.assertLedger(order)

    def test_final_invoice_pdf_lists_deducted_prepayments(self):
        order = self.confirmed()
        prepmt = self.issue(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", final.ids)[0]
            .decode()
        )
        self.assertIn("Prepayments deducted", html)
        self.assertIn(prepmt.name, html)
        # heading and table in one block below the totals (which float right): the block
        # clears them, so that the heading does not sit beside them
        block = etree.fromstring(html, etree.HTMLParser()).xpath("//div[@id='prepmt_deducted']")[0]
        self.assertIn("clear: both", block.get("style"))
        self.assertEqual(block.xpath("./strong")[0].text, "Prepayments deducted")
        self.assertTrue(block.xpath("./table"))
        self.assertTrue(block.xpath("preceding::div[@id='right-elements']"))
        # the prepayment invoice's amount with taxes (as the customer paid it)
        self.assertIn(
            order.currency_id.format(prepmt.amount_total)
            .replace("\xa0", "&nbsp;")
            .split("&nbsp;")[0]
            .lstrip("$"),
            html,
        )
        # not on a prepayment invoice, nor on an invoice without deduction
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.report_invoice", prepmt.ids)[0]
            .decode()
        )
        self.assertNotIn("Prepayments deducted", html)

    # ------------------------------------------------------------------
    # 6. Status words and filters
    # ------------------------------------------------------------------
    def test_status_words_and_settled(self):
        Orders = self.env[self.side.order_model]
        labels = dict(Orders._fields["prepmt_state"]._description_selection(self.env))
        self.assertEqual(labels["to_invoice"], "Prepayment to Invoice")
        self.assertEqual(labels["settled"], "Settled")
        order = self.confirmed()
        self.assertEqual(order.prepmt_state, "to_invoice")
        move = self.issue(order, amount=225.0)  # a quarter of the 300.00 never invoiced
        self.pay(move)
        self.assertEqual(order.prepmt_state, "to_invoice")
        self.deliver_all(order)
        self.side.final_invoice(order)
        # fully invoiced, nothing outstanding: its own final state, not "Prepayment Paid"
        self.assertEqual(order.prepmt_state, "settled")
        self.assertLedger(order)

    def test_filters(self):
        Orders = self.env[self.side.order_model]
        to_invoice = self.confirmed()
        waiting = self.confirmed()
        self.issue(waiting)
        overdue = self.confirmed()
        self.issue(overdue, days_ago=5)
        paid = self.confirmed()
        self.pay(self.issue(paid))
        mine = to_invoice | waiting | overdue | paid

        def found(name):
            action_filter = self.search_filter(name)
            return Orders.search(action_filter) & mine

        self.assertEqual(found("prepmt_to_invoice"), to_invoice)
        self.assertEqual(found("prepmt_waiting"), waiting | overdue)
        self.assertEqual(found("prepmt_paid"), paid)
        self.assertEqual(found("prepmt_overdue"), overdue)

    def search_filter(self, name):
        """The domain of a filter of the order list's search view."""
        view = self.env[self.side.order_model].get_view(view_type="search")
        node = etree.fromstring(view["arch"]).xpath(f"//filter[@name='{name}']")
        self.assertTrue(node, f"filter {name}")
        return safe_eval(node[0].get("domain"), {"context_today": fields.Date.context_today})

    def test_effective_percent(self):
        self.env["prepayment.rule"].create(
            {
                "order_type": "sale" if self.side.inbound else "purchase",
                "product_tmpl_id": self.product_b.product_tmpl_id.id,
                "percent": 50.0,
                "company_id": self.company.id,
            }
        )
        order = self.new_order(
            lines=[
                {"product": self.product_a, "qty": 1, "price": 500.0},
                {"product": self.product_b, "qty": 1, "price": 500.0},
            ],
            percent=None,
        )
        order.prepmt_percent = 30.0
        order.action_apply_prepmt_rules()
        self.assertEqual(order.prepmt_amount, 400.0)
        self.assertAlmostEqual(order.prepmt_percent_effective, 40.0)
        self.assertTrue(order.prepmt_rules_apply)
        # the form shows the overall % and the link to the lines' %
        form = Form(order)
        self.assertEqual(form.prepmt_percent_effective, 40.0)
        action = order.action_view_prepmt_lines()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines, order.order_line)
        self.assertEqual(sorted(lines.mapped("prepmt_percent")), [30.0, 50.0])
        self.env[action["res_model"]].get_view(action["views"][0][0], "list")
        order.prepmt_percent = 30.0
        self.assertAlmostEqual(order.prepmt_percent_effective, 30.0)
        self.assertFalse(order.prepmt_rules_apply)


class TestSaleLoop(LoopScenarios, SalePrepaymentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a.email = "partner_a@example.com"
        # the partner's preferred sending method (the test company says "manual")
        cls.partner_a.with_company(cls.company).invoice_sending_method = "email"

    def wizard_send(self, order, amount=None):
        wizard = self.open_prepmt_wizard(order)
        self.assertTrue(wizard.can_send)
        if amount is not None:
            wizard.amount = amount
        action = wizard.action_create_and_send()
        self.assertEqual(action["res_model"], "account.move.send.wizard")
        move = self.env["account.move"].browse(action["context"]["active_ids"])
        return move, self.env[action["res_model"]].with_context(action["context"]).create({})

    def test_create_and_send(self):
        order = self.confirmed()
        move, send = self.wizard_send(order, amount=200.0)
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.is_prepayment)
        self.assertEqual(move.amount_untaxed, 200.0)
        self.assertEqual(
            send.mail_template_id,
            self.env.ref("prepayment_addon.email_template_prepayment_invoice"),
        )
        # the subject and body name the order, the amount with taxes, the due date, the link
        self.assertIn(order.name, send.mail_subject)
        self.assertIn(move.name, send.mail_subject)
        body = str(send.mail_body)
        self.assertIn(order.name, body)
        self.assertIn(order.currency_id.format(move.amount_total).replace("\xa0", "&nbsp;"), body)
        self.assertIn(fields.Date.to_string(move.invoice_date_due)[:4], body)
        self.assertIn(move.get_portal_url().split("?")[0], body)
        self.assertEqual(send.mail_partner_ids, self.partner_a)
        self.assertTrue(send.mail_attachments_widget, "the PDF is attached")
        send.action_send_and_print()
        self.assertTrue(move.is_move_sent)
        sent = move.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(sent), 1)
        self.assertIn(order.name, sent.subject)
        self.assertTrue(sent.attachment_ids, "the PDF went with the mail")
        # the order's chatter keeps the sent message
        note = order.message_ids.filtered(
            lambda m: move.name in (m.body or "") and "sent to" in m.body
        )
        self.assertEqual(len(note), 1)
        self.assertIn("partner_a", note.body)

    def test_create_and_send_without_billing_rights(self):
        """A salesperson who may not post invoices gets the draft, as with Create: an
        accountant posts and sends it."""
        salesman = new_test_user(
            self.env,
            "loop_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        order = self.confirmed()
        order.user_id = salesman  # a salesperson sees their own orders
        wizard = self.open_prepmt_wizard(order.with_user(salesman), user=salesman)
        self.assertTrue(wizard.can_send)
        action = wizard.action_create_and_send()
        self.assertEqual(action["res_model"], "account.move")
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((move.state, move.is_prepayment), ("draft", True))
        self.assertFalse(move.message_ids.filtered(lambda m: m.message_type == "comment"))

    def test_credit_memo_sent_with_its_template(self):
        order = self.confirmed()
        self.issue(order)
        credit = self.env["account.move"].browse(order.action_create_prepmt_credit_memo()["res_id"])
        self.assertEqual(credit.move_type, "out_refund")
        action = credit.action_send_and_print()
        send = self.env[action["res_model"]].with_context(action["context"]).create({})
        self.assertEqual(
            send.mail_template_id,
            self.env.ref("prepayment_addon.email_template_prepayment_credit_memo"),
        )
        self.assertIn(order.name, send.mail_subject)
        send.action_send_and_print()
        self.assertTrue(
            order.message_ids.filtered(
                lambda m: credit.name in (m.body or "") and "sent to" in m.body
            )
        )

    def test_other_invoices_keep_odoo_template(self):
        order = self.confirmed()
        self.issue(order)
        self.deliver_all(order)
        final = self.side.final_invoice(order)
        self.assertEqual(
            final._get_mail_template(), self.env.ref("account.email_template_edi_invoice")
        )

    def test_team_dashboard_counts_waiting_orders(self):
        team = self.env["crm.team"].create({"name": "Prepayment Team"})
        waiting = self.confirmed(team_id=team)
        self.issue(waiting)
        self.confirmed(team_id=team)  # only to invoice
        paid = self.confirmed(team_id=team)
        self.pay(self.issue(paid))
        self.assertEqual(team.prepmt_waiting_count, 1)
        action = self.env.ref("prepayment_addon.action_prepmt_waiting_salesteams")
        found = self.env["sale.order"].search(safe_eval(action.domain))
        self.assertEqual(found & (waiting | paid), waiting)
        self.env["crm.team"].get_view(
            self.env.ref("prepayment_addon.crm_team_view_kanban_dashboard_prepayment").id, "kanban"
        )

    def test_reminder_mail_setting(self):
        self.assertFalse(self.company.prepmt_sale_reminder_mail, "off by default")
        order = self.confirmed()
        self.issue(order, days_ago=3)
        order._prepmt_remind()
        self.assertFalse(order.message_ids.filtered(lambda m: m.message_type == "comment"))
        settings = self.env["res.config.settings"].create({"prepmt_sale_reminder_mail": True})
        settings.execute()
        self.assertTrue(self.company.prepmt_sale_reminder_mail)
        other = self.confirmed()
        invoice = self.issue(other, days_ago=3)
        other._prepmt_remind()
        mails = other.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(mails), 1)
        self.assertIn(other.name, mails.subject)
        self.assertIn(
            other.currency_id.format(invoice.amount_total).replace("\xa0", "&nbsp;"), mails.body
        )
        self.assertIn(invoice.name, mails.body)
        self.assertIn(self.partner_a, mails.partner_ids)


class TestPurchaseLoop(LoopScenarios, PurchasePrepaymentCase):
    def test_bill_has_nothing_to_send(self):
        order = self.confirmed()
        wizard = self.open_prepmt_wizard(order)
        self.assertFalse(wizard.can_send)
        self.assertFalse(order._prepmt_reminder_mail_enabled())

    def test_purchase_order_mail_names_prepayment(self):
        order = self.confirmed(percent=20)
        action = order.action_rfq_send()
        template = self.env.ref("prepayment_addon.email_template_purchase_prepayment")
        self.assertEqual(action["context"]["default_template_id"], template.id)
        composer = self.env["mail.compose.message"].with_context(action["context"]).create({})
        body = str(composer.body)
        self.assertIn(order.name, composer.subject)
        # 20 % of 1,000.00 with its 15 % tax
        self.assertIn(order.currency_id.format(230.0).replace("\xa0", "&nbsp;"), body)
        self.assertIn("prepayment invoice", body)
        # without a prepayment: Odoo's own template
        plain = self.confirmed(percent=0)
        action = plain.action_rfq_send()
        self.assertEqual(
            action["context"]["default_template_id"],
            self.env.ref("purchase.email_template_edi_purchase_done").id,
        )
