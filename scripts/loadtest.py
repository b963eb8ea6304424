#!/usr/bin/env python3
"""Load and fault test client of prepayment_addon against a running multi-worker Odoo server.

    python3 scripts/loadtest.py --url http://127.0.0.1:8079 --db prepmt_load [--clients 16]
        [--orders 6] [--output FILE] [--server-log FILE] [--ledger-cmd CMD]
    python3 scripts/loadtest.py ... --faults --odoo-pid PID --pg-stop CMD --pg-start CMD

Standard library only. It speaks JSON-RPC the way the web client does: one
``/web/session/authenticate`` per client, then ``/web/dataset/call_kw/<model>/<method>`` (there
Odoo runs the method in ``service.model.retrying``, which retries a transaction that failed to
serialize and logs ``<error>, N tries left, try again in ...`` at INFO on
``odoo.service.model``). ``scripts/loadtest.sh`` starts the server and calls this script.

Each client runs ``--orders`` order flows, sales and purchase orders alternately: create an order
of 3 lines (15 % tax, products with a prepayment % and invoiced on ordered quantities), confirm,
prepayment invoice (on half of the orders two requests at once on purpose: exactly one may
create it, the other must get a UserError), register a payment (payment wizard), on some orders a
prepayment credit memo, the final invoice (sales: *Create Invoice* wizard, purchase: *Create
Bill*) posted (on the double-click orders two posts at once; on some orders at the same time as
a prepayment credit memo: one of the two is refused), on some a credit note of it (reversal
wizard). Amounts are read back and checked (the prepayment invoice is the order's
prepayment, nothing is left outstanding after the final invoice).

Responses: ok, expected (a UserError / ValidationError / AccessError / MissingError: counted per
kind of message), error (HTTP status >= 500, or any other exception in the JSON-RPC answer:
must be 0) and connection errors. At the end the ledger check (``--ledger-cmd``, SPEC section 8
over every order of the database) runs; the exit code is non-zero on an error or a finding.

``--faults`` runs the fault scenarios instead: kill -9 of the HTTP workers in the middle of a
big prepayment invoice and of a big final-invoice posting (then: no half document, the ledger
check passes, the operation succeeds when retried), and PostgreSQL stopped for a few seconds
under load (clients get a clear error, never a success with a wrong amount; the server answers
again afterwards; the ledger check passes).
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from datetime import date, datetime, timezone

EXPECTED = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.RedirectWarning",
}
KINDS = [
    ("another user is working on the prepayment", r"Another user is working on the prepayment"),
    ("no prepayment left to invoice", r"no prepayment left to invoice"),
    ("no outstanding prepayment to credit", r"no outstanding prepayment to credit"),
    ("a draft prepayment document is open", r"draft prepayment document .* is already open"),
    ("entry already posted", r"already posted|The entry .* must be in draft"),
    # Odoo's own: the first number of a journal's sequence (nothing to lock yet) taken by two
    # postings at once; the warm-up flows take the first numbers before the clock starts
    ("first number of a journal taken twice (Odoo)", r"Another entry with the same name"),
]
RETRY_RE = re.compile(r"odoo\.service\.model: (\w+), (?:(\d+) tries left|maximum number of tries)")


def message_kind(msg):
    for kind, regex in KINDS:
        if re.search(regex, msg):
            return kind
    return msg.strip().splitlines()[0][:70] if msg.strip() else "(empty message)"


class Outcome:
    __slots__ = ("op", "status", "kind", "latency", "t0", "result")

    def __init__(self, op, status, kind, latency, t0, result=None):
        self.op, self.status, self.kind = op, status, kind
        self.latency, self.t0, self.result = latency, t0, result

    @property
    def ok(self):
        return self.status == "ok"


class FlowAborted(Exception):
    pass


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes = []
        self.findings = []
        self.doubles = Counter()
        self.aborted = Counter()

    def add(self, outcome):
        with self.lock:
            self.outcomes.append(outcome)

    def finding(self, msg):
        with self.lock:
            self.findings.append(msg)
        print("FINDING " + msg, file=sys.stderr, flush=True)


class Rpc:
    """One user session; a new HTTP connection per request (prefork workers serve one
    connection at a time: a kept-alive connection would pin a client to a worker)."""

    def __init__(self, url, db, login, password, recorder, timeout=600):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.db, self.login, self.password = db, login, password
        self.rec, self.timeout = recorder, timeout
        self.cookie = None
        self.uid = None
        self.ids = 0

    def _post(self, path, params):
        self.ids += 1
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": self.ids, "params": params})
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            cookie = resp.getheader("Set-Cookie")
            if cookie and cookie.startswith("session_id="):
                self.cookie = cookie.split(";", 1)[0]
            return resp.status, data
        finally:
            conn.close()

    def request(self, op, path, params):
        """Returns an Outcome: status ok / expected / error / conn_error."""
        t0 = time.time()
        start = time.perf_counter()
        try:
            status, data = self._post(path, params)
        except (OSError, http.client.HTTPException) as exc:
            out = Outcome(op, "conn_error", type(exc).__name__, time.perf_counter() - start, t0)
            self.rec.add(out)
            return out
        latency = time.perf_counter() - start
        if status != 200:
            out = Outcome(op, "error", f"HTTP {status}", latency, t0)
        else:
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {"error": {"data": {"name": "non-JSON answer", "message": data[:80]}}}
            if "error" in answer:
                err = answer["error"].get("data") or {}
                name = err.get("name") or answer["error"].get("message", "?")
                msg = err.get("message") or ""
                if name in EXPECTED:
                    out = Outcome(op, "expected", message_kind(msg), latency, t0, msg)
                else:
                    first = msg.strip().splitlines()[0][:90] if msg.strip() else ""
                    out = Outcome(op, "error", f"{name}: {first}", latency, t0, msg)
            else:
                out = Outcome(op, "ok", "", latency, t0, answer.get("result"))
        self.rec.add(out)
        return out

    def authenticate(self):
        out = self.request(
            "authenticate",
            "/web/session/authenticate",
            {"db": self.db, "login": self.login, "password": self.password},
        )
        if not out.ok:
            raise FlowAborted(f"authenticate: {out.status} {out.kind}")
        self.uid = out.result["uid"]
        return out

    def context(self, **extra):
        ctx = {"lang": "en_US", "tz": "UTC", "uid": self.uid}
        ctx.update(extra)
        return ctx

    def call(self, op, model, method, args, kwargs=None, context=None):
        kwargs = dict(kwargs or {})
        kwargs["context"] = self.context(**(context or {}))
        return self.request(
            op,
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs},
        )

    def must(self, op, model, method, args, kwargs=None, context=None):
        out = self.call(op, model, method, args, kwargs, context)
        if not out.ok:
            raise FlowAborted(f"{op}: {out.status} {out.kind}")
        return out.result


def at_once(rpc, calls):
    """Send the requests ``calls`` (``(op, model, method, args)``) at the same time, from as
    many threads (a double click, or two users on two tabs); returns their outcomes."""
    outs = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(i):
        barrier.wait()
        outs[i] = rpc.call(*calls[i])

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outs


# ---------------------------------------------------------------------- the order flow
SIDES = {
    "sale": {
        "model": "sale.order",
        "qty": "product_uom_qty",
        "tax": "tax_id",
        "confirm": "action_confirm",
    },
    "purchase": {
        "model": "purchase.order",
        "qty": "product_qty",
        "tax": "taxes_id",
        "confirm": "button_confirm",
    },
}
ORDER_FIELDS = [
    "name",
    "prepmt_amount",
    "prepmt_amount_invoiced",
    "prepmt_amount_outstanding",
    "prepmt_move_ids",
    "invoice_ids",
]


class Master:
    """The records the flows need, found over RPC (made by loadtest.sh's setup)."""

    def __init__(self, rpc):
        self.products = rpc.must(
            "setup", "product.product", "search", [[("default_code", "=like", "LOAD-%")]]
        )
        self.customer = rpc.must(
            "setup", "res.partner", "search", [[("ref", "=", "LOAD-CUSTOMER")]], {"limit": 1}
        )[0]
        self.vendor = rpc.must(
            "setup", "res.partner", "search", [[("ref", "=", "LOAD-VENDOR")]], {"limit": 1}
        )[0]
        taxes = {}
        for use in ("sale", "purchase"):
            taxes[use] = rpc.must(
                "setup",
                "account.tax",
                "search",
                [[("type_tax_use", "=", use), ("amount", "=", 15.0)]],
                {"limit": 1},
            )
        self.taxes = taxes
        if not (self.products and taxes["sale"] and taxes["purchase"]):
            raise FlowAborted("the load test data is missing (run scripts/loadtest.sh)")


def close(a, b):
    return abs(a - b) < 0.005


def create_order(rpc, master, side, rng, tag, big_lines=0):
    """Create and confirm an order of 3 lines (``big_lines``: that many, one prepayment line
    per order line); return its id and its values."""
    s = SIDES[side]
    lines = [
        (
            0,
            0,
            {
                "product_id": rng.choice(master.products),
                s["qty"]: rng.randint(1, 5),
                "price_unit": round(rng.uniform(10, 500), 2),
                s["tax"]: [(6, 0, master.taxes[side])],
            },
        )
        for _ in range(big_lines or 3)
    ]
    vals = {"order_line": lines}
    if side == "sale":
        vals["partner_id"] = master.customer
    else:
        vals.update(partner_id=master.vendor, partner_ref=f"LOAD-{tag}")
    if big_lines:
        vals["prepmt_compress"] = False
    oid = rpc.must("create_order", s["model"], "create", [vals])
    rpc.must("confirm", s["model"], s["confirm"], [[oid]])
    return oid, rpc.must("read_order", s["model"], "read", [[oid], ORDER_FIELDS])[0]


def click(rpc, rec, double, op, model, method, args, what):
    """Call ``method`` once, or twice at the same time (``double``): exactly one of the two
    may succeed, the other must be refused with a UserError. Returns the success's result."""
    if not double:
        return rpc.must(op, model, method, args)
    outs = at_once(rpc, [(op, model, method, args)] * 2)
    rec.doubles.update(f"{op}: {o.status}" + (f" ({o.kind})" if o.kind else "") for o in outs)
    oks = [o for o in outs if o.ok]
    if len(oks) == 2:
        rec.finding(f"{what}: both requests of a double click succeeded")
    if len(oks) != 1:
        raise FlowAborted(f"{op} double: {[(o.status, o.kind) for o in outs]}")
    return oks[0].result


def check_order(rpc, rec, model, oid, what, expect):
    """Read the order again; ``expect(values)`` must hold, else a finding."""
    after = rpc.must("read_order", model, "read", [[oid], ORDER_FIELDS])[0]
    if not expect(after):
        rec.finding(f"{after['name']}: {what}: {after}")
    return after


def final_invoice(rpc, side, oid):
    """Make the final invoice the standard way (sales: Create Invoice, purchase: Create
    Bill, with its bill date); return its id, in draft."""
    model = SIDES[side]["model"]
    before = set(rpc.must("read_order", model, "read", [[oid], ["invoice_ids"]])[0]["invoice_ids"])
    if side == "sale":
        ctx = {"active_model": "sale.order", "active_ids": [oid], "active_id": oid}
        wizard = "sale.advance.payment.inv"
        vals = {"advance_payment_method": "delivered"}
        wid = rpc.must("final_invoice_create", wizard, "create", [vals], context=ctx)
        rpc.must("final_invoice_create", wizard, "create_invoices", [[wid]], context=ctx)
    else:
        rpc.must("final_invoice_create", model, "action_create_invoice", [[oid]])
    inv_ids = rpc.must("read_order", model, "read", [[oid], ["invoice_ids"]])[0]["invoice_ids"]
    new = sorted(set(inv_ids) - before)
    if len(new) != 1:
        raise FlowAborted(f"final invoice: {len(new)} new documents")
    if side == "purchase":
        today = date.today().isoformat()
        rpc.must("write_move", "account.move", "write", [new, {"invoice_date": today}])
    return new[0]


def credit_note(rpc, final_id):
    """A credit note of the final invoice with the reversal wizard, posted."""
    ctx = {"active_model": "account.move", "active_ids": [final_id]}
    journal = rpc.must("read_move", "account.move", "read", [[final_id], ["journal_id"]])[0]
    # (the web client sends the journal its onchange proposes: the invoice's)
    vals = {"reason": "load test", "journal_id": journal["journal_id"][0]}
    wid = rpc.must("credit_note", "account.move.reversal", "create", [vals], context=ctx)
    action = rpc.must("credit_note", "account.move.reversal", "refund_moves", [[wid]], context=ctx)
    today = date.today().isoformat()
    rpc.must("write_move", "account.move", "write", [[action["res_id"]], {"invoice_date": today}])
    rpc.must("credit_note_post", "account.move", "action_post", [[action["res_id"]]])


def race_credit_memo_final(rpc, rec, model, oid, final_id, what):
    """The prepayment credit memo and the posting of a final invoice that deducts the whole
    prepayment, at the same time (two users): one wins, the other is refused (a credit memo
    with nothing outstanding, or a deduction that no longer fits). A refused final invoice is
    brought up to date (*Update Prepayment Deductions*) and posted."""
    outs = at_once(
        rpc,
        [
            ("race_credit_memo", model, "action_create_prepmt_credit_memo", [[oid]]),
            ("race_final_post", "account.move", "action_post", [[final_id]]),
        ],
    )
    rec.doubles.update(
        f"race {o.op}: {o.status}" + (f" ({o.kind})" if o.kind else "") for o in outs
    )
    if all(o.ok for o in outs):
        rec.finding(f"{what}: credit memo and final invoice both went through the race")
    if not outs[1].ok:
        rpc.must(
            "update_deductions", "account.move", "action_prepmt_update_deductions", [[final_id]]
        )
        rpc.must("final_invoice_post", "account.move", "action_post", [[final_id]])


def order_flow(rpc, master, side, rng, rec, tag, warmup=False):
    """One order from creation to its credit note; raises FlowAborted on an unexpected
    refusal (counted, the next order starts). ``warmup``: every step once (payment, credit
    memo, final invoice, credit note), no double click."""
    model = SIDES[side]["model"]
    oid, order = create_order(rpc, master, side, rng, tag)
    double = rng.random() < 0.5 and not warmup
    pay = rng.random() < 0.8 or warmup
    credit_memo = rng.random() < 0.25 or warmup
    reverse = rng.random() < 0.3 or warmup
    race = not credit_memo and rng.random() < 0.3 and not warmup
    what = f"{model} {order['name']}"
    # the prepayment invoice (two clicks at once on half of the orders): the whole prepayment
    action = click(
        rpc, rec, double, "prepmt_invoice", model, "action_create_prepmt_invoice", [[oid]], what
    )
    move_id = action["res_id"]
    move = rpc.must("read_move", "account.move", "read", [[move_id], ["amount_untaxed", "state"]])
    if not close(move[0]["amount_untaxed"], order["prepmt_amount"]) or move[0]["state"] != "posted":
        rec.finding(f"{what}: prepayment invoice {move}, expected {order['prepmt_amount']} posted")
    check_order(
        rpc,
        rec,
        model,
        oid,
        "after the prepayment invoice",
        lambda o: (
            len(o["prepmt_move_ids"]) == 1
            and close(o["prepmt_amount_invoiced"], order["prepmt_amount"])
        ),
    )
    if pay:  # the payment wizard
        ctx = {"active_model": "account.move", "active_ids": [move_id]}
        wizard = "account.payment.register"
        wid = rpc.must("payment_wizard", wizard, "create", [{}], context=ctx)
        rpc.must("payment_create", wizard, "action_create_payments", [[wid]], context=ctx)
    if credit_memo:  # a prepayment credit memo before the final invoice
        click(
            rpc,
            rec,
            double,
            "prepmt_credit_memo",
            model,
            "action_create_prepmt_credit_memo",
            [[oid]],
            what,
        )
        check_order(
            rpc,
            rec,
            model,
            oid,
            "after the credit memo",
            lambda o: close(o["prepmt_amount_outstanding"], 0),
        )
    final_id = final_invoice(rpc, side, oid)
    if race:
        race_credit_memo_final(rpc, rec, model, oid, final_id, what)
    else:
        click(
            rpc,
            rec,
            double,
            "final_invoice_post",
            "account.move",
            "action_post",
            [[final_id]],
            what,
        )
    check_order(
        rpc,
        rec,
        model,
        oid,
        "after the final invoice",
        lambda o: close(o["prepmt_amount_outstanding"], 0),
    )
    if reverse:
        credit_note(rpc, final_id)
        check_order(
            rpc,
            rec,
            model,
            oid,
            "after the credit note",
            lambda o: close(o["prepmt_amount_outstanding"], o["prepmt_amount_invoiced"]),
        )
    return oid, order


def client_loop(args, index, rec, stop=None, counts=None):
    rpc = Rpc(args.url, args.db, args.login, args.password, rec)
    while True:
        try:
            rpc.authenticate()
            master = Master(rpc)
            break
        except FlowAborted as exc:
            if stop is None:  # (in the outage, log in again once the database is back)
                rec.finding(f"client {index}: {exc}")
                return
            if stop.is_set():
                return
            time.sleep(0.5)
    j = 0
    while (stop is None and j < args.orders) or (stop is not None and not stop.is_set()):
        side = "sale" if (index + j) % 2 == 0 else "purchase"
        rng = random.Random(args.seed * 100003 + index * 1009 + j)
        try:
            order_flow(rpc, master, side, rng, rec, f"{index}-{j}")
            if counts is not None:
                counts["flows completed"] += 1
        except FlowAborted as exc:
            if counts is not None:
                counts["flows aborted"] += 1
            with rec.lock:
                rec.aborted[str(exc)[:100]] += 1
            time.sleep(0.5)  # (a client whose request failed does not hammer the server)
        j += 1


# ---------------------------------------------------------------------- reporting
def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


def summarize(outcomes):
    ops = defaultdict(list)
    for o in outcomes:
        ops[o.op].append(o)
    table = {}
    for op, outs in sorted(ops.items()):
        lat = [o.latency for o in outs]
        table[op] = {
            "count": len(outs),
            "ok": sum(o.status == "ok" for o in outs),
            "expected": sum(o.status == "expected" for o in outs),
            "errors": sum(o.status == "error" for o in outs),
            "conn_errors": sum(o.status == "conn_error" for o in outs),
            "p50_ms": round(1000 * percentile(lat, 50), 1),
            "p90_ms": round(1000 * percentile(lat, 90), 1),
            "p99_ms": round(1000 * percentile(lat, 99), 1),
            "max_ms": round(1000 * max(lat), 1),
        }
    return table


def print_table(table):
    head = f"{'operation':<22}{'count':>7}{'ok':>7}{'expect':>7}{'error':>7}" + "".join(
        f"{h:>9}" for h in ("p50 ms", "p90 ms", "p99 ms", "max ms")
    )
    print(head)
    print("-" * len(head))
    for op, r in table.items():
        print(
            f"{op:<22}{r['count']:>7}{r['ok']:>7}{r['expected']:>7}"
            f"{r['errors'] + r['conn_errors']:>7}"
            f"{r['p50_ms']:>9.0f}{r['p90_ms']:>9.0f}{r['p99_ms']:>9.0f}{r['max_ms']:>9.0f}"
        )


class ServerLog:
    """Counts the serialization failures Odoo retried (odoo.service.model at INFO)."""

    def __init__(self, path):
        self.path = path
        self.offset = os.path.getsize(path) if path and os.path.exists(path) else 0

    def retries(self):
        counts = Counter()
        if not self.path or not os.path.exists(self.path):
            return {"unknown (no server log)": 0}
        with open(self.path, errors="replace") as fh:
            fh.seek(self.offset)
            for line in fh:
                m = RETRY_RE.search(line)
                if m:
                    counts[m.group(1) + (" retried" if m.group(2) else " gave up")] += 1
        return dict(counts)


def run_ledger(args, label):
    if not args.ledger_cmd:
        return {"ok": None, "skipped": True}
    fd, out_file = tempfile.mkstemp(prefix=f"ledger-{label}-", suffix=".json")
    os.close(fd)
    t0 = time.perf_counter()
    proc = subprocess.run(
        f"{args.ledger_cmd} --json {out_file}", shell=True, capture_output=True, text=True
    )
    sys.stdout.write(proc.stdout)
    if proc.returncode not in (0, 1):
        sys.stdout.write(proc.stderr[-3000:])
        return {"ok": False, "error": f"ledger check exit code {proc.returncode}"}
    with open(out_file) as fh:
        result = json.load(fh)
    os.unlink(out_file)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result


def environment():
    info = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    try:
        with open("/proc/meminfo") as fh:
            info["mem_gib"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def warm_up(args):
    """One flow per side, every step, not measured: the workers load their registry and each
    journal gets its first number (Odoo cannot lock a journal's first number: two postings
    at once may both take it, and one gets "Another entry with the same name already
    exists"; see KINDS)."""
    rec = Recorder()
    rpc = Rpc(args.url, args.db, args.login, args.password, rec)
    rpc.authenticate()
    master = Master(rpc)
    for side in ("sale", "purchase"):
        order_flow(rpc, master, side, random.Random(0), rec, f"warmup-{side}", warmup=True)
    if rec.findings or any(not o.ok for o in rec.outcomes):
        raise SystemExit(f"the warm-up failed: {rec.findings} {rec.outcomes}")


def load(args):
    # (daemon threads: Ctrl-C ends the program at once, loadtest.sh then stops Odoo)
    if args.warmup:
        warm_up(args)
    rec = Recorder()
    log = ServerLog(args.server_log)
    threads = [
        threading.Thread(target=client_loop, args=(args, i, rec), name=f"client-{i}", daemon=True)
        for i in range(args.clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    time.sleep(0.5)  # the server log catches up
    table = summarize(rec.outcomes)
    retries = log.retries()
    expected = Counter(f"{o.op}: {o.kind}" for o in rec.outcomes if o.status == "expected")
    errors = Counter(
        f"{o.op}: {o.kind}" for o in rec.outcomes if o.status in ("error", "conn_error")
    )
    n500 = sum(
        1 for o in rec.outcomes if o.status == "error"
    )  # HTTP >= 500 or a non-user exception
    requests = len(rec.outcomes)
    print(
        f"\n{args.clients} client(s) x {args.orders} order(s): {requests} requests in "
        f"{wall:.1f} s = {requests / wall:.1f} requests/s"
    )
    print_table(table)
    print(f"\nexpected refusals: {dict(expected) or 'none'}")
    print(f"double clicks: {dict(rec.doubles)}")
    print(f"errors (HTTP >= 500 or a non-user exception; must be 0): {n500} {dict(errors)}")
    print(f"serialization failures retried by Odoo (server log): {retries or 0}")
    aborted = dict(rec.aborted)
    print(f"flows aborted: {aborted or 0}")
    ledger = run_ledger(args, "load")
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "clients": args.clients,
        "orders_per_client": args.orders,
        "rpc": "/web/session/authenticate + /web/dataset/call_kw (as the web client)",
        "wall_s": round(wall, 1),
        "requests": requests,
        "requests_per_s": round(requests / wall, 2),
        "operations": table,
        "expected_refusals": dict(expected),
        "double_clicks": dict(rec.doubles),
        "errors": dict(errors),
        "server_errors": n500,
        "serialization_retries": retries,
        "flows_aborted": aborted,
        "findings": rec.findings,
        "ledger": ledger,
        "environment": environment(),
    }
    write_output(args, result)
    ok = not n500 and not errors and not rec.findings and ledger.get("ok") is not False
    print(f"\nLOAD TEST {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


def write_output(args, result):
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
        with open(args.output, "w") as fh:
            json.dump(result, fh, indent=1)
        print(f"written {args.output}")


# ---------------------------------------------------------------------- faults
def psql(args, sql):
    proc = subprocess.run(
        ["psql", "-d", args.db, "-Atqc", sql], capture_output=True, text=True, timeout=30
    )
    return proc.stdout.strip() if proc.returncode == 0 else None


def http_workers(master_pid):
    """The HTTP workers: the master's children but the gevent (longpolling) process."""
    try:
        with open(f"/proc/{master_pid}/task/{master_pid}/children") as fh:
            pids = [int(p) for p in fh.read().split()]
    except OSError:
        return []
    workers = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().split(b"\0")
        except OSError:
            continue
        if b"gevent" not in cmd:
            workers.append(pid)
    return workers


def wait_server(args, rec, timeout=120):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        try:
            parts = urllib.parse.urlsplit(args.url)
            conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=5)
            conn.request("GET", "/web/health")
            if conn.getresponse().status == 200:
                return time.perf_counter() - t0
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    return None


def kill_mid_request(args, rpc, op, model, method, rec_args, min_age):
    """Send the request, wait until its transaction has run ``min_age`` seconds, kill -9 the
    HTTP workers; return a description of what happened."""
    box = {}

    def run():
        box["out"] = rpc.call(op, model, method, rec_args)
        box["t_answer"] = time.perf_counter()

    t = threading.Thread(target=run, daemon=True)
    t_start = time.perf_counter()
    t.start()
    age = None
    while t.is_alive() and time.perf_counter() - t_start < 600:
        row = psql(
            args,
            "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND state IN ('active', 'idle in transaction')",
        )
        age = float(row or 0)
        if age >= min_age:
            break
        time.sleep(0.05)
    alive_at_kill = t.is_alive()
    workers = http_workers(args.odoo_pid)
    t_kill = time.perf_counter()
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    t.join()
    out = box["out"]
    return {
        "operation": f"{model}.{method}",
        "transaction_age_at_kill_s": round(age or 0, 2),
        "request_still_running_at_kill": alive_at_kill,
        "killed_workers": workers,
        "seconds_from_request_to_kill": round(t_kill - t_start, 2),
        "client_outcome": f"{out.status} {out.kind}".strip(),
    }


def faults(args):
    rec = Recorder()
    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    ok = True

    def check(name, cond, detail=""):
        nonlocal ok
        print(
            ("PASS " if cond else "FAIL ") + name + (f" ({detail})" if detail else ""), flush=True
        )
        report.setdefault("checks", []).append({"check": name, "ok": bool(cond), "detail": detail})
        ok = ok and bool(cond)

    def kill_during(key, what, op, model, method, ids):
        """kill -9 the workers while ``method`` runs; the client must get an error and the
        master respawn them; then log in again."""
        killed = kill_mid_request(args, rpc, op, model, method, [ids], args.kill_after)
        killed["respawn_s"] = wait_server(args, rec)
        report[key] = killed
        print(json.dumps(killed), flush=True)
        check(f"the kill hit the {what}'s transaction", killed["request_still_running_at_kill"])
        check(
            "the client got a connection error, not a success",
            not killed["client_outcome"].startswith("ok"),
            killed["client_outcome"],
        )
        check(
            "the workers were respawned",
            killed["respawn_s"] is not None,
            f"{killed['respawn_s']} s",
        )
        rpc.authenticate()
        return killed

    def ledger_after(label, what):
        ledger = report[f"ledger_{label}"] = run_ledger(args, label)
        check(
            f"ledger check after {what}",
            ledger.get("ok"),
            f"{len(ledger.get('findings', []))} finding(s)",
        )

    warm_up(args)
    rpc = Rpc(args.url, args.db, args.login, args.password, rec)
    rpc.authenticate()
    master = Master(rpc)
    rng = random.Random(args.seed)
    # ---- 1. kill -9 during a big prepayment invoice
    t0 = time.perf_counter()
    oid, order = create_order(rpc, master, "sale", rng, "big-1", big_lines=args.big_lines)
    print(
        f"big order {order['name']} of {args.big_lines} lines made in "
        f"{time.perf_counter() - t0:.1f} s; prepayment {order['prepmt_amount']}",
        flush=True,
    )
    kill1 = kill_during(
        "kill_prepayment_invoice",
        "prepayment invoice",
        "prepmt_invoice",
        "sale.order",
        "action_create_prepmt_invoice",
        [oid],
    )
    after = rpc.must("read_order", "sale.order", "read", [[oid], ORDER_FIELDS])[0]
    check(
        "no half prepayment invoice (no document, nothing invoiced)",
        not after["prepmt_move_ids"] and close(after["prepmt_amount_invoiced"], 0),
        f"documents {after['prepmt_move_ids']}, invoiced {after['prepmt_amount_invoiced']}",
    )
    ledger_after("kill1", "the kill")
    t0 = time.perf_counter()
    res = rpc.must("prepmt_invoice", "sale.order", "action_create_prepmt_invoice", [[oid]])
    move = rpc.must(
        "read_move",
        "account.move",
        "read",
        [[res["res_id"]], ["amount_untaxed", "state", "line_ids"]],
    )[0]
    kill1["retry_s"] = round(time.perf_counter() - t0, 2)
    check(
        "the retried prepayment invoice is whole and posted",
        close(move["amount_untaxed"], order["prepmt_amount"]) and move["state"] == "posted",
        f"{move['amount_untaxed']} of {order['prepmt_amount']}, {len(move['line_ids'])} "
        f"journal items, {kill1['retry_s']} s",
    )
    # ---- 2. kill -9 during the posting of its final invoice
    ctx = {"active_model": "sale.order", "active_ids": [oid], "active_id": oid}
    wid = rpc.must(
        "final_invoice_create",
        "sale.advance.payment.inv",
        "create",
        [{"advance_payment_method": "delivered"}],
        context=ctx,
    )
    t0 = time.perf_counter()
    rpc.must(
        "final_invoice_create", "sale.advance.payment.inv", "create_invoices", [[wid]], context=ctx
    )
    final_id = rpc.must("read_order", "sale.order", "read", [[oid], ["invoice_ids"]])[0][
        "invoice_ids"
    ][0]
    draft = rpc.must(
        "read_move", "account.move", "read", [[final_id], ["state", "line_ids", "amount_total"]]
    )[0]
    print(
        f"draft final invoice with {len(draft['line_ids'])} journal items made in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    kill2 = kill_during(
        "kill_final_invoice_post",
        "final invoice posting",
        "final_invoice_post",
        "account.move",
        "action_post",
        [final_id],
    )
    again = rpc.must(
        "read_move",
        "account.move",
        "read",
        [[final_id], ["state", "line_ids", "amount_total", "name"]],
    )[0]
    after = rpc.must("read_order", "sale.order", "read", [[oid], ORDER_FIELDS])[0]
    check(
        "the final invoice is still a whole draft (posting rolled back)",
        again["state"] == "draft"
        and again["line_ids"] == draft["line_ids"]
        and close(again["amount_total"], draft["amount_total"])
        and close(after["prepmt_amount_outstanding"], order["prepmt_amount"]),
        f"{again['state']}, {len(again['line_ids'])} items, outstanding "
        f"{after['prepmt_amount_outstanding']}",
    )
    ledger_after("kill2", "the kill")
    t0 = time.perf_counter()
    rpc.must("final_invoice_post", "account.move", "action_post", [[final_id]])
    kill2["retry_s"] = round(time.perf_counter() - t0, 2)
    after = rpc.must("read_order", "sale.order", "read", [[oid], ORDER_FIELDS])[0]
    check(
        "the retried posting deducts the whole prepayment",
        close(after["prepmt_amount_outstanding"], 0),
        f"{kill2['retry_s']} s",
    )
    # ---- 3. PostgreSQL stopped for a few seconds under load
    report["pg_outage"] = pg_outage(args, check)
    ledger_after("outage", "the outage")
    report["findings"] = rec.findings
    check(
        "no finding in the flows (no wrong amount, no double document)",
        not rec.findings,
        "; ".join(rec.findings[:3]),
    )
    report["ok"] = ok
    write_output(args, report)
    print(f"\nFAULT TEST {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


def pg_outage(args, check):
    rec = Recorder()
    stop = threading.Event()
    counts = Counter()
    threads = [
        threading.Thread(target=client_loop, args=(args, 100 + i, rec, stop, counts), daemon=True)
        for i in range(args.outage_clients)
    ]
    for t in threads:
        t.start()
    time.sleep(args.outage_after)
    t_stop = time.time()
    subprocess.run(args.pg_stop, shell=True, check=True, capture_output=True)
    t_down = time.time()
    time.sleep(args.outage_seconds)
    subprocess.run(args.pg_start, shell=True, check=True, capture_output=True)
    t_up = time.time()
    print(
        f"PostgreSQL stopped at +{args.outage_after}s (stop took {t_down - t_stop:.1f} s), "
        f"down {t_up - t_down:.1f} s, started again",
        flush=True,
    )
    time.sleep(args.outage_recovery)
    stop.set()
    for t in threads:
        t.join()

    def phase(o):
        end = o.t0 + o.latency
        if end < t_stop:
            return "before"
        if o.t0 > t_up + 1.0:
            return "after"
        return "during"

    by_phase = defaultdict(Counter)
    for o in rec.outcomes:
        by_phase[phase(o)][o.status if o.ok else f"{o.status}: {o.kind[:60]}"] += 1
    first_ok = min((o.t0 + o.latency for o in rec.outcomes if o.ok and o.t0 > t_up), default=None)
    result = {
        "clients": args.outage_clients,
        "down_s": round(t_up - t_stop, 1),
        "outcomes": {k: dict(v) for k, v in by_phase.items()},
        "first_success_after_restart_s": round(first_ok - t_up, 2) if first_ok else None,
        "flows": dict(counts),
        "findings": rec.findings,
    }
    print(json.dumps(result, indent=1), flush=True)
    during = by_phase["during"]
    check(
        "clients got errors during the outage",
        any(not k.startswith("ok") for k in during),
        str(dict(during)),
    )
    check(
        "no error after the server came back (1 s after the restart)",
        all(k.startswith(("ok", "expected")) for k in by_phase["after"]),
        str(dict(by_phase["after"])),
    )
    check(
        "the server answered again after the restart",
        first_ok is not None,
        f"first success {result['first_success_after_restart_s']} s after the restart",
    )
    check(
        "no success with a wrong amount, no double document",
        not rec.findings,
        "; ".join(rec.findings[:3]),
    )
    return result


# ---------------------------------------------------------------------- mass action (issue 25)
CRON_RE = re.compile(
    # (the job of prepayment_addon.ir_cron_prepayment_invoice_batch, by its name)
    r"^\S+ \S+ (\d+) INFO \S+ odoo\.addons\.base\.models\.ir_cron: "
    r"Job 'Prepayments: create queued[^']*' \(\d+\) "
    r"processed (\d+) records, (\d+) records remaining"
)


class Server:
    """One Odoo server of the run: ``name,url,master pid,log file`` (loadtest.sh)."""

    def __init__(self, spec):
        self.name, self.url, pid, self.log = spec.split(",", 3)
        self.pid = int(pid)
        self.killed = False

    def cron_calls(self):
        """[(worker pid, records processed)] of each call of our job in this server's log."""
        calls = []
        if not os.path.exists(self.log):
            return calls
        with open(self.log, errors="replace") as fh:
            for line in fh:
                m = CRON_RE.search(line)
                if m:
                    calls.append((int(m.group(1)), int(m.group(2))))
        return calls


def search_ids(rpc, model, domain):
    return rpc.must("setup", model, "search", [domain], {"order": "id"})


def one_by_one(args, ids, op, threads, run_one):
    """Run ``run_one(rpc, order id)`` for each order from ``threads`` client threads (each
    its own session), as that many users at once; returns (seconds, outcomes)."""
    rec = Recorder()
    todo = list(ids)
    lock = threading.Lock()

    def worker():
        rpc = Rpc(args.url, args.db, args.login, args.password, rec)
        rpc.authenticate()
        while True:
            with lock:
                if not todo:
                    return
                oid = todo.pop(0)
            try:
                run_one(rpc, oid)
            except FlowAborted as exc:
                rec.finding(f"{op} of order {oid}: {exc}")

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - t0, rec


def odoo_down_payment(rpc, oid):
    """What a user does for one order in Odoo 18 (its wizard makes one order's down payment
    at a time): *Create invoices*, 30 % down payment (percentage), then *Confirm*."""
    ctx = {"active_model": "sale.order", "active_ids": [oid], "active_id": oid}
    wizard = "sale.advance.payment.inv"
    vals = {"advance_payment_method": "percentage", "amount": 30.0}
    wid = rpc.must("odoo_dp_wizard", wizard, "create", [vals], context=ctx)
    action = rpc.must("odoo_dp_create", wizard, "create_invoices", [[wid]], context=ctx)
    move_id = action.get("res_id")
    if not move_id:
        raise FlowAborted(f"no single invoice in the wizard's answer: {action}")
    rpc.must("odoo_dp_post", "account.move", "action_post", [[move_id]])


def our_prepayment(rpc, oid):
    """Ours for one order: *Prepayment Invoice* (posted: the company's auto-post)."""
    action = rpc.must("ours_prepmt", "sale.order", "action_create_prepmt_invoice", [[oid]])
    if not action.get("res_id"):
        raise FlowAborted(f"no single document in the answer: {action}")


def slices(samples, total, unit, t_start):
    """Orders/s per ``unit`` orders processed, from the polls ``[(t, processed)]``: the time
    each multiple of ``unit`` was reached, linearly between two polls."""
    marks = [t_start]
    k = 1
    prev_t, prev_n = t_start, 0
    for t, n in samples:
        while k * unit <= min(n, total):
            target = k * unit
            frac = (target - prev_n) / (n - prev_n) if n > prev_n else 1.0
            marks.append(prev_t + frac * (t - prev_t))
            k += 1
        prev_t, prev_n = t, n
    return [
        {
            "orders": f"{i * unit + 1}-{(i + 1) * unit}",
            "seconds": round(marks[i + 1] - marks[i], 1),
            "orders_per_s": round(unit / (marks[i + 1] - marks[i]), 2),
        }
        for i in range(len(marks) - 1)
    ]


def cron_holder(args):
    """The server whose connection holds the oldest open transaction (the cron worker
    holds the job's row lock in one from the start to the end of its run), or None."""
    row = psql(
        args,
        "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name LIKE 'odoo-s%' AND state <> 'idle' AND xact_start IS NOT NULL"
        " ORDER BY xact_start LIMIT 1",
    )
    return row.split("-")[1] if row else None


class Checks:
    """The PASS / FAIL lines of a run, kept in its report."""

    def __init__(self, report):
        self.report = report
        self.ok = True

    def __call__(self, name, cond, detail=""):
        print(
            ("PASS " if cond else "FAIL ") + name + (f" ({detail})" if detail else ""), flush=True
        )
        self.report.setdefault("checks", []).append(
            {"check": name, "ok": bool(cond), "detail": detail}
        )
        self.ok = self.ok and bool(cond)


def mass_compare(args, rpc, ref, check):
    """Part 3: Odoo's own *Create invoices* (30 % down payment) against ours, per order, from
    ``--compare-threads`` client threads."""
    odoo_ids = search_ids(rpc, "sale.order", [("client_order_ref", "=like", ref % "odoo")])
    our_ids = search_ids(rpc, "sale.order", [("client_order_ref", "=like", ref % "ours")])
    # one order of each, not measured: the down payment product, the workers' registries
    for run_one, ids in ((odoo_down_payment, odoo_ids), (our_prepayment, our_ids)):
        run_one(rpc, ids.pop(0))
    compare = {"client_threads": args.compare_threads, "orders": len(odoo_ids)}
    for key, run_one, ids in (
        ("odoo_create_invoices", odoo_down_payment, odoo_ids),
        ("ours_one_by_one", our_prepayment, our_ids),
    ):
        wall, crec = one_by_one(args, ids, key, args.compare_threads, run_one)
        compare[key] = {
            "seconds": round(wall, 1),
            "orders_per_s": round(len(ids) / wall, 2),
            "requests": len(crec.outcomes),
            "findings": crec.findings[:5],
        }
        print(f"{key}: {len(ids)} orders in {wall:.1f} s = {len(ids) / wall:.2f} orders/s")
        check(f"{key}: every order invoiced without error", not crec.findings)
    return compare


class Poll:
    """One query polled many times a second on one connection kept open (``psql`` starts a
    process each time: at 10 polls a second, a share of a core taken from the servers);
    ``None`` when the database does not answer (the connection is made again next time)."""

    def __init__(self, args):
        self.args = args
        self.conn = None

    def __call__(self, sql):
        import psycopg2  # noqa: PLC0415 (Odoo's own dependency: the venv sees it)

        try:
            if self.conn is None:
                self.conn = psycopg2.connect(dbname=self.args.db)  # (PGHOST... as psql)
                self.conn.autocommit = True
            with self.conn.cursor() as cr:
                cr.execute(sql)
                return cr.fetchone()[0]
        except psycopg2.Error:
            self.conn = None
            return None


def mass_wait(args, count_sql, t_queued, by_name):
    """Poll the processed lines every ``--poll`` seconds until all are, or nothing moves for
    ``--stall`` seconds; ``--kill``: SIGKILL the cron's server once ``--kill-at`` of them
    are. Returns the polls ``[(t, processed)]`` and what the kill did. (A slice's time is
    read from the polls: each of its two ends is late by up to one poll, so the poll must be
    short beside a slice: 0.1 s by default, where a slice of 200 orders takes 8 s.)"""
    samples = []
    kill = None
    last_progress = time.time()
    processed = 0
    poll = Poll(args)
    while True:
        time.sleep(args.poll)
        row = poll(count_sql)
        now = time.time()
        if row is None:
            continue
        n = int(row)
        if n != processed:
            last_progress = now
            if kill is not None and "takeover_s" not in kill:
                # the first chunk committed after the kill (by the other server)
                kill["takeover_s"] = round(now - kill["t"], 1)
        processed = n
        samples.append((now, n))
        if args.kill and kill is None and n >= args.mass * args.kill_at:
            victim = by_name.get(cron_holder(args))
            if victim:
                os.killpg(victim.pid, signal.SIGKILL)
                victim.killed = True
                kill = {
                    "server": victim.name,
                    "processed_at_kill": n,
                    "seconds_after_queueing": round(now - t_queued, 1),
                    "t": now,
                }
                print(f"SIGKILL to server {victim.name} (pgid {victim.pid}) at {n} orders")
        if processed >= args.mass:
            break
        if now - last_progress > args.stall:
            print(f"no progress for {args.stall} s: stopped waiting", flush=True)
            break
    if kill:
        del kill["t"]
    return samples, kill


def mass_rates(args, report, samples, t_queued, check):
    processed = samples[-1][1] if samples else 0
    wall = samples[-1][0] - t_queued if samples else 0.0
    unit = 1000 if args.mass >= 5000 else max(args.mass // 5, 1)
    per_slice = slices(samples, args.mass, unit, t_queued)
    report["mass"].update(
        seconds=round(wall, 1),
        orders_per_s=round(processed / wall, 2) if wall else None,
        slice_orders=unit,
        per_slice=per_slice,
    )
    print(f"\nmass action: {processed} of {args.mass} orders in {wall:.1f} s")
    for sl in per_slice:
        rate = sl["orders_per_s"]
        print(f"  orders {sl['orders']:>12}: {sl['seconds']:>7.1f} s  {rate:>6.2f} orders/s")
    if args.compare:
        ref_rate = report["compare"]["odoo_create_invoices"]["orders_per_s"]
        one_rate = report["compare"]["ours_one_by_one"]["orders_per_s"]
        ratios = report["ratios"] = {
            "mass_vs_odoo": round(ref_rate / report["mass"]["orders_per_s"], 2),
            "one_by_one_vs_odoo": round(ref_rate / one_rate, 2),
        }
        print(
            "ratio (our time / Odoo's time, target <= 1.0): mass action "
            f"{ratios['mass_vs_odoo']}, one by one {ratios['one_by_one_vs_odoo']}"
        )
    check("every order of the queue processed", processed == args.mass, f"{processed}")
    if len(per_slice) >= 2 and not args.kill:
        first, last = per_slice[0]["orders_per_s"], per_slice[-1]["orders_per_s"]
        detail = f"first {first}, last {last} orders/s: {last / first:.2f}"
        if args.mass >= 1000:
            check(
                "the rate stays flat (last slice >= 0.9 x the first)", last >= 0.9 * first, detail
            )
        else:
            print(f"rate per slice (not checked below 1,000 orders): {detail}")


def mass_servers(args, report, servers, kill, check):
    """Which server ran which calls of our job (each server's log). Odoo logs a call once
    it has returned, after the commit the client saw: the logs are read again for a few
    seconds until they count every order."""
    per_server = report["per_server"] = {}
    deadline = time.time() + 15
    while True:
        by_server = {s.name: s.cron_calls() for s in servers}
        logged = sum(n for calls in by_server.values() for _pid, n in calls)
        if logged >= args.mass or time.time() > deadline:
            break
        time.sleep(0.5)
    for s in servers:
        calls = by_server[s.name]
        info = per_server[s.name] = {
            "job_calls": len(calls),
            "orders": sum(n for _pid, n in calls),
            "cron_worker_pids": sorted({pid for pid, _n in calls}),
            "killed": s.killed,
        }
        print(
            f"server {s.name}: {len(calls)} calls of the job, {info['orders']} orders "
            f"(cron worker pids {info['cron_worker_pids']})" + (" - killed" if s.killed else "")
        )
    if args.kill:
        check("a server was killed in the middle", kill is not None, json.dumps(kill))
        check(
            "the other server took over",
            any(per_server[s.name]["orders"] for s in servers if not s.killed),
            str(per_server),
        )


def mass_documents(args, rpc, report, mass_ids, ids_sql, check):
    """Nothing lost, nothing twice: every line and batch done, one posted document per
    order."""
    lines = psql(
        args,
        "SELECT state, count(*) FROM prepayment_invoice_batch_line"
        f" WHERE batch_id IN ({ids_sql}) GROUP BY state ORDER BY state",
    )
    report["line_states"] = lines
    check("every batch line done", lines == f"done|{args.mass}", (lines or "").replace("\n", ", "))
    batches = psql(
        args,
        "SELECT string_agg(DISTINCT state, ',') FROM prepayment_invoice_batch"
        f" WHERE id IN ({ids_sql})",
    )
    check("every batch done", batches == "done", batches or "")
    docs = Counter()
    for i in range(0, len(mass_ids), 500):
        for order in rpc.must(
            "check", "sale.order", "read", [mass_ids[i : i + 500], ["prepmt_move_ids"]]
        ):
            docs[len(order["prepmt_move_ids"])] += 1
    posted = psql(
        args,
        "SELECT count(DISTINCT m.id) FROM account_move m JOIN prepayment_invoice_batch_line l"
        f" ON l.move_id = m.id WHERE l.batch_id IN ({ids_sql}) AND m.state = 'posted'",
    )
    report["documents_per_order"] = {str(k): v for k, v in docs.items()}
    check(
        "each order exactly one prepayment document, posted",
        docs == Counter({1: args.mass}) and posted == str(args.mass),
        f"documents per order {dict(docs)}, posted {posted}",
    )


def queued_batches(args, rpc):
    """How many batches the orders are queued in: ``--batches``, or fewer so that each
    batch has more orders than the company's *Prepayment Invoices in the Background Above*
    (a selection of that many orders or fewer is invoiced at once, not queued: there would
    be nothing to wait for)."""
    company_id = rpc.must("setup", "res.users", "read", [[rpc.uid], ["company_id"]])[0][
        "company_id"
    ][0]
    threshold = rpc.must(
        "setup", "res.company", "read", [[company_id], ["prepmt_mass_invoice_threshold"]]
    )[0]["prepmt_mass_invoice_threshold"]
    if args.mass <= threshold:
        raise SystemExit(
            f"--mass {args.mass}: a selection of {threshold} orders or fewer is invoiced at "
            "once, not queued (the company's Prepayment Invoices in the Background Above): "
            f"give more than {threshold} orders"
        )
    batches = max(1, min(args.batches, args.mass // (threshold + 1)))
    if batches != args.batches:
        print(
            f"{batches} batch(es) instead of {args.batches}: each must have more than "
            f"{threshold} orders to be queued"
        )
    return batches


def mass(args):
    servers = [Server(spec) for spec in args.server]
    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "orders": args.mass,
        "servers": len(servers),
        "batches": args.batches,
        "environment": environment(),
    }
    check = Checks(report)
    rpc = Rpc(args.url, args.db, args.login, args.password, Recorder())
    rpc.authenticate()
    ref = f"{args.mass_tag}-%s-%%"
    mass_ids = search_ids(rpc, "sale.order", [("client_order_ref", "=like", ref % "mass")])
    if len(mass_ids) != args.mass:
        raise SystemExit(f"{len(mass_ids)} orders of the mass set, expected {args.mass}")
    if args.compare:
        report["compare"] = mass_compare(args, rpc, ref, check)
    # the mass action: queued in --batches batches, as several users would
    batches = queued_batches(args, rpc)
    report["batches"] = batches
    t_queue = time.time()
    before = set(search_ids(rpc, "prepayment.invoice.batch", []))
    for i in range(batches):
        part = sorted(mass_ids[i::batches])
        rpc.must("mass_action", "sale.order", "action_mass_create_prepmt_invoice", [part])
    batch_ids = sorted(set(search_ids(rpc, "prepayment.invoice.batch", [])) - before)
    t_queued = time.time()
    print(f"{args.mass} orders queued in {len(batch_ids)} batches in {t_queued - t_queue:.1f} s")
    if len(batch_ids) != batches:
        raise SystemExit(f"{len(batch_ids)} batches queued, expected {batches}")
    ids_sql = ",".join(map(str, batch_ids)) or "0"
    samples, kill = mass_wait(
        args,
        "SELECT count(*) FILTER (WHERE state <> 'pending') FROM prepayment_invoice_batch_line"
        f" WHERE batch_id IN ({ids_sql})",
        t_queued,
        {s.name: s for s in servers},
    )
    report["mass"] = {"queued_in_s": round(t_queued - t_queue, 1), "kill": kill}
    mass_rates(args, report, samples, t_queued, check)
    mass_servers(args, report, servers, kill, check)
    # (read back through a server that is alive: the killed one may be the one used so far)
    live = next(s for s in servers if not s.killed)
    rpc = Rpc(live.url, args.db, args.login, args.password, Recorder())
    rpc.authenticate()
    mass_documents(args, rpc, report, mass_ids, ids_sql, check)
    ledger = report["ledger"] = run_ledger(args, "mass")
    check(
        "ledger check over every order",
        ledger.get("ok"),
        f"{len(ledger.get('findings', []))} finding(s)",
    )
    report["ok"] = check.ok
    write_output(args, report)
    print(f"\nMASS LOAD TEST {'PASSED' if check.ok else 'FAILED'}")
    return 0 if check.ok else 1


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8079")
    p.add_argument("--db", default="prepmt_load")
    p.add_argument("--login", default="admin")
    p.add_argument("--password", default="admin")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--orders", type=int, default=8, help="order flows per client")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="no unmeasured warm-up flow before the clients start",
    )
    p.add_argument("--output", help="JSON result file")
    p.add_argument(
        "--server-log",
        help="Odoo's log file, to count the retried serialization "
        "failures (odoo.service.model at INFO)",
    )
    p.add_argument("--ledger-cmd", help="command running scripts/check_ledger.py (gets --json F)")
    p.add_argument("--faults", action="store_true", help="run the fault scenarios")
    p.add_argument("--odoo-pid", type=int, help="PID of the Odoo master process (--faults)")
    p.add_argument("--pg-stop", help="shell command stopping PostgreSQL (--faults)")
    p.add_argument("--pg-start", help="shell command starting PostgreSQL again (--faults)")
    p.add_argument("--big-lines", type=int, default=400, help="lines of the big order (--faults)")
    p.add_argument(
        "--kill-after",
        type=float,
        default=1.0,
        help="kill -9 the workers once the request's transaction ran this long",
    )
    p.add_argument("--outage-clients", type=int, default=4)
    p.add_argument("--outage-after", type=float, default=4.0)
    p.add_argument("--outage-seconds", type=float, default=5.0)
    p.add_argument("--outage-recovery", type=float, default=10.0)
    p.add_argument("--mass", type=int, help="the mass action on this many orders (loadtest.sh)")
    p.add_argument("--mass-tag", help="customer reference prefix of the orders (TAG-mass-...)")
    p.add_argument("--batches", type=int, default=4, help="batches the orders are queued in")
    p.add_argument(
        "--compare",
        type=int,
        default=0,
        help="orders of the TAG-odoo- and TAG-ours- sets (Odoo's Create invoices against ours)",
    )
    p.add_argument("--compare-threads", type=int, default=2, help="client threads (part 3)")
    p.add_argument(
        "--server",
        action="append",
        default=[],
        help="name,url,master pid,log of each Odoo server (loadtest.sh)",
    )
    p.add_argument("--kill", action="store_true", help="SIGKILL the cron's server half-way")
    p.add_argument("--kill-at", type=float, default=0.4, help="share processed at the kill")
    p.add_argument("--poll", type=float, default=0.1, help="seconds between two polls")
    p.add_argument(
        "--stall", type=float, default=300.0, help="give up after this long without progress"
    )
    args = p.parse_args(argv)
    if args.mass:
        if not (args.mass_tag and args.server):
            p.error("--mass needs --mass-tag and --server")
        return mass(args)
    if args.faults:
        if not (args.odoo_pid and args.pg_stop and args.pg_start):
            p.error("--faults needs --odoo-pid, --pg-stop and --pg-start")
        return faults(args)
    return load(args)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
