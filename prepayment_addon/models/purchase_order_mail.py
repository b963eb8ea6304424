from odoo import models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def action_rfq_send(self):
        """Send by Email / Send PO by Email of an order that carries a prepayment: the mail
        names the prepayment asked of the vendor (Odoo's template otherwise)."""
        action = super().action_rfq_send()
        template = self.env.ref(
            "prepayment_addon.email_template_purchase_prepayment", raise_if_not_found=False
        )
        if (
            template
            and self.prepmt_state != "none"
            and self.currency_id.compare_amounts(self.prepmt_amount, 0) > 0
        ):
            action["context"]["default_template_id"] = template.id
        return action
