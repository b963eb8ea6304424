from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _prepmt_held_orders(self):
        """(order, picking) pairs whose prepayment check applies to this validation: each
        order model says which of its pickings it holds (see _prepmt_order_of_picking)."""
        Mixin = self.env["prepayment.order.mixin"]
        pairs = []
        for picking in self:
            for model in Mixin._prepmt_order_models():
                order = self.env[model]._prepmt_order_of_picking(picking)
                if order:
                    pairs.append((order, picking))
        return pairs

    def button_validate(self):
        # read as the superuser: who validates a picking need not be allowed to read its
        # order (a warehouse user, another salesperson's order); the check is theirs all the
        # same, and its refusal tells them only what they may know (_prepmt_check_release)
        for order, picking in self.sudo()._prepmt_held_orders():
            order.with_env(self.env)._prepmt_check_release(order._prepmt_picking_held(picking))
        return super().button_validate()
