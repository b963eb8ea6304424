#!/usr/bin/env bash
# Remakes the screenshots of the README (docs/*.png) and of the Apps page
# (prepayment_addon/static/description/screenshot_*.png) from the demo, with headless Chromium:
#
#   bash scripts/screenshots.sh           build prepmt_demo as scripts/demo.sh does, then shoot
#   bash scripts/screenshots.sh --reuse   shoot the existing prepmt_demo database, its addon
#                                         updated first (a cluster named by PGHOST/PGPORT/PGUSER
#                                         keeps it between runs)
#
# It serves the database on 127.0.0.1:$PREPMT_HTTP_PORT (default 8069), logs in as admin/admin
# and shoots (scripts/screenshots.py, over Chromium's DevTools protocol): the sales order with
# its Prepayment tab opened, the purchase order likewise, and Open Customer Prepayments.
# Run it again after a change of the forms or the report, and commit the images.
# Environment: PREPMT_SHOTS_OUT (another folder for the images, e.g. a temp one: <it>/docs and
# <it>/description; .ci/run shoots there, so that a broken script fails CI without touching the
# repository), PREPMT_HTTP_PORT, PREPMT_CHROME (the browser), PREPMT_SHOTS_DATA_DIR (Odoo's
# data_dir for the database's files, default ~/.cache/prepmt/odoo-data: kept for --reuse),
# plus everything in scripts/lib.sh.
set -euo pipefail
PREPMT_ADDON="${PREPMT_ADDON:-prepayment_addon,stock}"
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REUSE=0
for arg in "$@"; do
    case "$arg" in
        --reuse) REUSE=1 ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) prepmt_die "unknown option $arg (use --reuse or --help)" ;;
    esac
done

DB=prepmt_demo
PORT="${PREPMT_HTTP_PORT:-8069}"
ODOO_PID=""

prepmt_on_exit() {  # called by prepmt_cleanup (lib.sh) before the cluster stops
    prepmt_stop_server "$ODOO_PID" || true
    ODOO_PID=""
}

prepmt_setup
_prepmt_port_free "$PORT" || prepmt_die "port $PORT is busy on 127.0.0.1 (set PREPMT_HTTP_PORT)"
prepmt_ensure_chrome
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="http_port = $PORT
max_cron_threads = 0" prepmt_write_config "$DB"
# the database's files (attachments, assets) live as long as the database: outside the temp dir
DATA_DIR="${PREPMT_SHOTS_DATA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/prepmt/odoo-data}"
mkdir -p "$DATA_DIR"
sed -i "s|^data_dir = .*|data_dir = $DATA_DIR|" "$PREPMT_ODOO_CONF"
if [ "$REUSE" = 1 ] && prepmt_db_exists "$DB"; then
    prepmt_log "reusing database $DB: updating prepayment_addon (the views as they are now)"
    prepmt_odoo -c "$PREPMT_ODOO_CONF" -d "$DB" -u prepayment_addon --stop-after-init --no-http \
        --log-level=warn || prepmt_die "odoo-bin -u prepayment_addon failed on $DB"
else
    rm -rf "$DATA_DIR/filestore/$DB"
    prepmt_create_db "$DB"
fi
read -r SALE_ID PURCHASE_ID <<< "$(prepmt_demo_admin "$DB")"
[ -n "$PURCHASE_ID" ] || prepmt_die "could not set up the admin user of the demo"

SERVER_LOG="$PREPMT_TMP/odoo-server.log"
prepmt_log "serving $DB on http://127.0.0.1:$PORT (log: $SERVER_LOG)"
# the command itself, not the prepmt_odoo function: $! is then the server, which the exit stops
"${PREPMT_ODOO_CMD[@]}" -c "$PREPMT_ODOO_CONF" -d "$DB" --http-interface=127.0.0.1 --http-port="$PORT" \
    --logfile="$SERVER_LOG" --log-level=warn &
ODOO_PID=$!
prepmt_wait_server "$PORT" "$ODOO_PID" "$SERVER_LOG" "Odoo"

CHROME="${PREPMT_CHROME:-}"
if [ -z "$CHROME" ]; then
    for n in google-chrome chromium chromium-browser google-chrome-stable; do
        if CHROME="$(command -v "$n" 2>/dev/null)"; then break; fi
    done
fi
[ -n "$CHROME" ] || prepmt_die "no Chrome/Chromium found (set PREPMT_CHROME)"
cd "$PREPMT_ROOT"
OUT_DOCS=docs
OUT_APPS=prepayment_addon/static/description
if [ -n "${PREPMT_SHOTS_OUT:-}" ]; then
    OUT_DOCS="$PREPMT_SHOTS_OUT/docs"
    OUT_APPS="$PREPMT_SHOTS_OUT/description"
    mkdir -p "$OUT_DOCS" "$OUT_APPS"
fi
"$PREPMT_VENV_PY" scripts/screenshots.py --url "http://127.0.0.1:$PORT" --db "$DB" \
    --sale-order "$SALE_ID" --purchase-order "$PURCHASE_ID" --chrome "$CHROME" \
    --out "$OUT_DOCS" --apps "$OUT_APPS"
prepmt_log "screenshots written: $OUT_DOCS/*.png, $OUT_APPS/screenshot_*.png"
