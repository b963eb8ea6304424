"""The printouts as a customer or vendor receives them: real PDFs (wkhtmltopdf), their text
read back. The prepayment invoice is titled and names its order; the order printout shows
the prepayment required and invoiced, untaxed and with tax, and when it is due."""

import io
import re
import unittest

from odoo.tools.pdf import PdfFileReader

from .common import PurchasePrepaymentCase, SalePrepaymentCase


class PrintoutScenarios:
    def pdf_text(self, report_ref, records):
        Report = self.env["ir.actions.report"]
        if Report.get_wkhtmltopdf_state() != "ok":
            raise unittest.SkipTest("wkhtmltopdf is not installed: scripts/test.sh installs it")
        # outside tests Odoo prints PDFs; in test mode it returns HTML unless forced
        pdf, kind = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report_ref, records.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        reader = PdfFileReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        return re.sub(r"\s+", " ", text)

    def test_prepayment_invoice_and_order_printouts(self):
        order = self.new_order(percent=30)  # 10 x 100.00, 15 % tax
        self.side.confirm(order)
        move = self.env["account.move"].browse(order.action_create_prepmt_invoice()["res_id"])
        self.assertEqual(move.state, "posted")

        text = self.pdf_text("account.account_invoices", move)
        self.assertIn("Prepayment", text)
        self.assertIn(move.name, text)
        self.assertIn("Prepayment of Order", text)
        self.assertIn(order.name, text)
        self.assertIn("300.00", text)  # untaxed
        self.assertIn("345.00", text)  # with 15 % tax

        text = self.pdf_text(self.order_report, order)
        self.assertIn(order.name, text)
        # the prepayment block: required and invoiced, untaxed and with the 15 % tax
        self.assertRegex(text, r"Prepayment Untaxed With tax Required \S* ?300\.00 \S* ?345\.00")
        self.assertRegex(text, r"Invoiced \S* ?300\.00 \S* ?345\.00")


class TestSalePrintouts(PrintoutScenarios, SalePrepaymentCase):
    order_report = "sale.action_report_saleorder"


class TestPurchasePrintouts(PrintoutScenarios, PurchasePrepaymentCase):
    order_report = "purchase.action_report_purchase_order"
