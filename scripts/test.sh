#!/usr/bin/env bash
# Runs the addon's test suite with pytest + pytest-odoo against Odoo 18.0.
#
#   bash scripts/test.sh [pytest args...]      e.g. bash scripts/test.sh -k prepayment -x
#
# Steps: find Odoo 18.0 (see scripts/lib.sh), make .venv (pip install -r requirements-test.txt),
# start a throwaway PostgreSQL cluster (or use the one named by PGHOST/PGPORT/PGUSER), build
# database prepmt_test with the addon and demo data, then run pytest over tests/ with
# --odoo-http (HttpCase/tours run; pytest-odoo skips them without it) and a headless Chromium.
#
# Two databases are built: prepmt_test_stock (the Inventory bridge prepayment_addon_stock:
# tests/stock, then scripts/check_lifecycle.py upgrades the addons in place and uninstalls them)
# and prepmt_test (the addon alone, without Inventory: every other test).
# PREPMT_SKIP_STOCK=1 skips the first one, PREPMT_SKIP_LIFECYCLE=1 the upgrade/uninstall check.
# Between the two, scripts/check_migrations.py builds databases with the previous versions of
# the addon (from this repository's git history) and upgrades them (PREPMT_SKIP_MIGRATIONS=1
# skips it).
# prepmt_test also gets Odoo's payment_demo provider (the portal payment tests and tour pay
# with it) and the test-only addon prepayment_test_order of tests/addons (a third order type:
# tests/test_third_order_type.py), whose directory is added to the addons path
# (PREPMT_EXTRA_ADDONS_PATH); PREPMT_TEST_EXTRA_ADDONS, default ",payment_demo,prepayment_test_order".
# Extra environment: PREPMT_TEST_LOG_LEVEL (Odoo log level during pytest, default warn),
# PREPMT_INSTALL_LOG_LEVEL (during the install, default warn), PREPMT_NO_CHROME=1 (do not look
# for/install Chromium), PREPMT_TEST_HTTP_PORT (the port of the tours' server, default 8069),
# PREPMT_NO_PDF=1 (do not look for/install wkhtmltopdf), HYPOTHESIS_PROFILE (passed through to the tests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB=prepmt_test
T_START="$(prepmt_now)"
PREPMT_EXTRA_ADDONS_PATH="${PREPMT_EXTRA_ADDONS_PATH:+$PREPMT_EXTRA_ADDONS_PATH,}$PREPMT_ROOT/tests/addons"
# (exported: tests/test_third_order_type.py fails when its addon is missing unless left out here)
export PREPMT_TEST_EXTRA_ADDONS="${PREPMT_TEST_EXTRA_ADDONS-,payment_demo,prepayment_test_order}"

prepmt_setup
if [ "${PREPMT_NO_CHROME:-0}" != 1 ]; then
    prepmt_ensure_chrome
fi
prepmt_ensure_wkhtmltopdf
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="max_cron_threads = 0
http_port = ${PREPMT_TEST_HTTP_PORT:-8069}" prepmt_write_config "$DB"

pytest_args=(
    -p pytest_prepmt
    --odoo-config="$PREPMT_ODOO_CONF"
    --odoo-log-level="${PREPMT_TEST_LOG_LEVEL:-warn}"
    --odoo-http
)
if [ "${CI:-}" = true ]; then
    pytest_args+=(--color=no -p no:cacheprovider)
fi
cd "$PREPMT_ROOT"
export PYTHONPATH="$PREPMT_ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"

# run_pytest DB [pytest args...]: one pytest-odoo run against DB; sets $rc.
run_pytest() {
    local db="$1"; shift
    prepmt_log "pytest --odoo-database=$db ${pytest_args[*]} $*${HYPOTHESIS_PROFILE:+ (HYPOTHESIS_PROFILE=$HYPOTHESIS_PROFILE)}"
    local t0; t0="$(prepmt_now)"
    set +e
    "$PREPMT_VENV_PY" -m pytest --odoo-database="$db" "${pytest_args[@]}" "$@"
    rc=$?
    set -e
    [ "${PREPMT_QUIET_TAIL:-0}" = 1 ] && [ "$rc" -eq 0 ] || \
        prepmt_log "pytest exit code $rc (pytest $(( $(prepmt_now) - t0 ))s, total $(( $(prepmt_now) - T_START ))s)"
    if [ "$rc" -eq 5 ]; then
        prepmt_log "FAILED: pytest collected no tests (exit code 5). Tests must live under tests/ as test_*.py and derive from odoo.tests TransactionCase/HttpCase with test_tags and test_module set (see scripts/README.md)."
        rc=1
    fi
}

# 1. The Inventory bridge (prepayment_addon_stock, with sale_stock and purchase_stock): its tests,
#    then an upgrade in place and an uninstall on that database with the demo's history.
rc_stock=0
if [ "${PREPMT_SKIP_STOCK:-0}" != 1 ]; then
    # install Inventory beside the addon: the bridge must install itself (auto_install)
    PREPMT_ADDON=prepayment_addon,sale_stock,purchase_stock prepmt_create_db "${DB}_stock"
    bridge="$(psql -d "${DB}_stock" -Atqc "select state from ir_module_module where name = 'prepayment_addon_stock'" 2>/dev/null || true)"
    if [ "$bridge" != installed ]; then
        prepmt_log "FAILED: prepayment_addon_stock did not install itself with Inventory (state: '${bridge:-unknown}')"
        exit 1
    fi
    prepmt_log "prepayment_addon_stock installed itself with Inventory"
    run_pytest "${DB}_stock" tests/stock "$@"
    rc_stock=$rc
    if [ "${PREPMT_SKIP_LIFECYCLE:-0}" != 1 ]; then
        prepmt_log "upgrade and uninstall check on ${DB}_stock"
        if ! "$PREPMT_VENV_PY" "$PREPMT_ROOT/scripts/check_lifecycle.py" "$PREPMT_ODOO_CONF" "${DB}_stock"; then
            prepmt_log "FAILED: upgrade/uninstall check"
            rc_stock=1
        fi
    fi
fi

# 2. The migrations: databases made by the previous versions of the addon, upgraded (the
#    databases prepmt_mig_*, dropped afterwards).
rc_migrations=0
if [ "${PREPMT_SKIP_MIGRATIONS:-0}" != 1 ]; then
    prepmt_log "migration check (scripts/check_migrations.py)"
    "$PREPMT_VENV_PY" "$PREPMT_ROOT/scripts/check_migrations.py" "$PREPMT_ODOO_CONF" || rc_migrations=1
fi

# 3. The main addon alone (no Inventory): every other test. Last, so that pytest's summary of
#    the main suite closes the output.
PREPMT_ADDON="$PREPMT_ADDON$PREPMT_TEST_EXTRA_ADDONS" prepmt_create_db "$DB"
if [ "${CI:-}" = true ]; then
    export PREPMT_QUIET_TAIL=1
fi
run_pytest "$DB" --ignore=tests/stock --ignore=tests/demo "$@"  # (tests/demo: scripts/demo.sh --check)
rc_main=$rc

if [ "$rc_stock" -ne 0 ]; then
    prepmt_log "FAILED: the Inventory bridge tests or the upgrade/uninstall check (see above)"
    exit "$rc_stock"
fi
if [ "$rc_migrations" -ne 0 ]; then
    prepmt_log "FAILED: the migration check (see '[migrations]' above)"
    exit 1
fi
exit "$rc_main"
