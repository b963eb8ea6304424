# shellcheck shell=bash
# Shared helpers for scripts/test.sh and scripts/demo.sh.  Source it, do not run it.
#
# Odoo 18.0 itself is a PREREQUISITE: these helpers find it, they never install it.
#
# Environment variables understood here:
#   ODOO_PATH                 Odoo source dir (the folder holding odoo-bin); added to PYTHONPATH.
#   PREPMT_PYTHON             Python that can import odoo (default: /usr/bin/python3 if it can, else python3).
#   PREPMT_ADDON              addon(s) to install, comma separated (default: prepayment_addon).
#   PREPMT_EXTRA_ADDONS_PATH  extra comma-separated addons dirs, appended to the addons path.
#   PREPMT_PGPORT             TCP port of the throwaway PostgreSQL cluster (default 54329, next free one if busy).
#   PREPMT_PG_BINDIR          PostgreSQL bin dir (default /usr/lib/postgresql/15/bin or the newest installed).
#   PREPMT_CHROME             Chrome/Chromium binary to use for browser tests (default: found on PATH).
#   PREPMT_KEEP_TMP=1         keep the temp dir (cluster data, logs, odoo.conf) after exit.
#   PREPMT_ODOO_WORKERS       'workers' of the odoo.conf written by prepmt_write_config (default 0:
#                             threaded server; scripts/loadtest.sh uses 4, prefork).
#   PGHOST/PGPORT/PGUSER[/PGPASSWORD]  if any of PGHOST/PGPORT/PGUSER is set, that cluster is used
#                             as given and no throwaway cluster is started (PGUSER must not be postgres).

set -euo pipefail

PREPMT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREPMT_VENV="${PREPMT_VENV:-$PREPMT_ROOT/.venv}"
PREPMT_ADDON="${PREPMT_ADDON:-prepayment_addon}"
PREPMT_TMP=""
PREPMT_PG_STARTED=0
PREPMT_APT_UPDATED=0

prepmt_log() { printf '[prepmt] %s\n' "$*" >&2; }
prepmt_die() { printf '[prepmt] ERROR: %s\n' "$*" >&2; exit 1; }
prepmt_is_root() { [ "$(id -u)" -eq 0 ]; }
prepmt_now() { date +%s; }

# ---------------------------------------------------------------- temp dir + cleanup
prepmt_tmpdir() {
    if [ -z "$PREPMT_TMP" ]; then
        PREPMT_TMP="$(mktemp -d "${TMPDIR:-/tmp}/prepmt.XXXXXX")"
        chmod 755 "$PREPMT_TMP"
    fi
}

prepmt_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    # a script's own cleanup (e.g. stopping the Odoo server it started), before the cluster stops
    if declare -F prepmt_on_exit >/dev/null; then prepmt_on_exit; fi
    prepmt_stop_cluster
    if [ -n "$PREPMT_TMP" ] && [ -d "$PREPMT_TMP" ]; then
        if [ "${PREPMT_KEEP_TMP:-0}" = 1 ]; then
            prepmt_log "kept temp dir $PREPMT_TMP"
        else
            rm -rf "$PREPMT_TMP"
        fi
    fi
    exit "$rc"
}

prepmt_install_traps() {
    trap prepmt_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# ---------------------------------------------------------------- Debian packages
prepmt_have_deb() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# prepmt_apt_install PKG...: installs the missing ones (root only), apt-get update first.
prepmt_apt_install() {
    local missing=() p
    for p in "$@"; do
        prepmt_have_deb "$p" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || prepmt_die "missing packages ${missing[*]} and no apt-get here: install them by hand"
    prepmt_is_root || prepmt_die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    prepmt_log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$PREPMT_APT_UPDATED" = 0 ]; then
        apt-get update -qq >&2 || prepmt_die "apt-get update failed"
        PREPMT_APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || prepmt_die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------- Odoo + Python
_prepmt_check_odoo() {  # $1 = python; prints "version<TAB>odoo package dir" if it imports Odoo
    "$1" - <<'EOF' 2>/dev/null
import os, odoo.release
print("%s\t%s" % (odoo.release.version, os.path.dirname(os.path.abspath(odoo.__file__))))
EOF
}

# Sets PREPMT_PY (base python), PREPMT_ODOO_PKG (dir of the odoo package), PREPMT_ODOO_VERSION.
prepmt_find_python() {
    local msg="Odoo 18.0 is not importable: install Odoo 18.0 and set ODOO_PATH=/path/to/odoo (the folder with odoo-bin) or PREPMT_PYTHON=/path/to/python that can import odoo"
    if [ -n "${ODOO_PATH:-}" ]; then
        [ -d "$ODOO_PATH/odoo" ] || prepmt_die "ODOO_PATH=$ODOO_PATH has no odoo/ package folder. $msg"
        ODOO_PATH="$(cd "$ODOO_PATH" && pwd)"
        export ODOO_PATH
        export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
    fi
    local candidates=() c out
    if [ -n "${PREPMT_PYTHON:-}" ]; then
        candidates=("$PREPMT_PYTHON")
    else
        candidates=(/usr/bin/python3 python3)
    fi
    PREPMT_PY=""
    for c in "${candidates[@]}"; do
        command -v "$c" >/dev/null 2>&1 || continue
        if out="$(_prepmt_check_odoo "$c")" && [ -n "$out" ]; then
            PREPMT_PY="$(command -v "$c")"
            PREPMT_ODOO_VERSION="${out%%$'\t'*}"
            PREPMT_ODOO_PKG="${out#*$'\t'}"
            break
        fi
    done
    [ -n "$PREPMT_PY" ] || prepmt_die "$msg"
    case "$PREPMT_ODOO_VERSION" in
        18.0*|saas~18.*) ;;
        *) prepmt_die "found Odoo $PREPMT_ODOO_VERSION at $PREPMT_ODOO_PKG (via $PREPMT_PY), but this project needs Odoo 18.0. $msg" ;;
    esac
    prepmt_log "Odoo $PREPMT_ODOO_VERSION from $PREPMT_ODOO_PKG (python: $PREPMT_PY)"
}

# Sets PREPMT_ODOO_CMD (array) to run the Odoo server CLI with the venv python.
prepmt_find_odoo_bin() {
    local py="${PREPMT_VENV_PY:-$PREPMT_PY}" bin="" c
    for c in "${ODOO_PATH:+$ODOO_PATH/odoo-bin}" "$(dirname "$PREPMT_ODOO_PKG")/odoo-bin"; do
        if [ -n "$c" ] && [ -f "$c" ]; then bin="$c"; break; fi
    done
    if [ -z "$bin" ] && c="$(command -v odoo 2>/dev/null)" && head -c 200 "$c" | head -1 | grep -q python; then
        bin="$c"
    fi
    if [ -n "$bin" ]; then
        PREPMT_ODOO_CMD=("$py" "$bin")
        prepmt_log "odoo-bin: $bin"
    else
        # Same thing odoo-bin does.
        PREPMT_ODOO_CMD=("$py" -c "import os, sys; os.environ['TZ'] = 'UTC'; sys.argv[0] = 'odoo'; import odoo; odoo.cli.main()")
        prepmt_log "odoo-bin not found; running odoo.cli.main() from the odoo package"
    fi
}

# Creates/refreshes $PREPMT_VENV (system site packages, so Odoo's deps come from the base python)
# and installs requirements-test.txt in it.  Sets PREPMT_VENV_PY.
prepmt_ensure_venv() {
    local req="$PREPMT_ROOT/requirements-test.txt" stamp="$PREPMT_VENV/.prepmt-requirements" want
    if [ -x "$PREPMT_VENV/bin/python" ] && ! grep -q "include-system-site-packages = true" "$PREPMT_VENV/pyvenv.cfg" 2>/dev/null; then
        prepmt_log "$PREPMT_VENV was made without --system-site-packages: recreating it"
        rm -rf "$PREPMT_VENV"
    fi
    if [ -x "$PREPMT_VENV/bin/python" ] && ! _prepmt_check_odoo "$PREPMT_VENV/bin/python" >/dev/null; then
        prepmt_log "$PREPMT_VENV cannot import odoo (made from another python?): recreating it"
        rm -rf "$PREPMT_VENV"
    fi
    if [ ! -x "$PREPMT_VENV/bin/python" ]; then
        prepmt_log "creating venv $PREPMT_VENV from $PREPMT_PY"
        if ! "$PREPMT_PY" -m venv --system-site-packages "$PREPMT_VENV" >&2; then
            rm -rf "$PREPMT_VENV"
            if [ "$PREPMT_PY" = /usr/bin/python3 ]; then
                prepmt_apt_install python3-venv
                "$PREPMT_PY" -m venv --system-site-packages "$PREPMT_VENV" >&2 || prepmt_die "cannot create venv"
            else
                prepmt_die "cannot create a venv with $PREPMT_PY -m venv"
            fi
        fi
    fi
    PREPMT_VENV_PY="$PREPMT_VENV/bin/python"
    want="$(cat "$req" 2>/dev/null; echo "python=$PREPMT_PY")"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        prepmt_log "pip install -r requirements-test.txt"
        PIP_DISABLE_PIP_VERSION_CHECK=1 "$PREPMT_VENV_PY" -m pip install -q --progress-bar off -r "$req" >&2 \
            || prepmt_die "pip install -r $req failed"
        printf '%s' "$want" > "$stamp"
    fi
    _prepmt_check_odoo "$PREPMT_VENV_PY" >/dev/null || prepmt_die "the venv python cannot import odoo"
}

_prepmt_is_addons_dir() {  # a dir holding at least one module (__init__.py + __manifest__.py)
    local d
    [ -d "$1" ] || return 1
    for d in "$1"/*/; do
        [ -f "$d/__init__.py" ] && [ -f "$d/__manifest__.py" ] && return 0
    done
    return 1
}

# Sets PREPMT_ADDONS_PATH: <odoo root>/addons, <odoo pkg>/addons, <repo root>, $PREPMT_EXTRA_ADDONS_PATH.
prepmt_addons_path() {
    local parts=() d seen=","
    local extra=()
    IFS=',' read -r -a extra <<< "${PREPMT_EXTRA_ADDONS_PATH:-}"
    for d in "$(dirname "$PREPMT_ODOO_PKG")/addons" "$PREPMT_ODOO_PKG/addons" "$PREPMT_ROOT" ${extra[@]+"${extra[@]}"}; do
        [ -n "$d" ] || continue
        d="$(cd "$d" 2>/dev/null && pwd)" || { prepmt_log "warning: addons dir $d does not exist, skipped"; continue; }
        case "$seen" in *",$d,"*) continue ;; esac
        if _prepmt_is_addons_dir "$d"; then
            parts+=("$d"); seen="$seen$d,"
        elif [ "$d" = "$PREPMT_ROOT" ]; then
            prepmt_log "warning: $PREPMT_ROOT holds no addon yet (no */__manifest__.py), not on addons path"
        fi
    done
    PREPMT_ADDONS_PATH="$(IFS=,; echo "${parts[*]}")"
    prepmt_log "addons path: $PREPMT_ADDONS_PATH"
}

# ---------------------------------------------------------------- PostgreSQL
prepmt_pg_bindir() {
    local d
    if [ -n "${PREPMT_PG_BINDIR:-}" ]; then PG_BIN="$PREPMT_PG_BINDIR"; return; fi
    # shellcheck disable=SC2012
    for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN="$d"; return; fi
    done
    if command -v pg_config >/dev/null 2>&1 && d="$(pg_config --bindir)" && [ -x "$d/initdb" ]; then PG_BIN="$d"; return; fi
    if d="$(command -v initdb 2>/dev/null)"; then PG_BIN="$(dirname "$(readlink -f "$d")")"; return; fi
    PG_BIN=""
}

_prepmt_port_free() {
    "${PREPMT_VENV_PY:-${PREPMT_PY:-python3}}" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
# as PostgreSQL and Odoo listen: connections of a previous run in TIME_WAIT do not make it busy
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

_prepmt_as_pg() {  # run a command as the cluster owner
    if prepmt_is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Sets DB_HOST DB_PORT DB_USER DB_PASSWORD, exports PGHOST/PGPORT/PGUSER for createdb & co.
prepmt_start_cluster() {
    if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ]; then
        DB_HOST="${PGHOST:-}"; DB_PORT="${PGPORT:-5432}"; DB_USER="${PGUSER:-$(id -un)}"; DB_PASSWORD="${PGPASSWORD:-}"
        [ "$DB_USER" != postgres ] || prepmt_die "Odoo refuses to run as db user 'postgres': set PGUSER to another (superuser) role"
        export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER"
        prepmt_log "using the given PostgreSQL cluster ${DB_HOST:-<default socket>}:$DB_PORT as $DB_USER"
        command -v psql >/dev/null 2>&1 || prepmt_apt_install postgresql-client
        psql -d postgres -Atqc 'select 1' >/dev/null || prepmt_die "cannot connect to the given cluster (PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER)"
        return 0
    fi
    prepmt_pg_bindir
    if [ -z "$PG_BIN" ]; then
        prepmt_apt_install postgresql
        prepmt_pg_bindir
        [ -n "$PG_BIN" ] || prepmt_die "PostgreSQL server binaries not found after install"
    fi
    if prepmt_is_root; then
        id postgres >/dev/null 2>&1 || prepmt_die "OS user 'postgres' missing (initdb refuses root): install the postgresql package"
    fi
    local port="${PREPMT_PGPORT:-54329}" tries=0
    until _prepmt_port_free "$port"; do
        [ -z "${PREPMT_PGPORT:-}" ] || prepmt_die "PREPMT_PGPORT=$port is busy"
        tries=$((tries + 1)); [ "$tries" -lt 50 ] || prepmt_die "no free port from 54329 up"
        port=$((port + 1))
    done
    prepmt_tmpdir
    local pgdir="$PREPMT_TMP/pg"
    mkdir -p "$pgdir"
    prepmt_is_root && chown postgres: "$pgdir"
    local t0; t0="$(prepmt_now)"
    prepmt_log "starting throwaway PostgreSQL ($PG_BIN) on 127.0.0.1:$port, socket dir $pgdir"
    _prepmt_as_pg "$PG_BIN/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
        || _prepmt_as_pg "$PG_BIN/initdb" -D "$pgdir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1 \
        || { cat "$pgdir/initdb.log" >&2; prepmt_die "initdb failed"; }
    # Throwaway data: durability off for speed. (PREPMT_PG_OPTS: to start it again the same way.)
    PREPMT_PG_OPTS="-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
    _prepmt_as_pg "$PG_BIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 60 \
        -o "$PREPMT_PG_OPTS" \
        start >/dev/null || { cat "$pgdir/postgres.log" >&2; prepmt_die "PostgreSQL did not start"; }
    PREPMT_PG_STARTED=1
    PREPMT_PG_DIR="$pgdir"
    "$PG_BIN/psql" -h "$pgdir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
        -c "CREATE ROLE odoo LOGIN SUPERUSER" >/dev/null || prepmt_die "cannot create role odoo"
    DB_HOST=127.0.0.1; DB_PORT="$port"; DB_USER=odoo; DB_PASSWORD=""
    export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER"
    export PATH="$PG_BIN:$PATH"
    prepmt_log "PostgreSQL up in $(( $(prepmt_now) - t0 ))s (role odoo, trust auth)"
}

prepmt_stop_cluster() {
    if [ "$PREPMT_PG_STARTED" = 1 ]; then
        PREPMT_PG_STARTED=0
        _prepmt_as_pg "$PG_BIN/pg_ctl" -D "$PREPMT_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 \
            || _prepmt_as_pg "$PG_BIN/pg_ctl" -D "$PREPMT_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        [ "${PREPMT_QUIET_TAIL:-0}" = 1 ] || prepmt_log "PostgreSQL stopped"
    fi
}

# ---------------------------------------------------------------- Odoo config + database
# prepmt_write_config DBNAME: writes $PREPMT_TMP/odoo.conf, sets PREPMT_ODOO_CONF.
prepmt_write_config() {
    prepmt_tmpdir
    PREPMT_ODOO_CONF="$PREPMT_TMP/odoo.conf"
    mkdir -p "$PREPMT_TMP/odoo-data"
    cat > "$PREPMT_ODOO_CONF" <<EOF
[options]
db_host = ${DB_HOST:-False}
db_port = ${DB_PORT:-False}
db_user = ${DB_USER}
db_password = ${DB_PASSWORD:-False}
db_name = $1
dbfilter = ^$1\$
list_db = False
addons_path = $PREPMT_ADDONS_PATH
data_dir = $PREPMT_TMP/odoo-data
http_interface = 127.0.0.1
workers = ${PREPMT_ODOO_WORKERS:-0}
${PREPMT_ODOO_CONF_EXTRA:-}
EOF
}

prepmt_odoo() { "${PREPMT_ODOO_CMD[@]}" "$@"; }

# prepmt_wait_server PORT PID LOG WHAT [SECONDS]: waits until the Odoo server PID started in the
# background answers /web/health on 127.0.0.1:PORT (default 60 s); stops with its log's last
# lines if it exits, or with an error naming WHAT if it does not answer in time.
prepmt_wait_server() {
    local port="$1" pid="$2" log="$3" what="$4" tries=$(( ${5:-60} * 5 )) i
    for i in $(seq 1 "$tries"); do
        if curl -fs "http://127.0.0.1:$port/web/health" >/dev/null 2>&1; then return 0; fi
        kill -0 "$pid" 2>/dev/null || { tail -50 "$log" >&2; prepmt_die "$what exited"; }
        sleep 0.2
    done
    prepmt_die "$what did not answer on port $port"
}

# prepmt_stop_server PID: stops an Odoo server a script started in the background (TERM, then
# KILL after 20 s); nothing if it is gone. Start it as "${PREPMT_ODOO_CMD[@]}" ... &, not through
# the prepmt_odoo function: a function in the background is a subshell, and $! would be that.
prepmt_stop_server() {
    local pid="$1" i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
}

prepmt_db_exists() {
    [ "$(psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'")" = 1 ]
}

# prepmt_create_db DBNAME [extra odoo args]: drops DBNAME if present, installs $PREPMT_ADDON with demo data.
prepmt_create_db() {
    local db="$1"; shift
    local t0 addon state
    t0="$(prepmt_now)"
    if prepmt_db_exists "$db"; then
        prepmt_log "dropping existing database $db"
        dropdb "$db"
    fi
    rm -rf "$PREPMT_TMP/odoo-data/filestore/$db"
    prepmt_log "creating database $db with $PREPMT_ADDON (+ demo data)"
    prepmt_odoo -c "$PREPMT_ODOO_CONF" -d "$db" -i "$PREPMT_ADDON" --stop-after-init --no-http \
        --log-level="${PREPMT_INSTALL_LOG_LEVEL:-warn}" "$@" \
        || prepmt_die "odoo-bin -i $PREPMT_ADDON failed on database $db"
    IFS=',' read -r -a _addons <<< "$PREPMT_ADDON"
    for addon in "${_addons[@]}"; do
        state="$(psql -d "$db" -Atqc "select state from ir_module_module where name = '$addon'" 2>/dev/null || true)"
        [ "$state" = installed ] || prepmt_die "addon $addon is not installed in $db (state: '${state:-unknown}'); see the log above"
    done
    prepmt_log "database $db ready in $(( $(prepmt_now) - t0 ))s"
}

# prepmt_demo_admin DBNAME: the demo's administrator logs in with admin/admin and lands on the
# demo sales order; prints "SALE_ORDER_ID PURCHASE_ORDER_ID" of the demo (scripts/demo.sh,
# scripts/screenshots.sh).
prepmt_demo_admin() {
    local ids
    ids="$(prepmt_odoo shell -c "$PREPMT_ODOO_CONF" -d "$1" --no-http --log-level=warn <<'EOF' \
        | sed -n 's/^DEMO_IDS=//p'
admin = env.ref("base.user_admin")
admin.password = "admin"
# action_id is a many2one to ir.actions.actions: give the id, not the act_window record
admin.action_id = env.ref("prepayment_addon.demo_action_sale_order_1").id
env.cr.commit()
print("DEMO_IDS=%d %d" % (
    env.ref("prepayment_addon.demo_sale_order_1").id,
    env.ref("prepayment_addon.demo_purchase_order_1").id,
))
EOF
)" || true
    [ -n "$ids" ] || prepmt_die "could not set up the admin user of the demo on $1"
    printf '%s\n' "$ids"
}

# ---------------------------------------------------------------- Chrome for tours
# Makes a Chrome/Chromium findable by Odoo's _find_executable() (names: google-chrome, chromium,
# chromium-browser, google-chrome-stable on PATH). Installs Debian's chromium if missing (root).
prepmt_ensure_chrome() {
    local n c=""
    if [ -n "${PREPMT_CHROME:-}" ]; then
        [ -x "$PREPMT_CHROME" ] || prepmt_die "PREPMT_CHROME=$PREPMT_CHROME is not executable"
        _prepmt_link_chrome "$PREPMT_CHROME"
        return 0
    fi
    for n in google-chrome chromium chromium-browser google-chrome-stable; do
        if c="$(command -v "$n" 2>/dev/null)"; then prepmt_log "browser for tours: $c"; return 0; fi
    done
    c=""
    for n in /usr/lib/chromium/chromium /usr/bin/chromium /snap/bin/chromium; do
        if [ -x "$n" ]; then c="$n"; break; fi
    done
    if [ -z "$c" ]; then
        prepmt_apt_install chromium
        if c="$(command -v chromium 2>/dev/null)"; then prepmt_log "browser for tours: $c"; return 0; fi
        c=/usr/lib/chromium/chromium
        [ -x "$c" ] || prepmt_die "chromium installed but not found"
    fi
    _prepmt_link_chrome "$c"
}

# wkhtmltopdf prints Odoo's PDFs (invoices, orders); Debian's package, as for PostgreSQL and
# Chromium. PREPMT_NO_PDF=1 skips it (the PDF tests are then skipped with a message).
prepmt_ensure_wkhtmltopdf() {
    [ "${PREPMT_NO_PDF:-0}" = 1 ] && return 0
    if ! command -v wkhtmltopdf >/dev/null 2>&1; then
        prepmt_apt_install wkhtmltopdf
    fi
    command -v wkhtmltopdf >/dev/null 2>&1 || prepmt_die "wkhtmltopdf not found (install Debian's wkhtmltopdf, or set PREPMT_NO_PDF=1)"
    prepmt_log "PDF printing: $(command -v wkhtmltopdf)"
}

_prepmt_link_chrome() {  # put $1 first on PATH as google-chrome, the first name Odoo looks for
    prepmt_tmpdir
    mkdir -p "$PREPMT_TMP/bin"
    ln -sf "$1" "$PREPMT_TMP/bin/google-chrome"
    export PATH="$PREPMT_TMP/bin:$PATH"
    prepmt_log "browser for tours: $1 (linked as google-chrome in $PREPMT_TMP/bin)"
}

# Common start: python/odoo, venv, odoo-bin, addons path, traps.
prepmt_setup() {
    prepmt_install_traps
    prepmt_find_python
    prepmt_ensure_venv
    prepmt_find_odoo_bin
    prepmt_addons_path
}
