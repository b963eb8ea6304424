#!/usr/bin/env bash
# Load test (and fault test) of prepayment_addon against a real multi-worker Odoo server.
#
#   bash scripts/loadtest.sh [--clients N[,N...]] [--orders M] [--output FILE]
#   bash scripts/loadtest.sh --faults [--output FILE]
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
# Odoo and the cluster are stopped on exit and on Ctrl-C. Extra arguments after -- go to
# loadtest.py (python3 scripts/loadtest.py --help).
set -euo pipefail
export PREPMT_PGPORT="${PREPMT_PGPORT:-54373}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=16
ORDERS=8
FAULTS=0
OUTPUT=""
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --clients) CLIENTS="$2"; shift 2 ;;
        --orders) ORDERS="$2"; shift 2 ;;
        --faults) FAULTS=1; shift ;;
        --output) OUTPUT="$2"; shift 2 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) prepmt_die "unknown option $1 (see --help)" ;;
    esac
done
IFS=',' read -r -a CLIENT_LIST <<< "$CLIENTS"
[ -z "$OUTPUT" ] || [ "$FAULTS" = 1 ] || [ "${#CLIENT_LIST[@]}" = 1 ] \
    || prepmt_die "--output takes one --clients N (with a list: benchmarks/results/loadtest-N<N>.json)"

DB=prepmt_load
PORT="${PREPMT_HTTP_PORT:-8079}"
GEVENT_PORT="${PREPMT_GEVENT_PORT:-8078}"
ODOO_PID=""
T_START="$(prepmt_now)"

prepmt_on_exit() {  # called by prepmt_cleanup (lib.sh) before the cluster stops
    if prepmt_stop_server "$ODOO_PID"; then prepmt_log "Odoo stopped"; fi
    ODOO_PID=""
}

prepmt_setup
for p in "$PORT" "$GEVENT_PORT"; do
    _prepmt_port_free "$p" || prepmt_die "port $p is busy on 127.0.0.1 (set PREPMT_HTTP_PORT / PREPMT_GEVENT_PORT)"
done
prepmt_start_cluster
PREPMT_ODOO_WORKERS=4 PREPMT_ODOO_CONF_EXTRA="http_port = $PORT
gevent_port = $GEVENT_PORT
max_cron_threads = 0
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

SERVER_LOG="$PREPMT_TMP/odoo-server.log"
ODOO_CMD=("${PREPMT_ODOO_CMD[@]}")
if ! "$PREPMT_VENV_PY" -c "import gevent" 2>/dev/null; then
    # The prefork master also runs the websocket/longpolling server (odoo gevent), which needs
    # gevent; without it that process dies at start and the master starts it again and again,
    # eating CPU. The load test does not use the bus: don't start it.
    prepmt_log "gevent is not installed: the longpolling (websocket) process is not started"
    ODOO_CMD=("$PREPMT_VENV_PY" -c "import os, sys; os.environ['TZ'] = 'UTC'; sys.argv[0] = 'odoo'; import odoo; from odoo.service import server; server.PreforkServer.long_polling_spawn = lambda self: None; odoo.cli.main()")
fi
prepmt_log "starting Odoo with 4 HTTP workers on http://127.0.0.1:$PORT (log: $SERVER_LOG)"
# odoo.service.model at INFO: Odoo's log of each serialization failure it retries
"${ODOO_CMD[@]}" -c "$PREPMT_ODOO_CONF" --logfile="$SERVER_LOG" --log-level=warn \
    --log-handler=odoo.service.model:INFO --log-handler=odoo.service.server:INFO &
ODOO_PID=$!
for i in $(seq 1 150); do
    if curl -fs "http://127.0.0.1:$PORT/web/health" >/dev/null 2>&1; then break; fi
    kill -0 "$ODOO_PID" 2>/dev/null || { tail -50 "$SERVER_LOG" >&2; prepmt_die "Odoo exited"; }
    [ "$i" -lt 150 ] || prepmt_die "Odoo did not answer on port $PORT"
    sleep 0.2
done
prepmt_log "Odoo up (master pid $ODOO_PID); setup took $(( $(prepmt_now) - T_START ))s"

LEDGER_CMD="$(printf '%q ' "$PREPMT_VENV_PY" "$PREPMT_ROOT/scripts/check_ledger.py" "$PREPMT_ODOO_CONF" "$DB")"
args=(--url "http://127.0.0.1:$PORT" --db "$DB" --server-log "$SERVER_LOG" --ledger-cmd "$LEDGER_CMD")
cd "$PREPMT_ROOT"
rc=0
if [ "$FAULTS" = 1 ]; then
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
    prepmt_log "last errors of the server log:"
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$SERVER_LOG" | cut -c1-300 | tail -10 >&2 || true
fi
prepmt_log "load test exit code $rc (total $(( $(prepmt_now) - T_START ))s)"
exit "$rc"
