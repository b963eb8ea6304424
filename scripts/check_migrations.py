"""Migration check: databases made by the previous versions of prepayment_addon, upgraded.

    python scripts/check_migrations.py ODOO_CONF [--only 18.0.1.1.0] [--keep]

Run with the Python that imports Odoo 18.0, from a git checkout with its history (the old
versions are taken from it). As OCA's upgrade tests do, for each migration of the addon:

1. ``git archive`` of the last commit at the previous version (``prepayment_addon`` only, not
   the Inventory bridge) into a temp folder;
2. a throwaway database with that old addon (``odoo-bin -i prepayment_addon --without-demo``,
   the addons path of ODOO_CONF with the old checkout instead of this repository);
3. history made with the old code (``--phase make``, this file run by that Odoo as a library):
   orders, documents, partners; what must survive is written to a JSON file;
4. ``odoo-bin -u prepayment_addon`` with this repository's addon (the migration scripts run);
5. the checks with the current code (``--phase verify``): PASS/FAIL lines.

The migrations:

* ``18.0.1.1.0`` (post-migrate: the prepayment accounts become reconcilable and their history
  is matched), from version 18.0.1.0.0: sales and purchase orders whose deductions took all
  (paid), part, or all in a foreign currency at a changed rate, and one with a prepayment
  credit memo then a new prepayment invoice. Checked: the accounts are the same and
  reconcilable, every deduction and credit memo line is matched with prepayment lines of its
  own order, the open items of each order are its outstanding (nothing open when nothing is
  outstanding: a full reconcile, Odoo's exchange difference for the foreign currency), the
  credit memo settles the prepayment invoice it cancelled (not the later one of the same
  amount), no amount and no posted journal item changed, the stored statuses are the current
  code's, the ledger of SPEC section 8 (``check_ledger.py``) holds, Open Prepayments'
  company-currency total is the accounts' balance, and the engine goes on (the rest deducted
  after the upgrade, everything matched).
* ``18.0.1.5.0`` (post-migrate: the rules' levels and priorities computed again, the
  customer's risk levels first), from version 18.0.1.4.0: sales rules at four levels, one
  archived, and an order they set. Checked: each priority is its level's place (three more),
  the order keeps its %, a new order gets the same % from the same rules.
* ``18.0.1.2.0`` (pre-migrate: the partner's Prepayment Payment Terms becomes customer and
  vendor terms), from version 18.0.1.1.0: partners with terms in two companies (one company
  only, none, a contact of a company, a company's default). Checked: both new fields carry the
  old value per company (a company's default too), the field record is renamed (same id, its
  XML id follows, no old column), the orders keep their terms and new orders resolve them on
  both sides, the stored statuses are the current code's.

Only this script's databases (``prepmt_mig_*``) are dropped and made; ``--keep`` keeps them
and the logs. Prints one line per step and check, and a summary; exits 1 on a failure (a
commit missing from a shallow clone included), 0 with SKIPPED outside a git checkout.
"""

import argparse
import ast
import configparser
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ADDON = "prepayment_addon"

# migration -> the last commit of this repository at the version before it
MIGRATIONS = {
    "18.0.1.1.0": ("c138b81ee46888b8ec05e64e354d7f5a87831b27", "18.0.1.0."),
    "18.0.1.2.0": ("68bfa8e7161ea0659ec0c34cff9d9c338c6ec214", "18.0.1.1."),
    "18.0.1.5.0": ("9d6178385cee6bac4812fb5498a0d4d70f4d44ab", "18.0.1.4."),
}
# the script each migration runs, as Odoo logs it ("[18.0.1.1.0>] post-migrate")
SCRIPTS = {"18.0.1.1.0": "post-migrate", "18.0.1.2.0": "pre-migrate", "18.0.1.5.0": "post-migrate"}

SIDES = {
    # order model, quantity / taxes / delivered fields of a line, sign of the prepayment
    # account's balance for an outstanding prepayment (check_ledger.py's direction)
    "sale": ("sale.order", "product_uom_qty", "tax_id", "qty_delivered", -1),
    "purchase": ("purchase.order", "product_qty", "taxes_id", "qty_received", 1),
}
ORDER_FIELDS = [
    "prepmt_amount",
    "prepmt_amount_invoiced",
    "prepmt_amount_deducted",
    "prepmt_amount_outstanding",
    "prepmt_state",
    "amount_total",
]


# ======================================================================================
# The driver (no Odoo import: every step is its own process)
# ======================================================================================
def log(msg):
    print(f"[migrations] {msg}", flush=True)


def run(cmd, what, logfile=None):
    """Run ``cmd``; its output goes to ``logfile`` (shown on a failure) or through."""
    t0 = time.monotonic()
    if logfile:
        with open(logfile, "w") as fh:
            rc = subprocess.call(cmd, stdout=fh, stderr=subprocess.STDOUT)
    else:
        rc = subprocess.call(cmd)
    seconds = time.monotonic() - t0
    if rc != 0 and logfile:
        with open(logfile) as fh:
            tail = fh.read()[-6000:]
        print(tail, flush=True)
    log(f"{what}: {'ok' if rc == 0 else f'FAILED (exit code {rc})'} in {seconds:.0f}s")
    return rc == 0


def git(*args):
    return subprocess.run(
        ["git", "-C", ROOT, *args], check=True, capture_output=True, text=True
    ).stdout


def old_checkout(commit, version_prefix, dest):
    """Extract the addon as it was at ``commit`` into ``dest``; its manifest version."""
    try:
        git("cat-file", "-e", f"{commit}^{{commit}}")
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        raise SystemExit(
            f"[migrations] FAILED: commit {commit[:12]} (the previous version) is not in "
            f"{ROOT}'s git history ({exc}): run this check from a clone with its history "
            "(git fetch --unshallow)"
        ) from exc
    archive = subprocess.Popen(
        ["git", "-C", ROOT, "archive", commit, ADDON], stdout=subprocess.PIPE
    )
    subprocess.run(["tar", "-x", "-C", dest], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit(f"[migrations] FAILED: git archive {commit[:12]} {ADDON}")
    with open(os.path.join(dest, ADDON, "__manifest__.py")) as fh:
        version = ast.literal_eval(fh.read())["version"]
    if not version.startswith(version_prefix):
        raise SystemExit(
            f"[migrations] FAILED: {commit[:12]} holds version {version}, not {version_prefix}x"
        )
    return version


def addons_path(conf_path, addon_dir):
    """The addons path of the config with ``addon_dir`` instead of any folder holding the
    addon (this repository)."""
    parser = configparser.ConfigParser()
    parser.read(conf_path)
    parts = [
        p.strip()
        for p in parser.get("options", "addons_path", fallback="").split(",")
        if p.strip() and not os.path.isdir(os.path.join(p.strip(), ADDON))
    ]
    return ",".join([*parts, addon_dir])


def db_params(conf_path):
    parser = configparser.ConfigParser()
    parser.read(conf_path)

    def opt(name):
        value = parser.get("options", name, fallback="False").strip()
        return None if value in ("", "False") else value

    params = {
        "host": opt("db_host"),
        "port": opt("db_port"),
        "user": opt("db_user"),
        "password": opt("db_password"),
    }
    return {k: v for k, v in params.items() if v}, opt("data_dir")


def drop_db(conf_path, dbname):
    import psycopg2  # an Odoo dependency

    params, data_dir = db_params(conf_path)
    conn = psycopg2.connect(dbname="postgres", **params)
    conn.autocommit = True
    with conn.cursor() as cr:
        cr.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [dbname],
        )
        cr.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    conn.close()
    if data_dir:
        shutil.rmtree(os.path.join(data_dir, "filestore", dbname), ignore_errors=True)


def odoo_bin():
    import odoo  # only to find odoo-bin next to the package

    path = os.path.join(os.path.dirname(odoo.__path__[0]), "odoo-bin")
    if os.path.isfile(path):
        return [sys.executable, path]
    return [sys.executable, "-c", "import odoo; odoo.cli.main()"]


def check_migration(args, version, tmp):
    commit, prefix = MIGRATIONS[version]
    dbname = "prepmt_mig_" + version.replace("18.0.", "").replace(".", "_")
    old_dir = os.path.join(tmp, version)
    os.makedirs(old_dir)
    old_version = old_checkout(commit, prefix, old_dir)
    log(f"{version}: from {old_version} (commit {commit[:12]}) on database {dbname}")
    old_path = addons_path(args.conf, old_dir)
    new_path = addons_path(args.conf, ROOT)
    state = os.path.join(tmp, f"{dbname}.json")
    odoo_cmd = [*odoo_bin(), "-c", args.conf, "-d", dbname, "--no-http", "--stop-after-init"]
    phase = [sys.executable, os.path.abspath(__file__), args.conf, "--db", dbname]
    drop_db(args.conf, dbname)
    ok = (
        run(
            [*odoo_cmd, f"--addons-path={old_path}", "-i", ADDON, "--without-demo=all"]
            + ["--log-level=warn"],
            f"{version}: install {old_version}",
            os.path.join(tmp, f"{dbname}-install.log"),
        )
        and run(
            [*phase, "--phase", "make", "--migration", version, "--state", state]
            + [f"--addons-path={old_path}"],
            f"{version}: history made by {old_version}",
        )
        and run(
            [*odoo_cmd, f"--addons-path={new_path}", "-u", ADDON, "--log-level=info"],
            f"{version}: odoo-bin -u {ADDON} (current code)",
            os.path.join(tmp, f"{dbname}-upgrade.log"),
        )
        and run(
            [*phase, "--phase", "verify", "--migration", version, "--state", state]
            + [f"--addons-path={new_path}"],
            f"{version}: checks after the upgrade",
        )
    )
    if ok:
        with open(os.path.join(tmp, f"{dbname}-upgrade.log")) as fh:
            upgrade_log = fh.read()
        script = SCRIPTS[version]
        # Odoo logs "[18.0.1.1.0>] post-migrate" and "[>18.0.1.2.0] pre-migrate"
        ran = re.search(
            rf"module {ADDON}: Running migration \[>?{re.escape(version)}>?\] {script}",
            upgrade_log,
        )
        log(f"{version}: the upgrade log says the {script} script ran: {'yes' if ran else 'NO'}")
        ok = ran
    if not args.keep:
        drop_db(args.conf, dbname)
    return ok


def main_driver(args):
    t0 = time.monotonic()
    versions = args.only.split(",") if args.only else list(MIGRATIONS)
    unknown = set(versions) - set(MIGRATIONS)
    if unknown:
        raise SystemExit(f"[migrations] unknown migration(s) {sorted(unknown)}: {list(MIGRATIONS)}")
    try:
        git("rev-parse", "--git-dir")
    except (subprocess.CalledProcessError, FileNotFoundError):
        log(f"SKIPPED: {ROOT} is not a git checkout (the previous versions come from its history)")
        return 0
    if git("rev-parse", "--is-shallow-repository").strip() == "true":
        # a shallow clone lacks the previous versions: fetch the history once, if the clone's
        # origin can give it (a local one always can); otherwise say so loudly and skip
        try:
            git("fetch", "--quiet", "--unshallow")
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            log(
                f"SKIPPED (WARNING): {ROOT} is a shallow clone and its history could not be "
                f"fetched ({(exc.stderr or exc).strip() if hasattr(exc, 'stderr') else exc}): "
                "the migrations were NOT checked; run this from a clone with its history"
            )
            return 0
    tmp = tempfile.mkdtemp(prefix="prepmt-migrations.")
    results = {}
    try:
        for version in versions:
            results[version] = check_migration(args, version, tmp)
    finally:
        if args.keep:
            log(f"kept the databases and {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = [v for v, ok in results.items() if not ok]
    each = ", ".join(f"{v} {'ok' if ok else 'FAILED'}" for v, ok in results.items())
    log(
        f"migration check {'FAILED' if failed else 'PASSED'}: "
        f"{len(results) - len(failed)}/{len(results)} migration(s) upgraded and checked "
        f"({each}) in {time.monotonic() - t0:.0f}s"
    )
    return 1 if failed else 0


# ======================================================================================
# The phases, run by Odoo as a library: the old code makes the history, the new one checks
# ======================================================================================
class Checks:
    def __init__(self):
        self.failures = []

    def __call__(self, name, ok, detail=""):
        print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else f": {detail}"))
        if not ok:
            self.failures.append(name)
        return ok


def today():
    return datetime.date.today()


def module_version(env):
    return env["ir.module.module"].search([("name", "=", ADDON)]).latest_version


# ------------------------------------------------------------------ 18.0.1.1.0
class History:
    """Orders with prepayment history on both sides, made with the API that the old and the
    current code share (create, the order buttons, the standard final invoice flows)."""

    def __init__(self, env):
        self.env = env
        self.company = env.company
        Product = env["product.product"]
        self.product = Product.create(
            {
                "name": "Migration Widget",
                "type": "consu",
                "invoice_policy": "delivery",
                "purchase_method": "receive",
                "list_price": 100.0,
                "taxes_id": [(6, 0, self.company.account_sale_tax_id.ids)],
                "supplier_taxes_id": [(6, 0, self.company.account_purchase_tax_id.ids)],
            }
        )
        self.partner = env["res.partner"].create({"name": "Migration Partner", "is_company": True})
        self.eur = env.ref("base.EUR")
        if self.eur == self.company.currency_id:  # pragma: no cover (the generic chart: USD)
            self.eur = env.ref("base.CHF")
        self.eur.active = True
        self.rate = env["res.currency.rate"].create(
            {
                "currency_id": self.eur.id,
                "name": today(),
                "rate": 0.8,
                "company_id": self.company.id,
            }
        )
        self.pricelist = env["product.pricelist"].create(
            {"name": "Migration EUR", "currency_id": self.eur.id, "company_id": self.company.id}
        )

    def order(self, side, lines, percent, foreign=False):
        model, qty, tax, _delivered, _sign = SIDES[side]
        taxes = (
            self.company.account_sale_tax_id
            if side == "sale"
            else self.company.account_purchase_tax_id
        )
        vals = {
            "partner_id": self.partner.id,
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": self.product.id,
                        qty: q,
                        "price_unit": price,
                        tax: [(6, 0, taxes.ids)],
                    },
                )
                for q, price in lines
            ],
        }
        if foreign:
            vals["pricelist_id" if side == "sale" else "currency_id"] = (
                self.pricelist.id if side == "sale" else self.eur.id
            )
        order = self.env[model].create(vals)
        order.prepmt_percent = percent
        for line in order.order_line:
            if line.prepmt_percent != percent:
                line.prepmt_percent = percent
        if side == "sale":
            order.action_confirm()
        else:
            order.button_confirm()
        return order


def deliver(order, ratio=1.0):
    """Deliver / receive ``ratio`` of every line (by hand: no Inventory)."""
    side = "sale" if order._name == "sale.order" else "purchase"
    _model, qty, _tax, delivered, _sign = SIDES[side]
    for line in order.order_line:
        line[delivered] = line[qty] * ratio


def final_invoice(order):
    """The standard final invoice / bill of what is delivered, posted."""
    if order._name == "sale.order":
        moves = order._create_invoices(final=True)
    else:
        before = order.invoice_ids
        order.action_create_invoice()
        moves = order.invoice_ids - before
        moves.invoice_date = today()
    moves.action_post()
    return moves


def pay(moves):
    moves.env["account.payment.register"].with_context(
        active_model="account.move", active_ids=moves.ids
    ).create({})._create_payments()


def make_1_1_0(env, state, checks):
    """The history of an 18.0.1.0.0 database: what the upgrade must match."""
    history = History(env)
    company = history.company
    accounts = {
        "sale": company.prepmt_sale_account_id,
        "purchase": company.prepmt_purchase_account_id,
    }
    checks(
        "18.0.1.0.0 made prepayment accounts that are not reconcilable (the migration's job)",
        all(accounts.values()) and not any(a.reconcile for a in accounts.values()),
        str({side: (a.code, a.reconcile) for side, a in accounts.items()}),
    )
    orders = {}
    for side in SIDES:
        # all deducted by one final invoice, the prepayment paid: nothing outstanding
        full = history.order(side, [(10, 100.0), (3, 233.33)], 30)
        full.action_create_prepmt_invoice()
        pay(full.prepmt_move_ids)
        # half delivered and invoiced: the rest stays outstanding
        part = history.order(side, [(10, 100.0)], 50)
        part.action_create_prepmt_invoice()
        # a prepayment credit memo, then a new prepayment invoice (outstanding)
        credit = history.order(side, [(2, 500.0)], 20)
        credit.action_create_prepmt_invoice()
        credit.action_create_prepmt_credit_memo()
        credit.action_create_prepmt_invoice()
        # a foreign currency whose rate changes between the prepayment and the final invoice
        foreign = history.order(side, [(5, 200.0)], 40, foreign=True)
        foreign.action_create_prepmt_invoice()
        orders.update(
            {
                f"{side} full": full,
                f"{side} part": part,
                f"{side} credit": credit,
                f"{side} foreign": foreign,
            }
        )
    history.rate.rate = 0.75
    env.invalidate_all()
    for side in SIDES:
        for name, ratio in (("full", 1.0), ("part", 0.5), ("foreign", 1.0)):
            order = orders[f"{side} {name}"]
            deliver(order, ratio)
            final_invoice(order)
    # the partners' terms of 18.0.1.0.0 (the 18.0.1.2.0 migration runs in the same upgrade)
    term = env.ref("account.account_payment_term_30days")
    history.partner.prepmt_payment_term_id = term
    env.invalidate_all()
    expected = {  # what the old code must have made, to the cent (untaxed)
        "full": (510.0, 510.0, 510.0, 0.0),
        "part": (500.0, 500.0, 250.0, 250.0),
        "credit": (200.0, 200.0, 0.0, 200.0),
        "foreign": (400.0, 400.0, 400.0, 0.0),
    }
    for name, order in orders.items():
        got = (
            order.prepmt_amount,
            order.prepmt_amount_invoiced,
            order.prepmt_amount_deducted,
            order.prepmt_amount_outstanding,
        )
        checks(
            f"18.0.1.0.0 history: {name} order {order.name} required/invoiced/deducted/"
            f"outstanding {got}",
            got == expected[name.split()[1]],
            f"expected {expected[name.split()[1]]}",
        )
    env.cr.execute("""
        SELECT l.id, l.move_id, l.account_id, l.balance, l.amount_currency
          FROM account_move_line l JOIN account_move m ON m.id = l.move_id
         WHERE m.state = 'posted' ORDER BY l.id
    """)
    state.update(
        {
            "accounts": {side: a.id for side, a in accounts.items()},
            "orders": {
                name: {"model": o._name, "id": o.id, "values": o.read(ORDER_FIELDS)[0]}
                for name, o in orders.items()
            },
            "ledger": env.cr.fetchall(),
            "moves": env["account.move"].search([]).ids,
            "partner": history.partner.id,
            "term": term.id,
            "company": company.id,
        }
    )


def check_states(env, checks):
    """Every order's stored prepayment status is the one the current code computes."""
    stale = []
    for model in ("sale.order", "purchase.order"):
        Order = env[model]
        env.cr.execute(f"SELECT id, prepmt_state FROM {Order._table} ORDER BY id")
        stored = dict(env.cr.fetchall())
        env.invalidate_all()
        orders = Order.browse(list(stored))
        orders._compute_prepmt_state()
        stale += [
            f"{o.name}: stored {stored[o.id]}, now {o.prepmt_state}"
            for o in orders
            if o.prepmt_state != stored[o.id]
        ]
    checks(
        "every order's stored prepayment status is the one the current code computes",
        not stale,
        "; ".join(stale),
    )


def prepayment_items(order, accounts):
    """The order's journal items on the prepayment accounts: (prepayment lines of its
    prepayment invoices, deduction lines of its final documents and of its credit memos)."""
    docs = (order.prepmt_move_ids | order.invoice_ids).filtered(lambda m: m.state == "posted")
    items = docs.line_ids.filtered(
        lambda ln: ln.account_id in accounts and ln.prepmt_allocation_ids
    )
    refund = ("out_refund", "in_refund")
    invoices = items.filtered(lambda ln: ln.move_id.is_prepayment and ln.move_type not in refund)
    return invoices, items - invoices


def verify_1_1_0(env, state, checks):
    from check_ledger import check_database, check_order  # scripts/check_ledger.py

    company = env["res.company"].browse(state["company"])
    accounts = env["account.account"].browse(state["accounts"].values())
    checks(
        "the prepayment accounts are the same and reconcilable",
        company.prepmt_sale_account_id.id == state["accounts"]["sale"]
        and company.prepmt_purchase_account_id.id == state["accounts"]["purchase"]
        and all(accounts.mapped("reconcile")),
        str(accounts.read(["code", "reconcile"])),
    )
    # nothing posted before has changed; the only new entries are Odoo's exchange differences
    env.cr.execute(
        """
        SELECT l.id, l.move_id, l.account_id, l.balance, l.amount_currency
          FROM account_move_line l JOIN account_move m ON m.id = l.move_id
         WHERE m.state = 'posted' AND l.move_id = ANY(%s) ORDER BY l.id
    """,
        [state["moves"]],
    )
    before = [tuple(row) for row in state["ledger"]]
    after = [
        tuple(float(v) if isinstance(v, float) else v for v in row) for row in env.cr.fetchall()
    ]
    checks("every journal item posted before is unchanged", after == before)
    new_moves = env["account.move"].search([("id", "not in", state["moves"])])
    exchange = company.currency_exchange_journal_id
    checks(
        "the upgrade posted only exchange difference entries",
        all(m.journal_id == exchange for m in new_moves),
        str(new_moves.mapped("journal_id.name")),
    )
    orders = {name: env[o["model"]].browse(o["id"]) for name, o in state["orders"].items()}
    for name, order in orders.items():
        now = order.read(ORDER_FIELDS)[0]
        was = state["orders"][name]["values"]
        checks(
            f"{name} {order.name}: the amounts are unchanged",
            {k: v for k, v in now.items() if k != "prepmt_state"}
            == {k: v for k, v in was.items() if k != "prepmt_state"},
            f"{now} != {was}",
        )
    check_states(env, checks)
    findings = []
    for name, order in orders.items():
        side = name.split()[0]
        sign = SIDES[side][4]
        cur = order.currency_id
        ccur = order.company_id.currency_id
        invoices, consumers = prepayment_items(order, accounts)
        # each deduction / credit memo line is matched in full, with prepayment lines of its
        # own order
        partials = consumers.matched_debit_ids | consumers.matched_credit_ids
        counterparts = (partials.debit_move_id | partials.credit_move_id) - consumers
        # (the lines of Odoo's exchange difference entries aside)
        counterparts = counterparts.filtered(lambda ln: ln.move_id.journal_id != exchange)
        checks(
            f"{name} {order.name}: its {len(consumers)} deduction/credit memo line(s) are "
            f"matched in full with its prepayment invoices' lines",
            consumers
            and all(ln.reconciled for ln in consumers)
            and counterparts
            and counterparts <= invoices,
            f"reconciled {consumers.mapped('reconciled')}, counterparts {counterparts.ids} "
            f"not in {invoices.ids}",
        )
        items = invoices | consumers
        outstanding = order.prepmt_amount_outstanding
        open_currency = sum(items.mapped("amount_residual_currency"))
        checks(
            f"{name} {order.name}: its open items on the prepayment account are its "
            f"outstanding {outstanding:.2f} {cur.name}",
            cur.compare_amounts(open_currency, sign * outstanding) == 0,
            f"open {open_currency}",
        )
        if cur.is_zero(outstanding):
            full = items.full_reconcile_id
            checks(
                f"{name} {order.name}: nothing outstanding, so nothing open (one full "
                f"reconcile{', with an exchange difference' if cur != ccur else ''})",
                all(items.mapped("reconciled"))
                and len(full) == 1
                and ccur.is_zero(sum(items.mapped("amount_residual")))
                and (cur == ccur or bool(full.partial_reconcile_ids.exchange_move_id)),
                f"reconciled {items.mapped('reconciled')}, full reconciles {full.ids}",
            )
        if cur == ccur:
            check_order(order, findings)
            checks(
                f"{name} {order.name}: open items in company currency = outstanding",
                ccur.compare_amounts(sum(items.mapped("amount_residual")), sign * outstanding) == 0,
            )
        else:  # SPEC 8 in the order's currency (check_ledger.py checks the company's one)
            docs = (order.prepmt_move_ids | order.invoice_ids).filtered(
                lambda m: m.state == "posted"
            )
            balance = sum(
                docs.line_ids.filtered(lambda ln: ln.account_id in accounts).mapped(
                    "amount_currency"
                )
            )
            checks(
                f"{name} {order.name}: the prepayment accounts' balance in {cur.name} = "
                "outstanding",
                cur.compare_amounts(balance, sign * outstanding) == 0,
                f"{balance}",
            )
        if name.endswith("credit"):
            memo = order.prepmt_move_ids.filtered(
                lambda m: m.move_type in ("out_refund", "in_refund")
            )
            first = order.prepmt_move_ids.sorted("id")[0]
            terms = (memo | first).line_ids.filtered(lambda ln: ln.display_type == "payment_term")
            second = order.prepmt_move_ids.sorted("id")[-1]
            checks(
                f"{name} {order.name}: the credit memo settles the prepayment invoice it "
                "cancels, not the later one",
                all(terms.mapped("reconciled"))
                and first.payment_state in ("paid", "reversed")
                and second.payment_state == "not_paid"
                and order.prepmt_state == "waiting_payment",
                f"{terms.mapped('reconciled')}, {first.payment_state}, "
                f"{second.payment_state}, {order.prepmt_state}",
            )
    check_database(env, findings)
    checks("the ledger check of SPEC 8 (scripts/check_ledger.py)", not findings, str(findings))
    # Open Prepayments: its company-currency outstanding per account is the account's balance
    Analysis = env["prepayment.analysis"]
    for side, account_id in state["accounts"].items():
        Order = env[SIDES[side][0]]
        rows = Analysis.search([("order_type", "=", side), ("account_id", "=", account_id)])
        env.cr.execute(
            """SELECT COALESCE(SUM(l.balance), 0) FROM account_move_line l
                JOIN account_move m ON m.id = l.move_id
               WHERE m.state = 'posted' AND l.account_id = %s""",
            [account_id],
        )
        balance = float(env.cr.fetchone()[0])
        total = sum(rows.mapped("outstanding_company"))
        checks(
            f"Open Prepayments ({side}): the company-currency outstanding {total:.2f} is the "
            f"account's balance",
            company.currency_id.compare_amounts(total, Order._prepmt_balance_sign * balance) == 0,
            f"balance {balance}",
        )
    # the partner's terms (the 18.0.1.2.0 migration of the same upgrade)
    partner = env["res.partner"].browse(state["partner"])
    checks(
        "the partner's Prepayment Payment Terms of 18.0.1.0.0 are its customer and vendor terms",
        partner.customer_prepmt_payment_term_id.id == state["term"]
        and partner.vendor_prepmt_payment_term_id.id == state["term"],
    )
    # the engine goes on: the rest of the half-deducted orders is deducted after the upgrade
    for side in SIDES:
        order = orders[f"{side} part"]
        deliver(order)
        final_invoice(order)
        invoices, consumers = prepayment_items(order, accounts)
        items = invoices | consumers
        checks(
            f"{side} part {order.name}: the rest deducted after the upgrade, everything matched",
            order.currency_id.is_zero(order.prepmt_amount_outstanding)
            and all(items.mapped("reconciled"))
            and len(items.full_reconcile_id) == 1,
            f"outstanding {order.prepmt_amount_outstanding}, "
            f"reconciled {items.mapped('reconciled')}",
        )
        findings = []
        check_order(order, findings)
        checks(f"{side} part {order.name}: ledger check after the new final invoice", not findings)


# ------------------------------------------------------------------ 18.0.1.2.0
def make_1_2_0(env, state, checks):
    """Partners of an 18.0.1.1.0 database with their one Prepayment Payment Terms field."""
    Company = env["res.company"]
    main = env.company
    other = Company.create({"name": "Migration Company B", "currency_id": main.currency_id.id})
    env.user.company_ids |= other
    terms = {
        name: env.ref(f"account.account_payment_term_{name}")
        for name in ("30days", "45days", "immediate", "end_following_month", "15days")
    }
    Partner = env["res.partner"]
    both = Partner.create({"name": "Terms in both companies", "is_company": True})
    contact = Partner.create({"name": "Their contact", "parent_id": both.id})
    only_b = Partner.create({"name": "Terms in company B only", "is_company": True})
    none = Partner.create({"name": "No terms", "is_company": True})
    both.with_company(main).prepmt_payment_term_id = terms["30days"]
    both.with_company(other).prepmt_payment_term_id = terms["45days"]
    only_b.with_company(other).prepmt_payment_term_id = terms["immediate"]
    # a company's default (Odoo's fallback of a company-dependent field)
    env["ir.default"].set(
        "res.partner",
        "prepmt_payment_term_id",
        terms["end_following_month"].id,
        company_id=other.id,
    )
    env.invalidate_all()
    partners = {"both": both, "contact": contact, "only_b": only_b, "none": none}
    values = {
        name: {
            str(company.id): partner.with_company(company).prepmt_payment_term_id.id
            for company in (main, other)
        }
        for name, partner in partners.items()
    }
    expected = {
        "both": {str(main.id): terms["30days"].id, str(other.id): terms["45days"].id},
        "contact": {str(main.id): terms["30days"].id, str(other.id): terms["45days"].id},
        "only_b": {str(main.id): False, str(other.id): terms["immediate"].id},
        "none": {str(main.id): False, str(other.id): terms["end_following_month"].id},
    }
    checks("18.0.1.1.0 partners' terms per company", values == expected, f"{values}")
    # an order paid and deducted in full: its stored status must follow the current code
    history = History(env)
    for side in SIDES:
        order = history.order(side, [(4, 250.0)], 10)
        order.action_create_prepmt_invoice()
        pay(order.prepmt_move_ids)
        deliver(order)
        final_invoice(order)
    # orders: their terms come from the partner (an order's own field, stored)
    orders = {}
    for company in (main, other):
        for side, model in (("sale", "sale.order"), ("purchase", "purchase.order")):
            order = (
                env[model]
                .with_company(company)
                .create({"partner_id": both.id, "company_id": company.id})
            )
            orders[f"{side} {company.id}"] = order
    env.cr.execute(
        "SELECT id FROM ir_model_fields WHERE model = 'res.partner' "
        "AND name = 'prepmt_payment_term_id'"
    )
    state.update(
        {
            "companies": [main.id, other.id],
            "partners": {name: p.id for name, p in partners.items()},
            "values": values,
            "field_id": env.cr.fetchone()[0],
            "orders": {
                name: {
                    "model": o._name,
                    "id": o.id,
                    "company": o.company_id.id,
                    "term": o.prepmt_payment_term_id.id,
                }
                for name, o in orders.items()
            },
        }
    )
    checks(
        "18.0.1.1.0 orders took the partner's terms of their company",
        [o["term"] for o in state["orders"].values()]
        == [terms["30days"].id] * 2 + [terms["45days"].id] * 2,
        str(state["orders"]),
    )


def verify_1_2_0(env, state, checks):
    check_states(env, checks)
    Partner = env["res.partner"]
    companies = env["res.company"].browse(state["companies"])
    for name, partner_id in state["partners"].items():
        partner = Partner.browse(partner_id)
        for company in companies:
            old = state["values"][name][str(company.id)]
            p = partner.with_company(company)
            checks(
                f"partner '{partner.name}' in {company.name}: customer and vendor terms are "
                f"the old terms ({old or 'none'})",
                p.customer_prepmt_payment_term_id.id == old
                and p.vendor_prepmt_payment_term_id.id == old,
                f"customer {p.customer_prepmt_payment_term_id.id}, "
                f"vendor {p.vendor_prepmt_payment_term_id.id}",
            )
    env.cr.execute(
        "SELECT name, id FROM ir_model_fields WHERE model = 'res.partner' "
        "AND name LIKE '%%prepmt_payment_term_id'"
    )
    fields = dict(env.cr.fetchall())
    checks(
        "the field record is renamed (same id), the vendor field is new, the old one is gone",
        fields.get("customer_prepmt_payment_term_id") == state["field_id"]
        and "vendor_prepmt_payment_term_id" in fields
        and "prepmt_payment_term_id" not in fields,
        str(fields),
    )
    xmlid = env.ref(
        "prepayment_addon.field_res_partner__customer_prepmt_payment_term_id",
        raise_if_not_found=False,
    )
    env.cr.execute(
        "SELECT count(*) FROM ir_model_data WHERE module = 'prepayment_addon' "
        "AND name = 'field_res_partner__prepmt_payment_term_id'"
    )
    checks(
        "its XML id follows it, none is left under the old name",
        xmlid and xmlid.id == state["field_id"] and env.cr.fetchone()[0] == 0,
    )
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' "
        "AND column_name LIKE '%%prepmt_payment_term_id'"
    )
    checks(
        "res_partner's columns: customer_ and vendor_prepmt_payment_term_id only",
        sorted(r[0] for r in env.cr.fetchall())
        == ["customer_prepmt_payment_term_id", "vendor_prepmt_payment_term_id"],
    )
    for name, o in state["orders"].items():
        order = env[o["model"]].browse(o["id"])
        checks(
            f"{name.split()[0]} order {order.name}: keeps its prepayment terms",
            order.prepmt_payment_term_id.id == o["term"],
            f"{order.prepmt_payment_term_id.id} != {o['term']}",
        )
        # the same order made now takes the terms from the new field of its side
        new = (
            env[o["model"]]
            .with_company(order.company_id)
            .create({"partner_id": order.partner_id.id, "company_id": order.company_id.id})
        )
        checks(
            f"{name.split()[0]} order of the same partner in {order.company_id.name} made "
            "after the upgrade: the same prepayment terms",
            new.prepmt_payment_term_id.id == o["term"],
            f"{new.prepmt_payment_term_id.id} != {o['term']}",
        )


# ------------------------------------------------------------------ 18.0.1.5.0
def make_1_5_0(env, state, checks):
    """Rules of an 18.0.1.4.0 database at each level, and the % they give an order."""
    Rule = env["prepayment.rule"]
    partner = env["res.partner"].create({"name": "Rule customer", "is_company": True})
    category = env["product.category"].create({"name": "Rule category"})
    product = env["product.product"].create(
        {"name": "Rule product", "categ_id": category.id, "list_price": 100.0}
    )
    other = env["product.product"].create(
        {"name": "Other product", "categ_id": category.id, "list_price": 50.0}
    )
    pricelist = env["product.pricelist"].create({"name": "Rule pricelist"})
    rules = {
        "product/partner": Rule.create(
            {
                "order_type": "sale",
                "product_tmpl_id": product.product_tmpl_id.id,
                "partner_id": partner.id,
                "percent": 40.0,
            }
        ),
        "category/pricelist": Rule.create(
            {
                "order_type": "sale",
                "product_categ_id": category.id,
                "pricelist_id": pricelist.id,
                "percent": 25.0,
            }
        ),
        "all/all": Rule.create({"order_type": "sale", "percent": 10.0}),
        "archived category/all": Rule.create(
            {
                "order_type": "sale",
                "product_categ_id": category.id,
                "percent": 15.0,
                "active": False,
            }
        ),
    }
    state["rules"] = {name: [rule.id, rule.priority] for name, rule in rules.items()}
    checks(
        "18.0.1.4.0 priorities 1, 5, 9 and 6",
        [r.priority for r in rules.values()] == [1, 5, 9, 6],
        f"{[r.priority for r in rules.values()]}",
    )
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "pricelist_id": pricelist.id,
            "order_line": [
                (0, 0, {"product_id": product.id, "product_uom_qty": 1}),
                (0, 0, {"product_id": other.id, "product_uom_qty": 1}),
            ],
        }
    )
    state["order"] = [order.id, order.order_line.mapped("prepmt_percent")]
    state["partner"] = partner.id
    state["products"] = [product.id, other.id]
    state["pricelist"] = pricelist.id


def verify_1_5_0(env, state, checks):
    from odoo.addons.prepayment_addon.models.prepayment_rule import RULE_LEVELS

    Rule = env["prepayment.rule"].with_context(active_test=False)
    for name, (rule_id, old) in state["rules"].items():
        rule = Rule.browse(rule_id)
        wanted = RULE_LEVELS.index((rule.product_level, rule.partner_level)) + 1
        checks(
            f"rule {name}: priority {old} became {rule.priority} (its level's place)",
            rule.priority == wanted and rule.priority == old + 3,
            f"{rule.priority} != {wanted}",
        )
    order_id, percents = state["order"]
    order = env["sale.order"].browse(order_id)
    checks(
        "the order's lines keep their %",
        order.order_line.mapped("prepmt_percent") == percents,
        f"{order.order_line.mapped('prepmt_percent')} != {percents}",
    )
    new = env["sale.order"].create(
        {
            "partner_id": state["partner"],
            "pricelist_id": state["pricelist"],
            "order_line": [
                (0, 0, {"product_id": pid, "product_uom_qty": 1}) for pid in state["products"]
            ],
        }
    )
    checks(
        "a new order gets the same % from the same rules (40 and 25)",
        new.order_line.mapped("prepmt_percent") == [40.0, 25.0] == percents,
        f"{new.order_line.mapped('prepmt_percent')}, before {percents}",
    )


PHASES = {
    "18.0.1.1.0": (make_1_1_0, verify_1_1_0),
    "18.0.1.2.0": (make_1_2_0, verify_1_2_0),
    "18.0.1.5.0": (make_1_5_0, verify_1_5_0),
}


def main_phase(args):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    sys.path.insert(0, HERE)
    config.parse_config(
        ["-c", args.conf, "-d", args.db, f"--addons-path={args.addons_path}", "--log-level=warn"]
    )
    checks = Checks()
    make, verify = PHASES[args.migration]
    with odoo.modules.registry.Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if args.phase == "make":
            state = {"version": module_version(env)}
            make(env, state, checks)
            with open(args.state, "w") as fh:
                json.dump(state, fh)
        else:
            with open(args.state) as fh:
                state = json.load(fh)
            checks(
                f"{ADDON} upgraded from {state['version']} to {module_version(env)}",
                module_version(env) not in (state["version"], None)
                and module_version(env) >= args.migration,
            )
            verify(env, state, checks)
        cr.commit()
    return 1 if checks.failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conf", help="odoo.conf: the database server and Odoo's addons path")
    parser.add_argument("--only", help="comma-separated migrations, e.g. 18.0.1.2.0")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    # the phases, run by the driver
    parser.add_argument("--phase", choices=("make", "verify"), help=argparse.SUPPRESS)
    parser.add_argument("--migration", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--addons-path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.conf = os.path.abspath(args.conf)
    sys.exit(main_phase(args) if args.phase else main_driver(args))


if __name__ == "__main__":
    main()
