#!/usr/bin/env python3
"""One file per model, one definition per method (issue 23).

Reads the Python files of each addon (AST only: neither Odoo nor a database is needed) and,
for every class that names a model (``_inherit`` / ``_name``), collects the model's methods
and fields across the addon's files. It fails, listing each finding, when

* an addon defines a method (or field) twice for one model: the later definition silently
  replaces the earlier one, which is dead code or a trap;
* an addon extends one model in several files, except where the table below says why.

Each addon is checked on its own: a bridge addon extending a model of the main addon is
Odoo's way of adding to it, and its overrides call ``super()``.

    python3 scripts/check_models.py [ROOT]     (pre-commit hook ``check-models``)
"""

import ast
import sys
from collections import defaultdict
from pathlib import Path

ADDONS = ("prepayment_addon", "prepayment_addon_stock")

# (addon, model): {file: reason} of the files allowed to extend a model beside its own file.
# Keep each reason: a file here is an exception to Odoo's one file per model.
ALLOWED_EXTRA_FILES = {
    ("prepayment_addon", "account.move"): {
        "models/sale_order.py": "the sales adapter declares its own link field "
        "(prepmt_sale_order_id) beside its other facts, so that a third order type adds its "
        "own without touching the engine",
        "models/purchase_order.py": "the purchase adapter's link field "
        "(prepmt_purchase_order_id), for the same reason",
    },
    ("prepayment_addon", "prepayment.allocation"): {
        "models/sale_order.py": "the sales adapter's link field to its order lines "
        "(sale_line_id), for the same reason",
        "models/purchase_order.py": "the purchase adapter's link field to its order lines "
        "(purchase_line_id), for the same reason",
    },
}


def _string_values(node):
    """The strings of a ``_name`` / ``_inherit`` value (a string or a list of strings)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [elt.value for elt in node.elts if isinstance(elt, ast.Constant)]
    return []


def _class_model(cls):
    """The model a class defines or extends: its ``_name``, else its single ``_inherit``."""
    attrs = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                attrs[target.id] = _string_values(stmt.value)
    if attrs.get("_name"):
        return attrs["_name"][0]
    inherit = attrs.get("_inherit") or []
    return inherit[0] if len(inherit) == 1 else None


def _members(cls):
    """``[(name, line, kind)]`` of the methods and fields (``x = fields.X(...)``) of a class."""
    members = []
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.append((stmt.name, stmt.lineno, "method"))
        elif (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Attribute)
            and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == "fields"
        ):
            members.append((stmt.targets[0].id, stmt.lineno, "field"))
    return members


def check_addon(root, addon):
    """The findings of one addon, as sentences."""
    files = defaultdict(set)  # model: {file}
    defined = defaultdict(list)  # (model, name, kind): [file:line]
    for path in sorted((root / addon).rglob("*.py")):
        rel = path.relative_to(root / addon).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            model = _class_model(cls)
            if not model:
                continue
            files[model].add(rel)
            for name, line, kind in _members(cls):
                defined[model, name, kind].append(f"{rel}:{line}")
    findings = []
    for (model, name, kind), places in sorted(defined.items()):
        if len(places) > 1:
            findings.append(
                f"{addon}: {kind} {name} of {model} is defined {len(places)} times: "
                f"{', '.join(places)}. Keep one definition."
            )
    for model, model_files in sorted(files.items()):
        allowed = ALLOWED_EXTRA_FILES.get((addon, model), {})
        rest = sorted(model_files - set(allowed))
        if len(rest) > 1:
            findings.append(
                f"{addon}: model {model} is extended in {len(rest)} files: {', '.join(rest)}. "
                "Move it into one file (or add the file, with the reason, to "
                "ALLOWED_EXTRA_FILES in scripts/check_models.py)."
            )
    return findings


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    findings = [f for addon in ADDONS if (root / addon).is_dir() for f in check_addon(root, addon)]
    for finding in findings:
        print(finding)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
