"""The ledger check of SPEC section 8 over EVERY order of a database (sales and purchase).

    python scripts/check_ledger.py ODOO_CONF DBNAME [--json FILE]

Run with the Python that imports Odoo 18.0 (``scripts/loadtest.sh`` runs it after the load and
after each fault). Read-only. Per order:

* the posted prepayment invoices minus the posted prepayment credit memos (untaxed) = the
  order's invoiced = the sum of its lines' invoiced;
* per line, the stored invoiced / deducted / outstanding = what the allocations of posted
  documents say (nothing lost by a concurrent write), and 0 <= deducted <= invoiced <=
  required in the line's direction (nothing invoiced twice);
* the balance of the prepayment accounts over the order's posted documents, in company
  currency, = its outstanding (the load test's orders are in company currency);
* at most one draft prepayment document.

And in the whole database: no allocation whose document is missing or cancelled, no journal
entry without lines, no posted entry that does not balance. Prints a summary and exits 1 on
a finding.
"""

import argparse
import json
import sys
from collections import Counter

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

SIDES = {"sale.order": ("out_refund", -1), "purchase.order": ("in_refund", 1)}


def check_order(order, findings):
    cur = order.currency_id
    ccur = order.company_id.currency_id
    eq = lambda a, b: cur.compare_amounts(a, b) == 0  # noqa: E731
    refund_type, direction = SIDES[order._name]
    name = f"{order._name} {order.name} (id {order.id})"

    def fail(msg):
        findings.append(f"{name}: {msg}")

    if cur != ccur:
        fail(f"currency {cur.name} is not the company's: the check below is in company currency")
    prepmt = order.prepmt_move_ids
    posted = prepmt.filtered(lambda m: m.state == "posted")
    docs_untaxed = sum((-1 if m.move_type == refund_type else 1) * m.amount_untaxed for m in posted)
    lines = order._prepmt_lines()
    if not eq(docs_untaxed, order.prepmt_amount_invoiced):
        fail(
            f"posted prepayment documents {docs_untaxed} != invoiced {order.prepmt_amount_invoiced}"
        )
    if not eq(order.prepmt_amount_invoiced, sum(lines.mapped("prepmt_amount_invoiced"))):
        fail("order invoiced != sum of its lines' invoiced")
    if len(prepmt.filtered(lambda m: m.state == "draft")) > 1:
        fail("more than one draft prepayment document")
    for line in lines:
        invoiced, deducted = line.prepmt_allocation_ids._prepmt_totals()
        stored = (line.prepmt_amount_invoiced, line.prepmt_amount_deducted)
        if not (eq(invoiced, stored[0]) and eq(deducted, stored[1])):
            fail(
                f"line {line.id}: stored invoiced/deducted {stored} != allocations "
                f"({invoiced}, {deducted})"
            )
        if not eq(line.prepmt_amount_outstanding, invoiced - deducted):
            fail(f"line {line.id}: outstanding != invoiced - deducted")
        sign = line._prepmt_sign()
        if cur.compare_amounts(sign * deducted, 0) < 0:
            fail(f"line {line.id}: deducted {deducted} < 0")
        if cur.compare_amounts(sign * deducted, sign * invoiced) > 0:
            fail(f"line {line.id}: deducted {deducted} > invoiced {invoiced}")
        if cur.compare_amounts(sign * invoiced, sign * line.prepmt_amount) > 0:
            fail(f"line {line.id}: invoiced {invoiced} > required {line.prepmt_amount}")
    # the prepayment accounts, company currency, over every posted document of the order
    finals = order.invoice_ids.filtered(lambda m: m.state == "posted")
    amls = (posted | finals).line_ids
    accounts = amls.filtered("prepmt_allocation_ids").account_id
    accounts |= order._prepmt_company_account(order.company_id)
    balance = sum(amls.filtered(lambda ln: ln.account_id in accounts).mapped("balance"))
    if ccur.compare_amounts(balance, direction * order.prepmt_amount_outstanding) != 0:
        fail(
            f"prepayment accounts' balance {balance} != outstanding "
            f"{order.prepmt_amount_outstanding} (company currency)"
        )


def check_database(env, findings):
    cr = env.cr
    cr.execute("""
        SELECT a.id, a.move_id, m.state FROM prepayment_allocation a
        LEFT JOIN account_move_line l ON l.id = a.move_line_id
        LEFT JOIN account_move m ON m.id = l.move_id
        WHERE m.id IS NULL OR m.state = 'cancel' OR a.move_id IS DISTINCT FROM m.id
    """)
    for alloc_id, move_id, state in cr.fetchall():
        findings.append(f"allocation {alloc_id}: document {move_id} is {state or 'missing'}")
    cr.execute("""
        SELECT m.id, m.name FROM account_move m
        WHERE NOT EXISTS (SELECT 1 FROM account_move_line l WHERE l.move_id = m.id)
    """)
    for move_id, name in cr.fetchall():
        findings.append(f"account.move {move_id} ({name}) has no lines")
    cr.execute("""
        SELECT m.id, m.name, SUM(l.balance) FROM account_move m
        JOIN account_move_line l ON l.move_id = m.id
        WHERE m.state = 'posted' GROUP BY m.id HAVING ROUND(SUM(l.balance), 2) <> 0
    """)
    for move_id, name, diff in cr.fetchall():
        findings.append(f"posted account.move {move_id} ({name}) is unbalanced by {diff}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("conf")
    parser.add_argument("dbname")
    parser.add_argument("--json", help="write the summary to this file")
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "-d", args.dbname, "--log-level=warn"])
    findings = []
    counts = Counter()
    with odoo.modules.registry.Registry(args.dbname).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        for model in SIDES:
            for order in env[model].search([], order="id"):
                counts[model] += 1
                counts["prepayment documents (posted)"] += len(
                    order.prepmt_move_ids.filtered(lambda m: m.state == "posted")
                )
                counts["final documents (posted)"] += len(
                    order.invoice_ids.filtered(lambda m: m.state == "posted")
                )
                check_order(order, findings)
        counts["allocations"] = env["prepayment.allocation"].search_count([])
        check_database(env, findings)
        cr.rollback()
    summary = {"counts": dict(counts), "findings": findings, "ok": not findings}
    print("ledger check: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for finding in findings[:50]:
        print("FINDING " + finding)
    print(f"ledger check {'PASSED' if not findings else 'FAILED'}: {len(findings)} finding(s)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(summary, fh, indent=1)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
