"""What the Inventory bridge adds to the order adapters: which pickings the prepayment
check holds, and the sentence that says so."""

from odoo import api, models


class PrepaymentOrderMixin(models.AbstractModel):
    _inherit = "prepayment.order.mixin"

    @api.model
    def _prepmt_order_of_picking(self, picking):
        """The order of this model whose prepayment check holds ``picking``, if any."""
        return self.browse()

    def _prepmt_picking_held(self, picking):
        """The sentence that says ``picking`` of this order cannot be validated yet."""
        raise NotImplementedError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _prepmt_order_of_picking(self, picking):
        return picking.sale_id if picking.picking_type_code == "outgoing" else self.browse()

    def _prepmt_picking_held(self, picking):
        return self.env._(
            "The delivery %(picking)s of %(order)s cannot be validated yet.",
            picking=picking.name,
            order=self.name,
        )


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    @api.model
    def _prepmt_order_of_picking(self, picking):
        return picking.purchase_id if picking.picking_type_code == "incoming" else self.browse()

    def _prepmt_picking_held(self, picking):
        return self.env._(
            "The receipt %(picking)s of %(order)s cannot be validated yet.",
            picking=picking.name,
            order=self.name,
        )
