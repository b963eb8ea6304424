#!/usr/bin/env bash
# Runs Odoo's OWN tests of the modules the addons change, on a database where both addons are
# installed: a failure there that Odoo does not have without them is a defect of ours.
#
#   bash scripts/odoo_tests.sh [--modules sale,purchase,sale_stock,purchase_stock] [--without-addons]
#                              [--log FILE]
#
# --modules M1,M2   the Odoo modules whose tests run (default: sale,purchase,sale_stock,
#                   purchase_stock; e.g. --modules account for account's, which takes long);
#                   they are installed too.
# --without-addons  the same run without prepayment_addon and its bridge: Odoo's own figure,
#                   to tell our failures from Odoo's.
# --log FILE        keep Odoo's log there (default: the temp dir, removed at exit unless
#                   PREPMT_KEEP_TMP=1).
#
# As Odoo runs its own tests (its runbot): one fresh database (prepmt_odoo_tests) is made on the
# throwaway cluster with `odoo-bin -i prepayment_addon,sale_stock,purchase_stock,<modules>
# --test-tags /sale,/purchase,...` (demo data, the HTTP server on PREPMT_TEST_HTTP_PORT for the
# tours, a headless Chromium, wkhtmltopdf): each module's at_install tests run right after that
# module is installed, the post_install tests (most of them) once everything is installed, the
# addons and the bridge (auto_install) included. Then scripts/odoo_test_summary.py prints,
# from the log, the tests and failures per module and Odoo's total ("N failed, N error(s) of
# M tests"), and the failing tests with their traceback. Exit code 0 only if nothing failed.
# Environment: as scripts/lib.sh and scripts/test.sh (PREPMT_PGPORT, PGHOST/PGPORT/PGUSER,
# PREPMT_TEST_HTTP_PORT, PREPMT_NO_CHROME=1, PREPMT_NO_PDF=1, PREPMT_KEEP_TMP=1).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB=prepmt_odoo_tests
MODULES=sale,purchase,sale_stock,purchase_stock
WITH_ADDONS=1
LOG=""
while [ $# -gt 0 ]; do
    case "$1" in
        --modules) MODULES="${2:?--modules needs a comma-separated list}"; shift 2 ;;
        --modules=*) MODULES="${1#*=}"; shift ;;
        --without-addons) WITH_ADDONS=0; shift ;;
        --log) LOG="${2:?--log needs a file}"; shift 2 ;;
        --log=*) LOG="${1#*=}"; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) prepmt_die "unknown argument $1 (see --help)" ;;
    esac
done
case "$MODULES" in
    ''|*[!a-z0-9_,]*) prepmt_die "--modules: a comma-separated list of module names, not '$MODULES'" ;;
esac
T_START="$(prepmt_now)"

prepmt_setup
if [ "${PREPMT_NO_CHROME:-0}" != 1 ]; then
    prepmt_ensure_chrome
fi
prepmt_ensure_wkhtmltopdf
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="max_cron_threads = 0
http_port = ${PREPMT_TEST_HTTP_PORT:-8069}" prepmt_write_config "$DB"
if [ -z "$LOG" ]; then
    LOG="$PREPMT_TMP/odoo-tests.log"
fi
mkdir -p "$(dirname "$LOG")"
: > "$LOG"

install="sale_stock,purchase_stock,$MODULES"
if [ "$WITH_ADDONS" = 1 ]; then
    install="prepayment_addon,$install"
fi
tags="/${MODULES//,/,/}"
if prepmt_db_exists "$DB"; then
    prepmt_log "dropping existing database $DB"
    dropdb "$DB"
fi
rm -rf "$PREPMT_TMP/odoo-data/filestore/$DB"
prepmt_log "Odoo's own tests of $MODULES: odoo-bin -i $install --test-tags $tags (log: $LOG)"
set +e
# INFO: Odoo logs each test as it starts, and its per-module figures (odoo.tests.stats)
prepmt_odoo -c "$PREPMT_ODOO_CONF" -d "$DB" -i "$install" --test-tags "$tags" \
    --stop-after-init --log-level=info --logfile="$LOG"
rc_odoo=$?
set -e
elapsed=$(( $(prepmt_now) - T_START ))

if [ "$WITH_ADDONS" = 1 ]; then
    for addon in prepayment_addon prepayment_addon_stock; do
        state="$(psql -d "$DB" -Atqc "select state from ir_module_module where name = '$addon'" 2>/dev/null || true)"
        if [ "$state" != installed ]; then
            prepmt_log "FAILED: $addon is not installed in $DB (state: '${state:-unknown}'): see $LOG"
            rc_odoo=1
        fi
    done
fi

printf '\nOdoo'"'"'s own tests of %s, %s (%ss, install included):\n' "$MODULES" \
    "$([ "$WITH_ADDONS" = 1 ] && echo "with prepayment_addon and prepayment_addon_stock" || echo "WITHOUT the addons")" "$elapsed"
rc_summary=0
"$PREPMT_VENV_PY" "$PREPMT_ROOT/scripts/odoo_test_summary.py" "$LOG" --modules "$MODULES" --failures \
    || rc_summary=$?
if [ "$rc_odoo" -ne 0 ] || [ "$rc_summary" -ne 0 ]; then
    prepmt_log "FAILED: Odoo's own tests (odoo-bin exit code $rc_odoo; log: $LOG)"
    exit 1
fi
prepmt_log "Odoo's own tests passed in ${elapsed}s"
