from odoo import models


class SaleOrder(models.Model):
    """Odoo's online payment to confirm quotations (Settings > Sales > Online Payment), for an
    order that carries our prepayment: the customer pays our prepayment with taxes instead of
    Odoo's company-wide %, and the transaction issues our prepayment invoice (see
    payment_transaction.py). Orders without our prepayment keep Odoo's behaviour."""

    _inherit = "sale.order"

    def _prepmt_online_amount(self):
        """What the customer pays online to confirm this quotation: the prepayment still to
        invoice, taxes included; 0.0 when Odoo's own rule applies."""
        self.ensure_one()
        if (
            self.state not in ("draft", "sent")
            or not self.require_payment
            or self.currency_id.compare_amounts(self.prepmt_amount_to_invoice, 0) <= 0
        ):
            return 0.0
        return self._prepmt_to_invoice_with_tax()

    def _get_prepayment_required_amount(self):
        amount = self._prepmt_online_amount()
        return amount if amount else super()._get_prepayment_required_amount()
