#!/usr/bin/env bash
# Builds a demo database with the addon and demo data, then serves Odoo on http://localhost:8069.
#
#   bash scripts/demo.sh              build prepmt_demo and serve it (Ctrl-C stops Odoo and PostgreSQL)
#   bash scripts/demo.sh --no-serve   only build the database, then exit (a check that it installs)
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
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) prepmt_die "unknown option $arg (use --no-serve or --help)" ;;
    esac
done

DB=prepmt_demo
PORT="${PREPMT_HTTP_PORT:-8069}"

prepmt_setup
if [ "$SERVE" = 1 ] && ! _prepmt_port_free "$PORT"; then
    prepmt_die "port $PORT is busy on 127.0.0.1 (set PREPMT_HTTP_PORT)"
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

cat >&2 <<EOF

  Odoo 18.0 with $PREPMT_ADDON (demo data) on database $DB:
      URL:    http://localhost:$PORT/odoo   (opens the sales order with a prepayment:
              http://localhost:$PORT/odoo/sales/$ORDER_ID)
      login:  admin   password: admin
  Ctrl-C stops Odoo and the throwaway PostgreSQL cluster.

EOF
prepmt_odoo -c "$PREPMT_ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level="${PREPMT_SERVE_LOG_LEVEL:-info}"
