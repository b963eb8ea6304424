#!/usr/bin/env bash
# Builds the addons' wheels the way OCA publishes addons, and proves they are complete.
#
#   bash scripts/wheels.sh            (run by .ci/run before the tests)
#
# 1. Builds odoo_addon_prepayment_addon-*.whl and odoo_addon_prepayment_addon_stock-*.whl with
#    whool (the PEP 517 backend named by each addon's pyproject.toml; pinned in
#    requirements-wheels.txt, installed into .venv) into $PREPMT_WHEEL_DIR (default: dist/).
#    whool packs the files under git control; in a plain export (no git) it packs the folder
#    and the version is the manifest's (WHOOL_POST_VERSION_STRATEGY_OVERRIDE=none is set then).
# 2. Checks that every file of each addon is in its wheel (under odoo/addons/<addon>/).
# 3. Makes a FRESH venv from the Python that imports Odoo (--system-site-packages, nothing else),
#    pip install --no-deps the two wheels into it, and installs prepayment_addon with Inventory
#    (the bridge must install itself) into a throwaway database, with an addons path
#    that does NOT contain the repository: Odoo finds the addons through the odoo.addons
#    namespace of the venv. scripts/check_wheels.py then checks, in that database, where the
#    modules were loaded from, their views, menus, reports, translations (German, loaded for the
#    two addons), static files and migration scripts.
# Environment: as scripts/lib.sh (PREPMT_PGPORT, PGHOST/PGPORT/PGUSER, ...), plus
# PREPMT_WHEEL_DIR (where the wheels go, default $repo/dist) and PREPMT_WHEELS_NO_INSTALL=1
# (build and check the contents only).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ADDONS=(prepayment_addon prepayment_addon_stock)
DB=prepmt_wheels
T_START="$(prepmt_now)"

prepmt_setup

# ---------------------------------------------------------------- 1. build
req="$PREPMT_ROOT/requirements-wheels.txt"
stamp="$PREPMT_VENV/.prepmt-requirements-wheels"
if [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
    prepmt_log "pip install -r requirements-wheels.txt"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$PREPMT_VENV_PY" -m pip install -q --progress-bar off -r "$req" >&2 \
        || prepmt_die "pip install -r $req failed"
    cp "$req" "$stamp"
fi

if ! command -v git >/dev/null 2>&1 || ! git -C "$PREPMT_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    # not a git checkout: whool takes every file of the folder, the version is the manifest's
    export WHOOL_POST_VERSION_STRATEGY_OVERRIDE=none
    prepmt_log "not a git checkout: wheels get the manifest version as is"
elif [ -n "$(git -C "$PREPMT_ROOT" status --porcelain --untracked-files=normal -- "${ADDONS[@]/#/$PREPMT_ROOT/}")" ]; then
    prepmt_log "warning: uncommitted changes in the addons: whool packs the files git knows (git add new ones) and adds .dev1 to the version"
fi

dist="${PREPMT_WHEEL_DIR:-$PREPMT_ROOT/dist}"
mkdir -p "$dist"
rm -f "$dist"/odoo_addon_prepayment_addon*.whl
for addon in "${ADDONS[@]}"; do
    prepmt_log "building the wheel of $addon"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$PREPMT_VENV_PY" -m pip wheel -q --no-deps --no-build-isolation \
        --wheel-dir "$dist" "$PREPMT_ROOT/$addon" >&2 || prepmt_die "building the wheel of $addon failed"
done
wheels=("$dist"/odoo_addon_prepayment_addon*.whl)
[ "${#wheels[@]}" -eq "${#ADDONS[@]}" ] || prepmt_die "expected ${#ADDONS[@]} wheels in $dist, found: ${wheels[*]}"
prepmt_log "built: $(cd "$dist" && echo odoo_addon_prepayment_addon*.whl)"

# ---------------------------------------------------------------- 2. contents
"$PREPMT_VENV_PY" - "$PREPMT_ROOT" "${wheels[@]}" <<'EOF' || prepmt_die "a wheel is incomplete"
import os, subprocess, sys, zipfile
root, wheels = sys.argv[1], sys.argv[2:]
ok = True
for whl in wheels:
    names = set(zipfile.ZipFile(whl).namelist())
    addon = next(n.split("/")[2] for n in names if n.startswith("odoo/addons/"))
    adir = os.path.join(root, addon)
    try:
        files = subprocess.check_output(["git", "ls-files"], cwd=adir, text=True).split()
    except (OSError, subprocess.CalledProcessError):
        files = [os.path.relpath(os.path.join(d, f), adir) for d, _, fs in os.walk(adir)
                 for f in fs if "__pycache__" not in d and not f.endswith(".pyc")]
    files = {f for f in files if f not in ("pyproject.toml", "PKG-INFO")}
    missing = sorted(f for f in files if f"odoo/addons/{addon}/{f}" not in names)
    extra = sorted(n for n in names if n.startswith("odoo/addons/")
                   and n[len(f"odoo/addons/{addon}/"):] not in files)
    print(f"[prepmt] {os.path.basename(whl)}: {len(files)} files of {addon}"
          + (f", MISSING {missing}" if missing else "") + (f", unexpected {extra}" if extra else ""),
          file=sys.stderr)
    for must in ("__manifest__.py", f"i18n/{addon}.pot", "i18n/de.po", "i18n/fr.po", "i18n/es.po", "i18n/nl.po"):
        if f"odoo/addons/{addon}/{must}" not in names:
            print(f"[prepmt] {os.path.basename(whl)} lacks {must}", file=sys.stderr)
            ok = False
    ok = ok and not missing
sys.exit(0 if ok else 1)
EOF

if [ "${PREPMT_WHEELS_NO_INSTALL:-0}" = 1 ]; then
    prepmt_log "wheels built and checked in $(( $(prepmt_now) - T_START ))s (install skipped)"
    exit 0
fi

# ---------------------------------------------------------------- 3. fresh venv + install
prepmt_tmpdir
wvenv="$PREPMT_TMP/wheel-venv"
prepmt_log "fresh venv $wvenv (from $PREPMT_PY, --system-site-packages) with only the two wheels"
"$PREPMT_PY" -m venv --system-site-packages "$wvenv" >&2 || prepmt_die "cannot create $wvenv"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$wvenv/bin/python" -m pip install -q --progress-bar off --no-deps --no-index "${wheels[@]}" >&2 \
    || prepmt_die "pip install --no-deps of the wheels failed"

# the addons path of scripts/lib.sh without the repository
IFS=',' read -r -a _parts <<< "$PREPMT_ADDONS_PATH"
_kept=()
for d in "${_parts[@]}"; do
    [ "$d" = "$PREPMT_ROOT" ] || _kept+=("$d")
done
PREPMT_ADDONS_PATH="$(IFS=,; echo "${_kept[*]}")"
prepmt_log "addons path without the repository: $PREPMT_ADDONS_PATH"

prepmt_start_cluster
prepmt_write_config "$DB"
if prepmt_db_exists "$DB"; then dropdb "$DB"; fi
wodoo=("$wvenv/bin/python" "${PREPMT_ODOO_CMD[@]:1}")
prepmt_log "installing prepayment_addon, sale_stock and purchase_stock from the wheels into $DB"
t0="$(prepmt_now)"
(cd "$PREPMT_TMP" && "${wodoo[@]}" -c "$PREPMT_ODOO_CONF" -d "$DB" -i prepayment_addon,sale_stock,purchase_stock \
    --without-demo=all --stop-after-init --no-http \
    --log-level="${PREPMT_INSTALL_LOG_LEVEL:-warn}") || prepmt_die "installing the addons from the wheels failed"
prepmt_log "installed in $(( $(prepmt_now) - t0 ))s"
(cd "$PREPMT_TMP" && "$wvenv/bin/python" "$PREPMT_ROOT/scripts/check_wheels.py" "$PREPMT_ODOO_CONF" "$DB" "$wvenv" "$PREPMT_ROOT") \
    || prepmt_die "the addons installed from the wheels are incomplete (see above)"
dropdb "$DB" || true
prepmt_log "wheels built, installed and checked in $(( $(prepmt_now) - T_START ))s"
