"""18.0.1.4.0: the prepayment status follows the order's whole life (issue 22).

A cancelled order requires nothing (nothing to invoice, no status), quantities invoiced above
the ordered one reach *Settled*, and an order with an unpaid prepayment document is never
*Settled*. The stored amounts to invoice and statuses of the orders that carry a prepayment
are computed again.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name in env["prepayment.order.mixin"]._prepmt_order_models():
        Order = env[name]
        orders = Order.with_context(active_test=False).search(
            ["|", ("prepmt_amount", "!=", 0), ("prepmt_move_ids", "!=", False)]
        )
        lines = orders.order_line
        env.add_to_compute(lines._fields["prepmt_amount_to_invoice"], lines)
        for field in ("prepmt_amount_to_invoice", "prepmt_state", "prepmt_amount_paid"):
            env.add_to_compute(Order._fields[field], orders)
    env.flush_all()
