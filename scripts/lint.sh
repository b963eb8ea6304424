#!/usr/bin/env bash
# Runs the linters of .pre-commit-config.yaml (OCA's for 18.0 addons: pylint-odoo, ruff lint and
# format, the Odoo module / XML / CSV / PO checks, and scripts/check_models.py: one file per model,
# one definition per method) over every file of the repository, and fails
# on a finding. .ci/run calls it before the tests.
#
#   bash scripts/lint.sh            check (hooks that fix files leave their fixes in the tree)
#
# It needs git (pre-commit lists the tracked files) and PyPI (pre-commit installs each hook's
# pinned packages the first time, into ~/.cache/pre-commit). Odoo is not needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${PREPMT_LINT_VENV:-$ROOT/.venv-lint}"
log() { printf '[prepmt] %s\n' "$*" >&2; }

command -v git >/dev/null 2>&1 || { log "ERROR: git is needed by pre-commit"; exit 1; }
git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    || { log "ERROR: run the linters from a git checkout (pre-commit lists the tracked files)"; exit 1; }
PY="$(command -v python3)"
want="$(cat requirements-lint.txt; echo "python=$PY")"
if [ ! -x "$VENV/bin/pre-commit" ] || [ "$(cat "$VENV/.prepmt-req" 2>/dev/null)" != "$want" ]; then
    log "creating $VENV (pre-commit)"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements-lint.txt
    printf '%s' "$want" > "$VENV/.prepmt-req"
fi
log "linters: pre-commit run --all-files"
"$VENV/bin/pre-commit" run --all-files --show-diff-on-failure --color=never
log "linters: no finding"
