from odoo import Command, models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        """A done transaction that confirms (or paid for) an order carrying our prepayment
        issues and posts our prepayment invoice, and is linked to it, so that its payment is
        reconciled with it (account_payment does that with the transaction's invoices)."""
        confirmed = super()._check_amount_and_confirm_order()
        for tx in self.filtered(lambda tx: tx.state == "done" and not tx.invoice_ids):
            tx._prepmt_invoice_order()
        return confirmed

    def _prepmt_invoice_order(self):
        self.ensure_one()
        order = self.sale_order_ids
        if (
            len(order) != 1
            or order.state not in order._prepmt_confirmed_states
            or order.currency_id.compare_amounts(order.prepmt_amount_to_invoice, 0) <= 0
        ):
            return
        order = order.with_company(self.company_id).sudo()
        invoice = order._prepmt_issue_invoice()
        if invoice.state == "draft":
            # the customer paid it: it cannot wait for a review
            invoice.action_post()
        invoice._portal_ensure_token()
        self.invoice_ids = [Command.set(invoice.ids)]

    def _invoice_sale_orders(self):
        # Odoo's down payment invoice ("automatic invoice") is for orders without our
        # prepayment: the transactions that issued our prepayment invoice are done
        return super(
            PaymentTransaction,
            self.filtered(lambda tx: not any(tx.invoice_ids.mapped("is_prepayment"))),
        )._invoice_sale_orders()
