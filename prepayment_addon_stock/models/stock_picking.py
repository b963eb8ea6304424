from odoo import _, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _prepmt_held_orders(self):
        """(order, picking) pairs whose prepayment check applies to this validation."""
        pairs = []
        for picking in self:
            if picking.picking_type_code == "outgoing" and picking.sale_id:
                pairs.append((picking.sale_id, picking))
            if picking.picking_type_code == "incoming" and picking.purchase_id:
                pairs.append((picking.purchase_id, picking))
        return pairs

    def button_validate(self):
        for order, picking in self._prepmt_held_orders():
            if order._prepmt_order_type == "sale":
                action = _("validate the delivery %(picking)s", picking=picking.name)
            else:
                action = _("validate the receipt %(picking)s", picking=picking.name)
            order._prepmt_check_release(action)
        return super().button_validate()
