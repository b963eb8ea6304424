#!/usr/bin/env bash
# Load test (and fault test) of prepayment_addon against a real multi-worker Odoo server.
#
#   bash scripts/loadtest.sh [--clients N[,N...]] [--orders M] [--output FILE]
#   bash scripts/loadtest.sh --faults [--output FILE]
#   bash scripts/loadtest.sh --mass N[,N...] [--servers 1|2] [--kill] [--batches B]
#                            [--compare M] [--chunk-size C --chunks-per-call K] [--output FILE]
#
# Starts a throwaway PostgreSQL cluster (port PREPMT_PGPORT, default 54373), builds database
# prepmt_load (the addon, no demo data, the generic chart of accounts, 20 products with a 15 %
# tax, a customer with a 30 % and a vendor with a 40 % prepayment), starts Odoo with 4 HTTP
# workers (prefork) on http://127.0.0.1:PREPMT_HTTP_PORT (default 8079), then runs
# scripts/loadtest.py: N concurrent clients (default 16) each running M order flows (default 8)
# over JSON-RPC, then the ledger check (scripts/check_ledger.py) over every order; --clients
# 1,4,16 runs one after the other against the same server. --faults runs
# the fault scenarios instead (kill -9 of the workers in the middle of a prepayment invoice and
# of a final-invoice posting, PostgreSQL stopped for a few seconds under load). The JSON result
# goes to benchmarks/results/loadtest-N<N>.json (loadtest-faults.json), gitignored.
# --mass runs the mass action the way it really runs instead (issue 25): N confirmed one-line
# sales orders of the 30 % customer made in setup, the company's mass threshold lowered so that
# *Create Prepayment Invoices* queues them (in B batches, default 4, as several users would),
# the action sent over JSON-RPC as the web client does, the scheduled action working through
# the queue in Odoo's cron workers (2 HTTP workers and 1 cron worker per server,
# ODOO_NOTIFY_CRON_CHANGES=1: a partially done job wakes the cron workers of every server at
# once instead of after their 60 s poll); the client polls the batch lines, reports orders/s per
# slice (per 1,000 from 5,000 orders on, else per fifth) and which server ran which job calls
# (odoo.addons.base.models.ir_cron at INFO in each server's log), checks each order has exactly
# one posted prepayment invoice, then the ledger check. Before that, on the same server, M
# (default min(N, 1000); 0 with --servers 2) other identical orders invoiced with Odoo's own
# *Create invoices* (30 % down payment, posted) and M with our prepayment invoice, one order per
# request sequence from 2 client threads: the part-3 comparison. --servers 2 starts a second Odoo
# server (its own ports and log) on the same database; --kill SIGKILLs, half-way, the whole
# process group of the server whose cron worker is working: the other must finish the queue.
# --chunk-size / --chunks-per-call set the scheduled action's chunk (default 50 x 1 per call
# under ODOO_NOTIFY_CRON_CHANGES, so that one job run of 10 calls handles 500 orders; smaller
# makes the servers take turns in a small run).
# Odoo and the cluster are stopped on exit and on Ctrl-C. Extra arguments after -- go to
# loadtest.py (python3 scripts/loadtest.py --help).
set -euo pipefail
export PREPMT_PGPORT="${PREPMT_PGPORT:-54373}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=16
ORDERS=8
FAULTS=0
MASS=""
SERVERS=1
KILL=0
BATCHES=4
COMPARE=""
CHUNK_SIZE=""
CHUNKS_PER_CALL=""
OUTPUT=""
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) CLIENTS="$2"; shift 2 ;;
        --orders) ORDERS="$2"; shift 2 ;;
        --faults) FAULTS=1; shift ;;
        --mass) MASS="$2"; shift 2 ;;
        --servers) SERVERS="$2"; shift 2 ;;
        --kill) KILL=1; shift ;;
        --batches) BATCHES="$2"; shift 2 ;;
        --compare) COMPARE="$2"; shift 2 ;;
        --chunk-size) CHUNK_SIZE="$2"; shift 2 ;;
        --chunks-per-call) CHUNKS_PER_CALL="$2"; shift 2 ;;
        --output) OUTPUT="$2"; shift 2 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
        *) prepmt_die "unknown option $1 (see --help)" ;;
    esac
done
IFS=',' read -r -a CLIENT_LIST <<< "$CLIENTS"
[ -z "$OUTPUT" ] || [ "$FAULTS" = 1 ] || [ -n "$MASS" ] || [ "${#CLIENT_LIST[@]}" = 1 ] \
    || prepmt_die "--output takes one --clients N (with a list: benchmarks/results/loadtest-N<N>.json)"
# the company's Prepayment Invoices in the Background Above in the mass runs: the action queues
# a selection of more orders than this (each of the --batches requests must have more)
MASS_THRESHOLD=10
MASS_LIST=()
if [ -n "$MASS" ]; then
    [ "$FAULTS" = 0 ] || prepmt_die "--mass and --faults are two runs"
    IFS=',' read -r -a MASS_LIST <<< "$MASS"
    [ -z "$OUTPUT" ] || [ "${#MASS_LIST[@]}" = 1 ] \
        || prepmt_die "--output takes one --mass N (with a list: benchmarks/results/loadtest-mass-<N>.json)"
    for n in "${MASS_LIST[@]}"; do
        # a selection of MASS_THRESHOLD orders or fewer is invoiced at once, not queued
        [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -gt "$MASS_THRESHOLD" ] \
            || prepmt_die "--mass $n: give more than $MASS_THRESHOLD orders ($MASS_THRESHOLD or fewer are invoiced at once, not queued)"
    done
fi
case "$SERVERS" in 1|2) ;; *) prepmt_die "--servers is 1 or 2" ;; esac
[ "$KILL" = 0 ] || [ "$SERVERS" = 2 ] || prepmt_die "--kill needs --servers 2 (the other server finishes the queue)"

DB=prepmt_load
PORT="${PREPMT_HTTP_PORT:-8079}"
GEVENT_PORT="${PREPMT_GEVENT_PORT:-8078}"
# the second server of --servers 2
PORT2="${PREPMT_HTTP_PORT2:-8077}"
GEVENT_PORT2="${PREPMT_GEVENT_PORT2:-8076}"
ODOO_PIDS=()
T_START="$(prepmt_now)"

prepmt_on_exit() {  # called by prepmt_cleanup (lib.sh) before the cluster stops
    local pid
    for pid in ${ODOO_PIDS[@]+"${ODOO_PIDS[@]}"}; do
        if prepmt_stop_server "$pid"; then prepmt_log "Odoo stopped (pid $pid)"; fi
        # (a server started in its own session: its workers too, if the master is gone)
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    ODOO_PIDS=()
}

prepmt_setup
ports=("$PORT" "$GEVENT_PORT")
[ "$SERVERS" = 1 ] || ports+=("$PORT2" "$GEVENT_PORT2")
for p in "${ports[@]}"; do
    _prepmt_port_free "$p" || prepmt_die "port $p is busy on 127.0.0.1 (set PREPMT_HTTP_PORT / PREPMT_GEVENT_PORT[2])"
done
prepmt_start_cluster
if [ -n "$MASS" ]; then
    # the mass action: 2 HTTP workers and 1 cron worker per server (the scheduled action runs
    # there); ODOO_NOTIFY_CRON_CHANGES below
    WORKERS=2
    CRON_THREADS=1
else
    WORKERS=4
    CRON_THREADS=0
fi
PREPMT_ODOO_WORKERS=$WORKERS PREPMT_ODOO_CONF_EXTRA="http_port = $PORT
gevent_port = $GEVENT_PORT
max_cron_threads = $CRON_THREADS
limit_time_cpu = 900
limit_time_real = 1800
limit_memory_soft = 4294967296
limit_memory_hard = 5368709120" prepmt_write_config "$DB"
prepmt_create_db "$DB" --without-demo=all

prepmt_log "load test data: chart of accounts, admin password, products, partners"
prepmt_odoo shell -c "$PREPMT_ODOO_CONF" -d "$DB" --no-http --log-level=warn >/dev/null <<'EOF'
company = env.company
if not company.chart_template:
    env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    company._prepmt_ensure_accounts()
assert company.prepmt_sale_account_id and company.prepmt_purchase_account_id
company.prepmt_auto_post = True
env.ref("base.user_admin").password = "admin"
Tax = env["account.tax"]
sale_tax = Tax.search([("type_tax_use", "=", "sale"), ("amount", "=", 15.0)], limit=1)
purchase_tax = Tax.search([("type_tax_use", "=", "purchase"), ("amount", "=", 15.0)], limit=1)
assert sale_tax and purchase_tax, "no 15 % taxes in the chart"
env["product.product"].create([{
    "name": f"Load product {i:02d}", "default_code": f"LOAD-{i:02d}", "type": "consu",
    "list_price": 10.0 + i, "standard_price": 5.0 + i,
    "invoice_policy": "order", "purchase_method": "purchase",
    "taxes_id": [(6, 0, sale_tax.ids)], "supplier_taxes_id": [(6, 0, purchase_tax.ids)],
} for i in range(20)])
env["res.partner"].create([
    {"name": "Load Customer", "ref": "LOAD-CUSTOMER", "customer_prepmt_percent": 30.0},
    {"name": "Load Vendor", "ref": "LOAD-VENDOR", "vendor_prepmt_percent": 40.0},
])
env.cr.commit()
EOF

# mass_orders N TAG SET...: N confirmed one-line sales orders of the 30 % customer per SET,
# customer reference TAG-SET-<i> (all alike: the same products, quantities and prices per i)
mass_orders() {
    local n="$1" tag="$2"; shift 2
    PREPMT_MASS_N="$n" PREPMT_MASS_TAG="$tag" PREPMT_MASS_SETS="$*" PREPMT_MASS_THRESHOLD="$MASS_THRESHOLD" \
    prepmt_odoo shell -c "$PREPMT_ODOO_CONF" -d "$DB" --no-http --log-level=warn >/dev/null <<'EOF'
import os
from odoo import Command
n, tag = int(os.environ["PREPMT_MASS_N"]), os.environ["PREPMT_MASS_TAG"]
# below the number of orders of one request: the action queues them
env.company.prepmt_mass_invoice_threshold = int(os.environ["PREPMT_MASS_THRESHOLD"])
customer = env["res.partner"].search([("ref", "=", "LOAD-CUSTOMER")], limit=1)
products = env["product.product"].search([("default_code", "=like", "LOAD-%")], order="id")
for name in os.environ["PREPMT_MASS_SETS"].split():
    for start in range(0, n, 250):
        orders = env["sale.order"].create([{
            "partner_id": customer.id,
            "client_order_ref": f"{tag}-{name}-{i:05d}",
            "order_line": [Command.create({
                "product_id": products[i % len(products)].id,
                "product_uom_qty": 1 + i % 5,
                "price_unit": 10.0 + (i * 37) % 490,
            })],
        } for i in range(start, min(n, start + 250))])
        orders.action_confirm()
        env.cr.commit()
        env.invalidate_all()
EOF
}

ODOO_CMD=("${PREPMT_ODOO_CMD[@]}")
if ! "$PREPMT_VENV_PY" -c "import gevent" 2>/dev/null; then
    # The prefork master also runs the websocket/longpolling server (odoo gevent), which needs
    # gevent; without it that process dies at start and the master starts it again and again,
    # eating CPU. The load test does not use the bus: don't start it.
    prepmt_log "gevent is not installed: the longpolling (websocket) process is not started"
    ODOO_CMD=("$PREPMT_VENV_PY" -c "import os, sys; os.environ['TZ'] = 'UTC'; sys.argv[0] = 'odoo'; import odoo; from odoo.service import server; server.PreforkServer.long_polling_spawn = lambda self: None; odoo.cli.main()")
fi
SERVER_LOGS=()
URLS=()
# start_server NUMBER HTTP_PORT GEVENT_PORT: Odoo in its own session (setsid: its process group
# is its pid, so that --kill can SIGKILL the master and its workers at once), its own log;
# its database connections are named odoo-s<NUMBER>-<pid> (ODOO_PGAPPNAME), so that the client
# tells which server's cron worker holds the job. ODOO_NOTIFY_CRON_CHANGES=1 (Odoo's switch):
# a job run that stops with work left (a partially done job) NOTIFYs cron_trigger once its lock
# is released, which wakes the cron workers of every server on the database at once; without
# it the others sleep up to 60 s between polls.
start_server() {
    local num="$1" port="$2" gport="$3" log pid i
    log="$PREPMT_TMP/odoo-server$([ "$num" = 1 ] || echo "$num").log"
    prepmt_log "starting Odoo server $num with $WORKERS HTTP workers and $CRON_THREADS cron worker(s) on http://127.0.0.1:$port (log: $log)"
    # odoo.service.model at INFO: Odoo's log of each serialization failure it retries;
    # ir_cron at INFO: each job call and the records it processed
    ODOO_NOTIFY_CRON_CHANGES=1 ODOO_PGAPPNAME="odoo-s$num-{pid}" setsid "${ODOO_CMD[@]}" \
        -c "$PREPMT_ODOO_CONF" --http-port="$port" --gevent-port="$gport" --logfile="$log" \
        --log-level=warn --log-handler=odoo.service.model:INFO \
        --log-handler=odoo.service.server:INFO --log-handler=odoo.addons.base.models.ir_cron:INFO &
    pid=$!
    ODOO_PIDS+=("$pid")
    SERVER_LOGS+=("$log")
    URLS+=("http://127.0.0.1:$port")
    prepmt_wait_server "$port" "$pid" "$log" "Odoo server $num" 30
    prepmt_log "Odoo server $num up (master pid $pid)"
}
start_server 1 "$PORT" "$GEVENT_PORT"
[ "$SERVERS" = 1 ] || start_server 2 "$PORT2" "$GEVENT_PORT2"
SERVER_LOG="${SERVER_LOGS[0]}"
ODOO_PID="${ODOO_PIDS[0]}"
prepmt_log "setup took $(( $(prepmt_now) - T_START ))s"

LEDGER_CMD="$(printf '%q ' "$PREPMT_VENV_PY" "$PREPMT_ROOT/scripts/check_ledger.py" "$PREPMT_ODOO_CONF" "$DB")"
args=(--url "http://127.0.0.1:$PORT" --db "$DB" --server-log "$SERVER_LOG" --ledger-cmd "$LEDGER_CMD")
cd "$PREPMT_ROOT"
rc=0
if [ -n "$MASS" ]; then
    if [ -n "$CHUNK_SIZE$CHUNKS_PER_CALL" ]; then
        prepmt_log "scheduled action: ${CHUNK_SIZE:-50} orders per chunk, ${CHUNKS_PER_CALL:-1} chunks per call"
        psql -d "$DB" -qAtc "UPDATE ir_act_server SET code = 'model._cron_process(chunk_size=${CHUNK_SIZE:-50}, max_chunks=${CHUNKS_PER_CALL:-1})' WHERE id = (SELECT ir_actions_server_id FROM ir_cron c JOIN ir_model_data d ON d.model = 'ir.cron' AND d.res_id = c.id WHERE d.module = 'prepayment_addon' AND d.name = 'ir_cron_prepayment_invoice_batch')" >/dev/null
    fi
    servers=()
    for i in "${!ODOO_PIDS[@]}"; do
        servers+=(--server "s$((i + 1)),${URLS[$i]},${ODOO_PIDS[$i]},${SERVER_LOGS[$i]}")
    done
    for n in "${MASS_LIST[@]}"; do
        compare="${COMPARE:-$([ "$SERVERS" = 1 ] && echo $(( n < 1000 ? n : 1000 )) || echo 0)}"
        tag="M$n"
        t="$(prepmt_now)"
        prepmt_log "mass: $n confirmed orders (+ $compare for Odoo's Create invoices and $compare for ours one by one)"
        mass_orders "$n" "$tag" mass
        [ "$compare" = 0 ] || mass_orders "$compare" "$tag" odoo ours
        prepmt_log "orders made in $(( $(prepmt_now) - t ))s"
        mass_args=(--mass "$n" --mass-tag "$tag" --batches "$BATCHES" --compare "$compare")
        [ "$KILL" = 0 ] || mass_args+=(--kill)
        "$PREPMT_VENV_PY" scripts/loadtest.py "${args[@]}" "${servers[@]}" "${mass_args[@]}" \
            --output "${OUTPUT:-benchmarks/results/loadtest-mass-$n.json}" \
            ${EXTRA[@]+"${EXTRA[@]}"} || rc=$?
    done
elif [ "$FAULTS" = 1 ]; then
    as_pg=()
    prepmt_is_root && as_pg=(runuser -u postgres --)
    pg_ctl=("${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PREPMT_PG_DIR/data")
    args+=(--faults --odoo-pid "$ODOO_PID"
           --pg-stop "$(printf '%q ' "${pg_ctl[@]}" -m fast -w stop)"
           --pg-start "$(printf '%q ' "${pg_ctl[@]}" -l "$PREPMT_PG_DIR/postgres.log" -w -t 60 -o "$PREPMT_PG_OPTS" start)"
           --output "${OUTPUT:-benchmarks/results/loadtest-faults.json}")
    "$PREPMT_VENV_PY" scripts/loadtest.py "${args[@]}" ${EXTRA[@]+"${EXTRA[@]}"} || rc=$?
else
    warmup=()
    for n in "${CLIENT_LIST[@]}"; do
        prepmt_log "load test: $n client(s) x $ORDERS order(s)"
        "$PREPMT_VENV_PY" scripts/loadtest.py "${args[@]}" --clients "$n" --orders "$ORDERS" \
            --output "${OUTPUT:-benchmarks/results/loadtest-N$n.json}" ${warmup[@]+"${warmup[@]}"} \
            ${EXTRA[@]+"${EXTRA[@]}"} || rc=$?
        warmup=(--no-warmup)  # (done by the first run)
    done
fi
if [ "$rc" != 0 ]; then
    for log in "${SERVER_LOGS[@]}"; do
        prepmt_log "last errors of the server log $log:"
        grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log" | cut -c1-300 | tail -10 >&2 || true
    done
fi
prepmt_log "load test exit code $rc (total $(( $(prepmt_now) - T_START ))s)"
exit "$rc"
