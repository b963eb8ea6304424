#!/usr/bin/env bash
# Builds a demo database with the addon and demo data, then serves Odoo on http://localhost:8069.
#
#   bash scripts/demo.sh              build prepmt_demo and serve it (Ctrl-C stops Odoo and PostgreSQL)
#   bash scripts/demo.sh --no-serve   only build the database, then exit (a check that it installs)
#   bash scripts/demo.sh --check      build it, serve it, log in as admin / admin over HTTP and open
#                                     the landing order, stop; then the browser tour of the demo
#                                     (tests/demo: the landing order and its Prepayment tab). .ci/run
#                                     runs this.
#
# The demo has the Sales, Purchase, Invoicing and Inventory apps (the Inventory bridge
# prepayment_addon_stock installs itself); the administrator lands on a sales order with a
# prepayment. PREPMT_ADDON=prepayment_addon builds it without Inventory.
# The PostgreSQL cluster is a throwaway one (gone after exit) unless PGHOST/PGPORT/PGUSER name
# one. Environment: PREPMT_HTTP_PORT (default 8069), plus everything in scripts/lib.sh.
set -euo pipefail
PREPMT_ADDON="${PREPMT_ADDON:-prepayment_addon,stock}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVE=1
for arg in "$@"; do
    case "$arg" in
        --no-serve) SERVE=0 ;;
        --check) SERVE=check ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) prepmt_die "unknown option $arg (use --no-serve, --check or --help)" ;;
    esac
done

DB=prepmt_demo
PORT="${PREPMT_HTTP_PORT:-8069}"
SERVER_PID=""

prepmt_on_exit() {  # called by prepmt_cleanup (lib.sh) before the cluster stops
    prepmt_stop_server "$SERVER_PID" || true
    SERVER_PID=""
}

# demo_check ORDER_ID: serves the demo as the plain command does, logs in as admin / admin over
# HTTP and opens the landing order's URL; then stops the server and runs the demo's browser tour
# (tests/demo, pytest-odoo on the demo database).
demo_check() {
    local order_id="$1" log="$PREPMT_TMP/odoo-demo.log" i rc
    prepmt_log "serving the demo on http://127.0.0.1:$PORT to check it (log: $log)"
    # the command itself, not the prepmt_odoo function: $! is then the server, which
    # prepmt_on_exit stops (a function in the background is a subshell that TERM leaves running)
    "${PREPMT_ODOO_CMD[@]}" -c "$PREPMT_ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
        --http-interface=127.0.0.1 --http-port="$PORT" --max-cron-threads=0 --logfile="$log" \
        --log-level=warn &
    SERVER_PID=$!
    prepmt_wait_server "$PORT" "$SERVER_PID" "$log" "the demo server"
    "$PREPMT_VENV_PY" - "http://127.0.0.1:$PORT" "$DB" "$order_id" <<'PY' || { tail -30 "$log" >&2; prepmt_die "the served demo failed the login check"; }
import http.cookiejar, json, sys, urllib.request
base, db, order_id = sys.argv[1:]
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def call(path, params):
    req = urllib.request.Request(base + path, json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}).encode(), {"Content-Type": "application/json"})
    with opener.open(req, timeout=120) as resp:
        body = json.load(resp)
    if "error" in body:
        sys.exit("%s: %s" % (path, body["error"].get("data", {}).get("message") or body["error"]))
    return body["result"]
uid = call("/web/session/authenticate", {"db": db, "login": "admin", "password": "admin"})["uid"]
assert uid, "admin / admin refused"
home = call("/web/dataset/call_kw/res.users/read", {"model": "res.users", "method": "read", "args": [[uid], ["action_id"]], "kwargs": {}})[0]["action_id"]
assert home, "the admin has no home action"
order = call("/web/dataset/call_kw/sale.order/read", {"model": "sale.order", "method": "read", "args": [[int(order_id)], ["name", "prepmt_state", "prepmt_amount_invoiced"]], "kwargs": {}})[0]
with opener.open(base + "/odoo/sales/%s" % order_id, timeout=120) as resp:
    assert resp.status == 200 and b"odoo" in resp.read(), "the landing order's URL does not open the web client"
print("[prepmt] served demo: admin / admin logged in (uid %d), home action %r, landing order %s (prepayment %s, %.2f invoiced)" % (uid, home[1], order["name"], order["prepmt_state"], order["prepmt_amount_invoiced"]), file=sys.stderr)
PY
    prepmt_on_exit
    if ! _prepmt_port_free "$PORT"; then
        prepmt_die "the demo server still holds port $PORT after it was stopped"
    fi
    prepmt_log "the demo's browser tour (tests/demo) on $DB"
    cd "$PREPMT_ROOT"
    set +e
    PREPMT_DEMO_CHECK=1 PYTHONPATH="$PREPMT_ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" "$PREPMT_VENV_PY" -m pytest \
        -p pytest_prepmt --odoo-config="$PREPMT_ODOO_CONF" --odoo-database="$DB" \
        --odoo-log-level=warn --odoo-http -p no:cacheprovider tests/demo
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || prepmt_log "FAILED: the demo check (pytest exit code $rc)"
    return "$rc"
}

prepmt_setup
if [ "$SERVE" = 1 ] && ! _prepmt_port_free "$PORT"; then
    prepmt_die "port $PORT is busy on 127.0.0.1 (set PREPMT_HTTP_PORT)"
fi
if [ "$SERVE" = check ]; then
    tries=0
    until _prepmt_port_free "$PORT"; do  # the check may run beside a served demo: next free port
        tries=$((tries + 1)); [ "$tries" -lt 50 ] || prepmt_die "no free HTTP port from $PORT up"
        PORT=$((PORT + 1))
    done
    prepmt_ensure_chrome
fi
prepmt_ensure_wkhtmltopdf
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="http_port = $PORT" prepmt_write_config "$DB"
prepmt_create_db "$DB"

prepmt_log "setting the admin password to 'admin', and the demo sales order as admin's home page"
read -r ORDER_ID _PURCHASE_ID <<< "$(prepmt_demo_admin "$DB")"
[ -n "$ORDER_ID" ] || prepmt_die "could not set up the admin user of the demo"
if [ "$(psql -d "$DB" -Atqc "select state from ir_module_module where name = 'prepayment_addon_stock'")" = installed ]; then
    prepmt_log "the Inventory bridge prepayment_addon_stock installed itself"
fi

if [ "$SERVE" = 0 ]; then
    prepmt_log "database $DB built and checked (--no-serve): stopping"
    exit 0
fi
if [ "$SERVE" = check ]; then
    demo_check "$ORDER_ID"
    exit $?
fi

cat >&2 <<EOF

  Odoo 18.0 with $PREPMT_ADDON (demo data) on database $DB:
      URL:    http://localhost:$PORT/odoo   (opens the sales order with a prepayment:
              http://localhost:$PORT/odoo/sales/$ORDER_ID)
      login:  admin   password: admin
  Ctrl-C stops Odoo and the throwaway PostgreSQL cluster.

EOF
prepmt_odoo -c "$PREPMT_ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level="${PREPMT_SERVE_LOG_LEVEL:-info}"
