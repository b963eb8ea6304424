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
# Extra environment: PREPMT_TEST_LOG_LEVEL (Odoo log level during pytest, default warn),
# PREPMT_INSTALL_LOG_LEVEL (during the install, default warn), PREPMT_NO_CHROME=1 (do not look
# for/install Chromium), HYPOTHESIS_PROFILE (passed through to the tests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB=prepmt_test
T_START="$(prepmt_now)"

prepmt_setup
if [ "${PREPMT_NO_CHROME:-0}" != 1 ]; then
    prepmt_ensure_chrome
fi
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="max_cron_threads = 0" prepmt_write_config "$DB"
prepmt_create_db "$DB"

pytest_args=(
    -p pytest_prepmt
    --odoo-database="$DB"
    --odoo-config="$PREPMT_ODOO_CONF"
    --odoo-log-level="${PREPMT_TEST_LOG_LEVEL:-warn}"
    --odoo-http
)
if [ "${CI:-}" = true ]; then
    pytest_args+=(--color=no -p no:cacheprovider)
fi

prepmt_log "setup took $(( $(prepmt_now) - T_START ))s"
prepmt_log "pytest ${pytest_args[*]} $*${HYPOTHESIS_PROFILE:+ (HYPOTHESIS_PROFILE=$HYPOTHESIS_PROFILE)}"
T_PYTEST="$(prepmt_now)"
cd "$PREPMT_ROOT"
export PYTHONPATH="$PREPMT_ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"
set +e
"$PREPMT_VENV_PY" -m pytest "${pytest_args[@]}" "$@"
rc=$?
set -e
# In CI keep pytest's summary ("N passed, ...") as the closing line of the output.
[ "${CI:-}" = true ] && [ "$rc" -ne 5 ] && PREPMT_QUIET_TAIL=1
[ "${PREPMT_QUIET_TAIL:-0}" = 1 ] || prepmt_log "pytest exit code $rc (pytest $(( $(prepmt_now) - T_PYTEST ))s, total $(( $(prepmt_now) - T_START ))s)"
if [ "$rc" -eq 5 ]; then
    prepmt_log "FAILED: pytest collected no tests (exit code 5). Tests must live under tests/ as test_*.py and derive from odoo.tests TransactionCase/HttpCase with test_tags and test_module set (see scripts/README.md)."
    exit 1
fi
exit "$rc"
