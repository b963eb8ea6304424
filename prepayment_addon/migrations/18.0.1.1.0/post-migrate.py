"""18.0.1.1.0: the prepayment accounts become reconcilable, and their history is matched.

Each deduction and credit memo line is matched with the prepayment lines of its order, so
that the open items of the prepayment accounts are the outstanding prepayments and Odoo
books the exchange differences of orders in a foreign currency.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"prepmt_migration": True})
    env["res.company"].search([])._prepmt_ensure_accounts()
    moves = env["prepayment.allocation"].search([("move_id.state", "=", "posted")]).move_id
    moves.sorted(lambda m: (m.date, m.id))._prepmt_reconcile()
