#!/usr/bin/env python3
"""Benchmark of prepayment_addon against Odoo's own documents.

Run it with the Python that imports Odoo 18.0, on a database that has the addon installed
(``bash scripts/bench.sh`` builds one and runs this)::

    python benchmarks/bench_prepayment.py -c odoo.conf -d prepmt_bench [--sizes 10,100,500]
        [--repeat 3] [--state-orders 1000] [--output benchmarks/results/latest.json]
        [--profile DIR]

Everything happens in ONE transaction that is rolled back at the end (and each measurement in
a savepoint that is rolled back), so the database is left as it was.  Each operation is timed
with ``time.perf_counter`` and counted with Odoo's SQL query counter (``cr.sql_log_count``),
the median of ``--repeat`` runs (at least 3) on fresh orders, after a warm-up run.  Before
each measured call the ORM cache is flushed and invalidated (like at the start of a request);
the pending writes are flushed inside the measurement, so deferred work is counted.

Comparisons (ours vs the reference, on identical orders of N lines, distinct products, 15 % tax;
each ``*_grouped`` key is the default mode where an order groups its prepayment lines by tax,
the plain key the mode with one prepayment line per order line; see ``COMPARISONS``):

* ``sale_prepmt_invoice_grouped``  our 30 % prepayment invoice (``action_create_prepmt_invoice``,
  posted at once) vs Odoo's 30 % down-payment invoice (``sale.advance.payment.inv``, percentage,
  then ``action_post``); target 1.0.
* ``sale_prepmt_invoice``  the same in the per-line mode (N prepayment lines) vs a plain invoice
  of the same N lines (``_create_invoices`` + ``action_post`` on an order without prepayment);
  target 1.0.
* ``sale_final_invoice[_grouped]``  final invoice of a prepaid order (``_create_invoices`` +
  ``action_post``, with the deduction lines) vs the same on an order without prepayment; target
  1.1 for the grouped mode, 1.8 per line (twice the journal items).
* ``sale_final_invoice_vs_2n``  the per-line final invoice of N order lines (2N invoice lines:
  N products, N deductions) vs Odoo's own final invoice of an order of 2N lines without
  prepayment: what the same number of invoice lines costs in Odoo; reported, no target (its
  *per extra line* figures count order lines of ours: two lines of the reference's each).
* ``purchase_prepmt_bill[_grouped]``  our 30 % prepayment bill vs a plain vendor bill of the same
  PO (``action_create_invoice`` + post); target 1.0.  Odoo 18 Community has no "down payment
  bill" to compare with: ``purchase`` only lets one *attach* lines of an existing bill to a PO
  as down payment (``bill.to.po.wizard.action_add_downpayment``).
* ``purchase_final_bill[_grouped]``  final bill of a prepaid PO vs a plain bill of the same PO;
  target 1.1 for the grouped mode, 1.8 per line.
* ``purchase_final_bill_vs_2n``  the per-line final bill of N lines vs Odoo's own bill of a PO of
  2N lines without prepayment; reported, no target.
* ``state_batch``  1,000 orders: posting their prepayment invoices in one batch, and the
  forced recompute of the order/line prepayment amounts and ``prepmt_state``.
* ``mass_invoice``  (``--mass N``) *Create Prepayment Invoices* of the sales order list on N
  confirmed orders: at once and in the background (the queued batch processed by the
  scheduled action's code in-process, without committing): seconds, orders/s, queries.

Ours and the reference are measured in turns (reference, ours, reference, ...), the median
of ``--repeat`` each, so that a busy moment of the machine weighs on both alike.
"""

import argparse
import contextlib
import cProfile
import itertools
import json
import os
import platform
import pstats
import statistics
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "results", "latest.json")

# The comparisons: (key, our operation, grouped, reference operation, reference label, target).
# Our document against Odoo's own on identical orders; ``target`` is the highest ratio
# ours / reference accepted (None: reported, no target).
COMPARISONS = [
    (
        "sale_prepmt_invoice_grouped",
        "op_sale_prepmt_ours",
        True,
        "op_sale_prepmt_ref",
        "Odoo 30% down-payment invoice (posted)",
        1.0,
    ),
    (
        "sale_prepmt_invoice",
        "op_sale_prepmt_ours",
        False,
        "op_sale_final_ref",
        "plain invoice of the same lines (posted)",
        1.0,
    ),
    (
        "sale_final_invoice_grouped",
        "op_sale_final_ours",
        True,
        "op_sale_final_ref",
        "final invoice, no prepayment",
        1.1,
    ),
    (
        "sale_final_invoice",
        "op_sale_final_ours",
        False,
        "op_sale_final_ref",
        "final invoice, no prepayment",
        1.8,
    ),
    (
        "sale_final_invoice_vs_2n",
        "op_sale_final_ours",
        False,
        "op_sale_final_ref_2n",
        "final invoice of twice the lines, no prepayment (as many invoice lines as ours)",
        None,
    ),
    (
        "purchase_prepmt_bill_grouped",
        "op_purchase_prepmt_ours",
        True,
        "op_purchase_prepmt_ref",
        "plain vendor bill of the PO (no down-payment bill in Odoo 18 CE)",
        1.0,
    ),
    (
        "purchase_prepmt_bill",
        "op_purchase_prepmt_ours",
        False,
        "op_purchase_prepmt_ref",
        "plain vendor bill of the same lines",
        1.0,
    ),
    (
        "purchase_final_bill_grouped",
        "op_purchase_final_ours",
        True,
        "op_purchase_final_ref",
        "final bill, no prepayment",
        1.1,
    ),
    (
        "purchase_final_bill",
        "op_purchase_final_ours",
        False,
        "op_purchase_final_ref",
        "final bill, no prepayment",
        1.8,
    ),
    (
        "purchase_final_bill_vs_2n",
        "op_purchase_final_ours",
        False,
        "op_purchase_final_ref_2n",
        "final bill of twice the lines, no prepayment (as many bill lines as ours)",
        None,
    ),
]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    p.add_argument("-d", "--database", required=True, help="database with prepayment_addon")
    p.add_argument("--sizes", default="10,100,500", help="order sizes (lines), comma separated")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per measurement, at least 3 for a figure to quote (the median is kept)",
    )
    p.add_argument(
        "--state-orders",
        type=int,
        default=1000,
        help="orders of the batch state measurement (0 skips it)",
    )
    p.add_argument(
        "--mass",
        default="",
        help="confirmed sales orders of the mass action measurement, comma separated (e.g. "
        "1000,10000: Create Prepayment Invoices of the order list, at once and in the "
        "background; empty skips it; key mass_invoice for --only)",
    )
    p.add_argument(
        "--mass-paths",
        default="sync,cron",
        help="paths of the mass action to measure: sync (at once), cron (queued, then the "
        "scheduled action's code in-process)",
    )
    p.add_argument(
        "--only",
        default="",
        help="comma separated subset of comparisons (sale_prepmt_invoice: both modes, "
        "sale_prepmt_invoice_grouped: the grouped one, state_batch, ...)",
    )
    p.add_argument(
        "--no-grouped",
        action="store_true",
        help="skip the variant where our orders group their prepayment lines",
    )
    p.add_argument("--output", default=DEFAULT_OUTPUT, help="JSON result file")
    p.add_argument(
        "--profile",
        default="",
        help="directory: write a cProfile (.prof + top-60 .txt) of each operation "
        "(ours: KEY_N, reference: KEY_N_ref) at the largest size",
    )
    p.add_argument("--log-level", default="warn")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- helpers
class Bench:
    def __init__(self, env, args):
        self.env = env
        self.cr = env.cr
        self.args = args
        self.sp_counter = itertools.count()
        self.results = []
        self.grouped = False  # our orders group their prepayment lines (prepmt_compress)
        self.vacuum_cr = None  # a second connection, for VACUUM (see vacuum)

    # -- transaction control -------------------------------------------------------------
    @contextlib.contextmanager
    def scratch(self):
        """Run the block in a savepoint that is ALWAYS rolled back."""
        env = self.env
        env.flush_all()
        name = f"bench_{next(self.sp_counter)}"
        self.cr.execute(f'SAVEPOINT "{name}"')
        try:
            yield
        finally:
            env.invalidate_all(flush=False)
            self.cr.execute(f'ROLLBACK TO SAVEPOINT "{name}"')
            self.cr.execute(f'RELEASE SAVEPOINT "{name}"')
            self.cr.precommit.clear()
            self.cr.postcommit.clear()
            env.invalidate_all(flush=False)

    # the tables a measurement fills: in one long transaction, thousands of rows (and the
    # dead ones of every rolled-back savepoint) that no ANALYZE ever saw would make the
    # planner's choices, not the code measured, the figure (a real server's transactions
    # commit, and autovacuum analyzes them)
    GROWING_TABLES = (
        "account_move",
        "account_move_line",
        "account_partial_reconcile",
        "account_full_reconcile",
        "account_move_line_account_tax_rel",
        "prepayment_allocation",
        "sale_order",
        "sale_order_line",
        "sale_order_line_invoice_rel",
        "purchase_order",
        "purchase_order_line",
        "mail_message",
        "mail_followers",
    )

    def refresh_statistics(self):
        """VACUUM, then ANALYZE the tables the measurements fill (outside the timed part)."""
        self.env.flush_all()
        self.vacuum()
        self.cr.execute("ANALYZE " + ", ".join(self.GROWING_TABLES))

    def vacuum(self):
        """Clear the dead rows that the earlier measurements' rolled-back savepoints left in
        the tables they fill, as autovacuum clears them on a real server. Left there, they
        made PostgreSQL scan tables of a few live rows and thousands of dead ones (a
        document's balance check scanned the journal items, 16 live rows, in 4 ms, once per
        document it checks), which weighed on the small documents late in a run and on the
        side with more such queries, not on the code measured. VACUUM cannot run inside
        this transaction: a second connection runs it (rows of an aborted savepoint are dead
        to it, whereas this transaction's own rows, uncommitted, stay), without giving the
        emptied pages back to the system (that needs a lock this transaction's own locks
        keep it waiting for, 5 s per table)."""
        if self.vacuum_cr is None:
            from odoo.sql_db import db_connect

            self.vacuum_cr = db_connect(self.cr.dbname).cursor()
            self.vacuum_cr._cnx.autocommit = True
        self.vacuum_cr.execute("VACUUM (TRUNCATE false) " + ", ".join(self.GROWING_TABLES))

    def close(self):
        if self.vacuum_cr is not None:
            self.vacuum_cr.close()
            self.vacuum_cr = None

    def timed(self, fn, profile_to=None):
        """(seconds, queries) of ``fn()`` starting from a flushed, empty ORM cache."""
        env = self.env
        env.flush_all()
        env.invalidate_all()
        q0 = self.cr.sql_log_count
        prof = cProfile.Profile() if profile_to else None
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        fn()
        env.flush_all()
        if prof:
            prof.disable()
        elapsed = time.perf_counter() - t0
        queries = self.cr.sql_log_count - q0
        if prof:
            prof.dump_stats(profile_to + ".prof")
            with open(profile_to + ".txt", "w") as fh:
                stats = pstats.Stats(prof, stream=fh).strip_dirs()
                stats.sort_stats("cumulative").print_stats(60)
                stats.sort_stats("tottime").print_stats(30)
        return elapsed, queries

    # -- data ----------------------------------------------------------------------------
    def setup_data(self, max_lines):
        env = self.env
        company = env.company
        if not company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
            company._prepmt_ensure_accounts()
        company = env.company
        assert company.prepmt_sale_account_id and company.prepmt_purchase_account_id, (
            "the company has no prepayment accounts"
        )
        company.prepmt_auto_post = True
        company.prepmt_compress_default = False
        self.company = company
        self.currency = company.currency_id
        Tax = env["account.tax"]
        dom = Tax._check_company_domain(company)
        self.sale_tax = company.account_sale_tax_id or Tax.search(
            [*dom, ("type_tax_use", "=", "sale")], limit=1
        )
        self.purchase_tax = company.account_purchase_tax_id or Tax.search(
            [*dom, ("type_tax_use", "=", "purchase")], limit=1
        )
        self.customer = env["res.partner"].create({"name": "Bench Customer"})
        self.vendor = env["res.partner"].create({"name": "Bench Vendor"})
        self.products = env["product.product"].create(
            [
                {
                    "name": f"Bench product {i:04d}",
                    "type": "consu",
                    "list_price": 10.0 + i,
                    "standard_price": 5.0 + i,
                    "invoice_policy": "order",
                    "purchase_method": "purchase",
                    "taxes_id": [(6, 0, self.sale_tax.ids)],
                    "supplier_taxes_id": [(6, 0, self.purchase_tax.ids)],
                }
                for i in range(max_lines)
            ]
        )
        env.flush_all()

    def sale_order(self, n, percent=0.0, confirm=True):
        env = self.env
        order = env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "prepmt_compress": self.grouped,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": p.id,
                            "product_uom_qty": 3.0,
                            "price_unit": 100.0 + i,
                            "tax_id": [(6, 0, self.sale_tax.ids)],
                        },
                    )
                    for i, p in enumerate(self.products[:n])
                ],
            }
        )
        if percent:
            order.prepmt_percent = percent
        if confirm:
            order.action_confirm()
        env.flush_all()
        return order

    def one_line_orders(self, count):
        """Values of ``count`` sales orders of one line each, 30 % prepayment (the batch
        measurements: posting 1,000 invoices, the mass action)."""
        return [
            {
                "partner_id": self.customer.id,
                "prepmt_percent": 30,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.products[i % len(self.products)].id,
                            "product_uom_qty": 2.0,
                            "price_unit": 100.0,
                            "tax_id": [(6, 0, self.sale_tax.ids)],
                        },
                    )
                ],
            }
            for i in range(count)
        ]

    def purchase_order(self, n, percent=0.0, confirm=True):
        env = self.env
        order = env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "prepmt_compress": self.grouped,
                "partner_ref": "VREF-1",
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": p.id,
                            "product_qty": 3.0,
                            "price_unit": 50.0 + i,
                            "taxes_id": [(6, 0, self.purchase_tax.ids)],
                        },
                    )
                    for i, p in enumerate(self.products[:n])
                ],
            }
        )
        if percent:
            order.prepmt_percent = percent
        if confirm:
            order.button_confirm()
        env.flush_all()
        return order

    # -- operations: (prepare, run) pairs ----------------------------------------------------
    # prepare(n) builds the documents (not timed) and returns a closure that is timed.
    def op_sale_prepmt_ours(self, n):
        order = self.sale_order(n, percent=30)
        order_id = order.id

        def run():
            o = self.env["sale.order"].browse(order_id)
            o.action_create_prepmt_invoice()

        return run, lambda: self._check_sale_prepmt(order_id, n)

    def op_sale_prepmt_ref(self, n):
        order = self.sale_order(n, percent=30)
        order_id = order.id

        def run():
            env = self.env
            wizard = (
                env["sale.advance.payment.inv"]
                .with_context(
                    active_model="sale.order",
                    active_ids=[order_id],
                    active_id=order_id,
                )
                .create({"advance_payment_method": "percentage", "amount": 30})
            )
            invoice = wizard._create_invoices(wizard.sale_order_ids)
            invoice.action_post()

        return run, None

    def _check_sale_prepmt(self, order_id, n):
        order = self.env["sale.order"].browse(order_id)
        move = order.prepmt_move_ids
        assert len(move) == 1 and move.state == "posted", move
        assert len(move.invoice_line_ids) == self.expected_lines(n), len(move.invoice_line_ids)
        assert self.currency.is_zero(order.prepmt_amount_to_invoice), order.prepmt_amount_to_invoice

    def expected_lines(self, n):
        return 1 if self.grouped else n  # one tax for every line

    def op_sale_final_ours(self, n):
        order = self.sale_order(n, percent=30)
        order.action_create_prepmt_invoice()
        self.env.flush_all()
        order_id = order.id

        def run():
            o = self.env["sale.order"].browse(order_id)
            o._create_invoices().action_post()

        def check():
            o = self.env["sale.order"].browse(order_id)
            assert self.currency.is_zero(o.prepmt_amount_outstanding), o.prepmt_amount_outstanding
            final = o.invoice_ids - o.prepmt_move_ids
            assert len(
                final.invoice_line_ids.filtered("prepmt_allocation_ids")
            ) == self.expected_lines(n)

        return run, check

    def op_sale_final_ref(self, n):
        order = self.sale_order(n, percent=0)
        order_id = order.id

        def run():
            o = self.env["sale.order"].browse(order_id)
            o._create_invoices().action_post()

        return run, None

    def op_sale_final_ref_2n(self, n):
        # a per-line final invoice of N order lines has 2N invoice lines (N products, N
        # deductions): Odoo's own invoice of 2N lines is what that many lines cost
        return self.op_sale_final_ref(2 * n)

    def _po_bill(self, order_id):
        o = self.env["purchase.order"].browse(order_id)
        before = o.invoice_ids
        o.action_create_invoice()
        bill = o.invoice_ids - before
        bill.invoice_date = bill.invoice_date or datetime.now().date()
        bill.action_post()
        return bill

    def op_purchase_prepmt_ours(self, n):
        order = self.purchase_order(n, percent=30)
        order_id = order.id

        def run():
            self.env["purchase.order"].browse(order_id).action_create_prepmt_invoice()

        def check():
            o = self.env["purchase.order"].browse(order_id)
            move = o.prepmt_move_ids
            assert len(move) == 1 and move.state == "posted", move
            assert len(move.invoice_line_ids) == self.expected_lines(n)

        return run, check

    def op_purchase_prepmt_ref(self, n):
        order = self.purchase_order(n, percent=30)
        order_id = order.id
        return (lambda: self._po_bill(order_id)), None

    def op_purchase_final_ours(self, n):
        order = self.purchase_order(n, percent=30)
        order.action_create_prepmt_invoice()
        self.env.flush_all()
        order_id = order.id

        def check():
            o = self.env["purchase.order"].browse(order_id)
            assert self.currency.is_zero(o.prepmt_amount_outstanding), o.prepmt_amount_outstanding

        return (lambda: self._po_bill(order_id)), check

    def op_purchase_final_ref(self, n):
        order = self.purchase_order(n, percent=0)
        order_id = order.id
        return (lambda: self._po_bill(order_id)), None

    def op_purchase_final_ref_2n(self, n):
        return self.op_purchase_final_ref(2 * n)

    def measure_one(self, prepare_name, n, grouped, profile_to=None):
        """(seconds, queries) of one run on fresh documents in a rolled-back savepoint."""
        self.grouped = grouped
        try:
            with self.scratch():
                run, check = getattr(self, prepare_name)(n)
                self.refresh_statistics()
                result = self.timed(run, profile_to=profile_to)
                if check:
                    check()
        finally:
            self.grouped = False
        return result

    def measure_pair(self, ours, grouped, ref, n, profile_to=None):
        """Median of --repeat runs of ours and of the reference, the runs interleaved
        (reference, ours, reference, ...) so that a busy moment of the machine hits both
        alike; the best run is kept too."""
        runs = {"ours": [], "ref": []}
        for i in range(self.args.repeat):
            prof = profile_to if (profile_to and i == 0) else None
            runs["ref"].append(self.measure_one(ref, n, False, prof and prof + "_ref"))
            runs["ours"].append(self.measure_one(ours, n, grouped, prof))
        return {
            side: {
                "seconds": statistics.median(x[0] for x in r),
                "queries": statistics.median(x[1] for x in r),
                "best_seconds": min(x[0] for x in r),
                "all_seconds": [x[0] for x in r],
                "all_queries": [x[1] for x in r],
            }
            for side, r in runs.items()
        }

    def warm_up(self, comparisons):
        for _key, ours, grouped, ref, _label, _target in comparisons:
            self.measure_one(ref, 2, False)
            self.measure_one(ours, 2, grouped)

    def state_batch(self, count):
        """Post prepayment invoices of ``count`` orders in one batch; force the recompute of
        the stored prepayment fields of those orders (and prepmt_state once it exists)."""
        env = self.env
        out = {"orders": count}
        with self.scratch():
            t0 = time.perf_counter()
            self.company.prepmt_auto_post = False
            Order = env["sale.order"].with_context(
                tracking_disable=True, mail_create_nolog=True, mail_notrack=True
            )
            orders = Order.create(self.one_line_orders(count))
            orders.action_confirm()
            # the draft prepayment invoices, made in one batch (setup, not measured)
            Move = env["account.move"].with_context(tracking_disable=True)
            vals_list = []
            for order in orders:
                vals = order._prepare_prepmt_invoice("out_invoice")
                vals["invoice_line_ids"] = env["prepayment.document.builder"]._line_commands(
                    order,
                    {ln: ln.prepmt_amount_to_invoice for ln in order._prepmt_lines()},
                    "prepayment",
                )
                vals_list.append(vals)
            moves = Move.create(vals_list)
            env.flush_all()
            out["setup_seconds"] = time.perf_counter() - t0
            move_ids, order_ids = moves.ids, orders.ids

            # 1. post the 1,000 prepayment invoices in one call: Odoo's posting + our checks +
            #    the recompute of invoiced/outstanding/to invoice on lines and orders
            def post():
                env["account.move"].browse(move_ids).action_post()

            out["post_seconds"], out["post_queries"] = self.timed(post)
            o = env["sale.order"].browse(order_ids)
            assert all(self.currency.is_zero(x) for x in o.mapped("prepmt_amount_to_invoice"))

            # 1b. reference: the same 1,000 invoices without prepayment links (plain invoices
            #     on the same account), posted in one batch
            with self.scratch():
                ref_vals = []
                for vals in vals_list:
                    vals = dict(
                        vals,
                        prepmt_sale_order_id=False,
                        invoice_line_ids=[
                            (
                                0,
                                0,
                                {k: v for k, v in cmd[2].items() if k != "prepmt_allocation_ids"},
                            )
                            for cmd in vals["invoice_line_ids"]
                        ],
                    )
                    ref_vals.append(vals)
                ref_ids = Move.create(ref_vals).ids
                env.flush_all()

                def post_ref():
                    env["account.move"].browse(ref_ids).action_post()

                out["post_ref_seconds"], out["post_ref_queries"] = self.timed(post_ref)

            # 2. the recompute alone, forced for every order and line (what a payment, a
            #    posting or a reset triggers), measured in one flush
            def recompute_amounts():
                orders_ = env["sale.order"].browse(order_ids)
                lines = orders_.order_line
                for fname in ("prepmt_amount_invoiced",):
                    env.add_to_compute(lines._fields[fname], lines)
                env.add_to_compute(orders_._fields["prepmt_amount_invoiced"], orders_)

            out["recompute_amounts_seconds"], out["recompute_amounts_queries"] = self.timed(
                recompute_amounts
            )

            # 3. ---- prepmt_state (being added in parallel; measured once it exists) ----
            #    One payment per invoice, registered in one batch (setup), then the forced
            #    recompute of prepmt_state for the orders.
            if "prepmt_state" in env["sale.order"]._fields:
                t1 = time.perf_counter()
                env["account.payment.register"].with_context(
                    active_model="account.move",
                    active_ids=move_ids,
                ).create({"group_payment": False})._create_payments()
                env.flush_all()
                out["payment_setup_seconds"] = time.perf_counter() - t1
                o = env["sale.order"].browse(order_ids)
                out["states_after_payment"] = sorted(set(o.mapped("prepmt_state")))

                def recompute_state():
                    orders_ = env["sale.order"].browse(order_ids)
                    env.add_to_compute(orders_._fields["prepmt_state"], orders_)

                out["recompute_state_seconds"], out["recompute_state_queries"] = self.timed(
                    recompute_state
                )
            else:
                out["recompute_state_seconds"] = None
                out["recompute_state_note"] = (
                    "prepmt_state does not exist yet on sale.order: not measured"
                )
        return out

    # -- main --------------------------------------------------------------------------------
    def run(self):
        args = self.args
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        only = {s.strip() for s in args.only.split(",") if s.strip()}
        comparisons = [
            c
            for c in COMPARISONS
            if (not only or c[0] in only or c[0].removesuffix("_grouped") in only)
            and not (args.no_grouped and c[2])
        ]
        t_setup = time.perf_counter()
        # (a reference of twice the lines needs twice the products)
        self.setup_data(max(sizes) * (2 if any(c[3].endswith("_2n") for c in comparisons) else 1))
        print(
            f"setup: {time.perf_counter() - t_setup:.1f}s "
            f"(company {self.company.name}, chart {self.company.chart_template})",
            flush=True,
        )
        self.warm_up(comparisons)
        for key, ours, grouped, ref, ref_label, target in comparisons:
            for n in sizes:
                prof = None
                if args.profile and n == max(sizes):
                    os.makedirs(args.profile, exist_ok=True)
                    prof = os.path.join(args.profile, f"{key}_{n}")
                pair = self.measure_pair(ours, grouped, ref, n, profile_to=prof)
                r_ours, r_ref = pair["ours"], pair["ref"]
                ratio = r_ours["seconds"] / r_ref["seconds"] if r_ref["seconds"] else None
                row = {
                    "operation": key,
                    "reference": ref_label,
                    "lines": n,
                    "grouped": grouped,
                    "ours_s": r_ours["seconds"],
                    "ref_s": r_ref["seconds"],
                    "ratio": ratio,
                    "ours_queries": r_ours["queries"],
                    "ref_queries": r_ref["queries"],
                    "ours_runs_s": r_ours["all_seconds"],
                    "ref_runs_s": r_ref["all_seconds"],
                    # ours / Odoo's of each turn (measured one after the other): their spread
                    # is the machine's noise on the ratio
                    "turn_ratios": [
                        o / r if r else None
                        for o, r in zip(r_ours["all_seconds"], r_ref["all_seconds"], strict=True)
                    ],
                    "target_ratio": target,
                    "meets_target": target is None or (ratio is not None and ratio <= target),
                }
                self.results.append(row)
                print(format_row(row), flush=True)
        state = None
        if args.state_orders and (not only or "state_batch" in only):
            state = self.state_batch(args.state_orders)
            print(format_state(state), flush=True)
        mass = []
        if args.mass and (not only or "mass_invoice" in only):
            paths = [p.strip() for p in args.mass_paths.split(",") if p.strip()]
            for count in [int(c) for c in args.mass.split(",") if c.strip()]:
                mass.append(mass_invoice(self, count, paths))
                print(format_mass(mass[-1]), flush=True)
        return {
            "rows": self.results,
            "state_batch": state,
            "mass_invoice": mass,
            "growth": growth(self.results),
        }


# ----------------------------------------------------------------------------- mass action
def mass_invoice(bench, count, paths=("sync", "cron")):
    """*Create Prepayment Invoices* of the sales order list on ``count`` confirmed orders of
    one line (30 %): at once (threshold ``count``) and in the background (threshold 0: the
    batch is queued, then the scheduled action's code runs in-process, chunks of 50, without
    committing but with the cache emptied and the statistics refreshed between its calls, as a
    new transaction after committed chunks would see them), each on fresh orders in a
    rolled-back savepoint. Seconds, orders/s, queries."""
    env = bench.env
    out = {"orders": count}
    for path in paths:
        with bench.scratch():
            bench.company.prepmt_auto_post = True
            bench.company.prepmt_mass_invoice_threshold = count if path == "sync" else 0
            orders = env["sale.order"].create(bench.one_line_orders(count))
            orders.action_confirm()
            order_ids = orders.ids

            def run(path=path, order_ids=order_ids):
                env["sale.order"].browse(order_ids).action_mass_create_prepmt_invoice()
                if path == "cron":
                    Batch = env["prepayment.invoice.batch"].with_context(prepmt_no_commit=True)
                    Line = env["prepayment.invoice.batch.line"]
                    started = time.perf_counter()
                    while pending := Line.search_count([("state", "=", "pending")]):
                        if count >= 1000:  # the progress of a long run, as the batch shows it
                            print(
                                f"  cron: {count - pending}/{count} orders processed, "
                                f"{time.perf_counter() - started:.0f}s",
                                file=sys.stderr,
                                flush=True,
                            )
                        Batch._cron_process()
                        # each call of the scheduled action is a new transaction with an
                        # empty cache, after commits that PostgreSQL's autovacuum analyzes
                        # (here: the same rolled-back transaction, cache emptied, and the
                        # statistics refreshed: thousands of rows no ANALYZE ever saw would
                        # make the planner's choices, not the addon, the measure)
                        env.flush_all()
                        env.invalidate_all()
                        env.cr.execute("ANALYZE")

            profile_to = None
            if bench.args.profile:
                os.makedirs(bench.args.profile, exist_ok=True)
                profile_to = os.path.join(bench.args.profile, f"mass_invoice_{path}_{count}")
            seconds, queries = bench.timed(run, profile_to=profile_to)
            invoiced = env["sale.order"].browse(order_ids).filtered("prepmt_move_ids")
            assert len(invoiced) == count, f"{path}: {len(invoiced)} of {count} orders invoiced"
            out[path] = {
                "seconds": seconds,
                "orders_per_s": count / seconds if seconds else None,
                "queries": queries,
                "queries_per_order": queries / count,
            }
    return out


def format_mass(m):
    return "\n".join(
        [f"mass_invoice: Create Prepayment Invoices of {m['orders']} sales orders"]
        + [
            f"  {label}: {m[path]['seconds']:.2f}s, {m[path]['orders_per_s']:.1f} orders/s, "
            f"{m[path]['queries']} queries ({m[path]['queries_per_order']:.1f} per order)"
            for path, label in (("sync", "at once"), ("cron", "in the background (cron)"))
            if path in m
        ]
    )


# ----------------------------------------------------------------------------- output
HEADER = (
    f"{'operation':<30} {'lines':>5} {'ours s':>8} {'ref s':>8} {'ratio':>6} "
    f"{'target':>6} {'our q':>6} {'ref q':>6} {'turns':>11}"
)


def format_row(r):
    flag = "" if r["meets_target"] else "  <-- over target"
    target = "-" if r["target_ratio"] is None else f"{r['target_ratio']:.1f}"
    spread = [x for x in r.get("turn_ratios", []) if x is not None]
    turns = f"{min(spread):.2f}-{max(spread):.2f}" if spread else "-"
    return (
        f"{r['operation']:<30} {r['lines']:>5} {r['ours_s']:>8.3f} {r['ref_s']:>8.3f} "
        f"{r['ratio']:>6.2f} {target:>6} {r['ours_queries']:>6g} "
        f"{r['ref_queries']:>6g} {turns:>11}{flag}"
    )


def format_state(s):
    lines = [
        f"state_batch: {s['orders']} orders (setup {s['setup_seconds']:.1f}s)",
        f"  post {s['orders']} prepayment invoices in one batch: "
        f"{s['post_seconds']:.2f}s, {s['post_queries']} queries "
        f"(same invoices without prepayment links: {s['post_ref_seconds']:.2f}s, "
        f"{s['post_ref_queries']} queries)",
        f"  forced recompute of prepmt_amount_invoiced (lines+orders): "
        f"{s['recompute_amounts_seconds']:.3f}s, {s['recompute_amounts_queries']} queries",
    ]
    if s.get("recompute_state_seconds") is not None:
        lines.append(
            f"  forced recompute of prepmt_state: {s['recompute_state_seconds']:.3f}s, "
            f"{s['recompute_state_queries']} queries (states {s['states_after_payment']})"
        )
    else:
        lines.append(f"  prepmt_state: {s['recompute_state_note']}")
    return "\n".join(lines)


def growth(rows):
    """Extra queries per extra line, between the smallest and the largest size."""
    out = {}
    for key in {r["operation"] for r in rows}:
        rs = sorted((r for r in rows if r["operation"] == key), key=lambda r: r["lines"])
        if len(rs) < 2:
            continue
        a, b = rs[0], rs[-1]
        dn = b["lines"] - a["lines"]
        out[key] = {
            "from_lines": a["lines"],
            "to_lines": b["lines"],
            "ours_queries_per_line": (b["ours_queries"] - a["ours_queries"]) / dn,
            "ref_queries_per_line": (b["ref_queries"] - a["ref_queries"]) / dn,
            "ours_ms_per_line": 1000 * (b["ours_s"] - a["ours_s"]) / dn,
            "ref_ms_per_line": 1000 * (b["ref_s"] - a["ref_s"]) / dn,
        }
    return out


def machine_description():
    """The machine the figures come from: CPU model, cores, memory, load average now."""
    cpu = platform.processor() or platform.machine()
    mem = ""
    try:
        with open("/proc/cpuinfo") as fh:
            models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        cpu = models[0] if models else cpu
        with open("/proc/meminfo") as fh:
            kib = int(next(ln for ln in fh if ln.startswith("MemTotal")).split()[1])
        mem = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores{mem}, load average {load}"


def main(argv=None):
    args = parse_args(argv)
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, f"--log-level={args.log_level}"])
    odoo.netsvc.init_logger()
    registry = odoo.modules.registry.Registry(args.database)
    cr = registry.cursor()
    started = time.perf_counter()
    bench = None
    try:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        assert "prepmt_percent" in env["sale.order"]._fields, "prepayment_addon is not installed"
        bench = Bench(env, args)
        print(
            f"database {args.database}, sizes {args.sizes}, median of {args.repeat}, "
            f"on {machine_description()}",
            flush=True,
        )
        print(HEADER, flush=True)
        result = bench.run()
    finally:
        if bench is not None:
            bench.close()
        cr.rollback()
        cr.close()
    result["meta"] = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": args.database,
        "sizes": args.sizes,
        "repeat": args.repeat,
        "python": sys.version.split()[0],
        "odoo": odoo.release.version,
        "machine": platform.machine(),
        "machine_description": machine_description(),
        "load_average_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "total_seconds": time.perf_counter() - started,
    }
    print("\nqueries per extra line (smallest -> largest size):")
    for key, g in sorted(result["growth"].items()):
        print(
            f"  {key:<30} ours {g['ours_queries_per_line']:6.2f} q/line "
            f"{g['ours_ms_per_line']:6.2f} ms/line | ref {g['ref_queries_per_line']:6.2f} q/line "
            f"{g['ref_ms_per_line']:6.2f} ms/line"
        )
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.output, "w") as fh:
        json.dump(result, fh, indent=2)
    print(f"\nwrote {args.output}")
    failed = [r for r in result["rows"] if not r["meets_target"]]
    if failed:
        print(f"{len(failed)} measurement(s) over its target ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
