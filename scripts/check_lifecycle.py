"""Upgrade in place, then uninstall, on a database with prepayment history.

    python scripts/check_lifecycle.py ODOO_CONF DBNAME

1. Records every order's prepayment amounts and every posted journal item.
2. Upgrades prepayment_addon in place (``-u``): the amounts must be unchanged, and an account
   that an administrator cleared is not created again.
3. Uninstalls the addons: every posted journal item (prepayment documents and deductions
   included) must still be there, unchanged and posted.
Prints PASS/FAIL lines and exits non-zero on a failure. (Odoo's log is silenced below
CRITICAL: uninstalling tries to delete demo partners that posted entries still use, and logs
each refusal as an error, which is Odoo's normal behaviour.)
"""

import sys

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

conf, dbname = sys.argv[1], sys.argv[2]
config.parse_config(["-c", conf, "-d", dbname, "--log-level=critical"])
failures = []

ORDER_FIELDS = (
    "prepmt_amount",
    "prepmt_amount_invoiced",
    "prepmt_amount_deducted",
    "prepmt_amount_outstanding",
    "prepmt_state",
)


def orders_snapshot(env):
    return {
        model: sorted(env[model].search([]).read(ORDER_FIELDS), key=lambda r: r["id"])
        for model in ("sale.order", "purchase.order")
    }


def ledger_snapshot(cr):
    cr.execute("""
        SELECT l.id, l.move_id, l.account_id, l.balance, l.amount_currency, m.state
        FROM account_move_line l JOIN account_move m ON m.id = l.move_id
        WHERE m.state = 'posted' ORDER BY l.id
    """)
    return cr.fetchall()


def check(name, ok):
    print(("PASS " if ok else "FAIL ") + name, flush=True)
    if not ok:
        failures.append(name)


def module(env, name):
    return env["ir.module.module"].search([("name", "=", name)])


registry = odoo.modules.registry.Registry(dbname)
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    before_orders = orders_snapshot(env)
    before_ledger = ledger_snapshot(cr)
    prepmt_moves = env["account.move"].search_count(
        [("is_prepayment", "=", True), ("state", "=", "posted")]
    )
    check("the database has prepayment history to keep", prepmt_moves > 0)
    # an administrator cleared a prepayment account: an upgrade must not create it again
    company = env.ref("base.main_company")
    company.prepmt_purchase_account_id = False
    accounts_before = env["account.account"].search_count([])
    cr.commit()
    module(env, "prepayment_addon").button_immediate_upgrade()

registry = odoo.modules.registry.Registry(dbname)
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    check(
        "upgrade in place keeps every order's prepayment amounts",
        orders_snapshot(env) == before_orders,
    )
    check("upgrade in place keeps the ledger", ledger_snapshot(cr) == before_ledger)
    check(
        "upgrade in place creates no account and keeps a cleared one cleared",
        env["account.account"].search_count([]) == accounts_before
        and not env.ref("base.main_company").prepmt_purchase_account_id,
    )
    to_remove = module(env, "prepayment_addon_stock").filtered(
        lambda m: m.state == "installed"
    ) | module(env, "prepayment_addon")
    to_remove.button_immediate_uninstall()

registry = odoo.modules.registry.Registry(dbname)
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    check("the addon is uninstalled", module(env, "prepayment_addon").state == "uninstalled")
    check(
        "uninstalling keeps every posted journal item unchanged",
        ledger_snapshot(cr) == before_ledger,
    )

sys.exit(1 if failures else 0)
