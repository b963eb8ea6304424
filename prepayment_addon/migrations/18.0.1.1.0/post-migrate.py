"""18.0.1.1.0: the prepayment accounts become reconcilable, and their history is matched.

Each deduction and credit memo line is matched with the prepayment lines of its order, so
that the open items of the prepayment accounts are the outstanding prepayments and Odoo
books the exchange differences of orders in a foreign currency. The history is replayed one
document at a time in the order of their dates, each matched with the documents before it
as the engine matches them when they are posted.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"prepmt_migration": True})
    env["res.company"].search([])._prepmt_ensure_accounts()
    moves = env["prepayment.allocation"].search([("move_id.state", "=", "posted")]).move_id
    # replay the postings in their order, each document matched with what was posted before
    # it, as the engine would have done: a credit memo settles the prepayment invoice it
    # cancelled, not a later one of the same amount
    for move in moves.sorted(lambda m: (m.date, m.id)):
        until = (str(move.date), move.id)
        move.with_context(prepmt_reconcile_until=until)._prepmt_reconcile()
