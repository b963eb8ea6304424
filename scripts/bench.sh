#!/usr/bin/env bash
# Benchmark of prepayment_addon against Odoo's own documents.
#
#   bash scripts/bench.sh [benchmark args...]
#       e.g. bash scripts/bench.sh --sizes 10,100 --repeat 5 --output /tmp/bench.json
#
# Steps: find Odoo 18.0 (see scripts/lib.sh), make .venv, start a throwaway PostgreSQL cluster (or
# use the one named by PGHOST/PGPORT/PGUSER), build database prepmt_bench with the addon and NO
# demo data, then run benchmarks/bench_prepayment.py in that Odoo environment.  The benchmark
# works in one transaction that it rolls back; it prints a table and writes JSON (default
# benchmarks/results/latest.json, gitignored).  Arguments are passed to the benchmark
# (see: python benchmarks/bench_prepayment.py --help).
#
# Extra environment: PREPMT_BENCH_DB (default prepmt_bench), PREPMT_BENCH_REUSE_DB=1 (use an
# existing prepmt_bench on a given cluster instead of rebuilding it).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB="${PREPMT_BENCH_DB:-prepmt_bench}"
T_START="$(prepmt_now)"

prepmt_setup
prepmt_start_cluster
PREPMT_ODOO_CONF_EXTRA="max_cron_threads = 0" prepmt_write_config "$DB"
if [ "${PREPMT_BENCH_REUSE_DB:-0}" = 1 ] && prepmt_db_exists "$DB"; then
    prepmt_log "reusing database $DB"
else
    prepmt_create_db "$DB" --without-demo=all
fi

prepmt_log "setup took $(( $(prepmt_now) - T_START ))s; running the benchmark"
cd "$PREPMT_ROOT"
set +e
"$PREPMT_VENV_PY" benchmarks/bench_prepayment.py -c "$PREPMT_ODOO_CONF" -d "$DB" \
    --log-level="${PREPMT_BENCH_LOG_LEVEL:-warn}" "$@"
rc=$?
set -e
prepmt_log "benchmark exit code $rc (total $(( $(prepmt_now) - T_START ))s)"
exit "$rc"
