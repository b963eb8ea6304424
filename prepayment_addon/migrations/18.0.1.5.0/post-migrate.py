"""18.0.1.5.0: prepayment rules on the customer's risk come first (issue 24).

Three levels (the customer's risk, per product, category or all products) now come before the
nine others, so every existing rule's stored *Priority* moves by three (1 becomes 4). The
levels of the existing rules are computed again; which rule wins does not change (the engine
reads the order of ``RULE_LEVELS``, not the stored number).
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Rule = env["prepayment.rule"]
    rules = Rule.with_context(active_test=False).search([])
    for name in ("product_level", "partner_level", "priority"):
        env.add_to_compute(Rule._fields[name], rules)
    env.flush_all()
