#!/usr/bin/env python3
"""Summary of a log of Odoo's own tests (``odoo-bin --test-tags ...``), per module.

    python3 scripts/odoo_test_summary.py LOG [--modules sale,purchase] [--failures]

Reads what Odoo logs while it runs its tests (at INFO): the final ``N failed, N error(s) of
M tests when loading database 'db'``, each test as it starts (``odoo.addons.<module>.tests.<file>:
Starting Class.test ...``: the tests per module), the per-module time of ``odoo.tests.stats``
(``sale: 123 tests 45.6s 7890 queries``; its count also counts each class's set-up), and
each failing test (``FAIL: Class.test`` / ``ERROR: Class.test``, or ``ERROR: setUpClass
(odoo.addons.<module>.tests...)``, logged at ERROR). Prints one line per module (tests,
failed, time) and the total, and with ``--failures`` the failing tests with their traceback.
Exit code 0 only if Odoo's total says 0 failed and 0 errors of at least one test, and no
failing test was logged; 1 otherwise (also when the final line is missing: Odoo stopped
before it ended).
"""

import argparse
import re
import sys
from collections import defaultdict

# 2026-12-06 07:42:58,630 13569 ERROR db odoo.tests.suite: ERROR: setUpClass (odoo.addons.x...)
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>[\w.]+): (?P<msg>.*)$"
)
FAILED = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<test>.+)$")
MODULE = re.compile(r"odoo\.addons\.(?P<module>\w+)\.tests\b")
STARTING = re.compile(r"^Starting \S+ \.\.\.")
STATS = re.compile(
    r"^(?P<module>\w+): (?P<tests>\d+) tests (?P<time>[\d.]+)s (?P<queries>\d+) queries"
)
TOTAL = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<tests>\d+) tests when loading "
    r"database"
)


def parse(lines):
    """``{"modules": {module: {"tests", "time"}}, "failures": [(module, kind, test, text)],
    "total": {"failed", "errors", "tests"} or None}``."""
    modules = {}
    failures = []
    total = None
    current = None  # the failure whose traceback the next lines continue
    for raw in lines:
        line = raw.rstrip("\n")
        match = LOG_LINE.match(line)
        if not match:
            if current is not None:
                current[3].append(line)
            continue
        current = None
        logger, msg = match["logger"], match["msg"]
        if STARTING.match(msg) and (module := MODULE.match(logger)):
            modules.setdefault(module["module"], {"tests": 0, "time": 0.0})["tests"] += 1
        elif logger == "odoo.tests.stats" and (stats := STATS.match(msg)):
            modules.setdefault(stats["module"], {"tests": 0, "time": 0.0})["time"] = float(
                stats["time"]
            )
        elif total_match := TOTAL.match(msg):
            total = {k: int(v) for k, v in total_match.groupdict().items()}
        elif match["level"] in ("ERROR", "CRITICAL") and (failed := FAILED.match(msg)):
            module = MODULE.search(logger) or MODULE.search(msg)
            current = (
                module["module"] if module else "?",
                failed["kind"],
                failed["test"],
                [],
            )
            failures.append(current)
    return {"modules": modules, "failures": failures, "total": total}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log")
    parser.add_argument(
        "--modules", default="", help="comma-separated modules to list even without tests"
    )
    parser.add_argument(
        "--failures", action="store_true", help="print the failing tests with their traceback"
    )
    args = parser.parse_args(argv)
    with open(args.log, encoding="utf-8", errors="replace") as f:
        result = parse(f)
    failed_by_module = defaultdict(int)
    for module, _kind, _test, _text in result["failures"]:
        failed_by_module[module] += 1
    names = [m for m in args.modules.split(",") if m]
    names += sorted((set(result["modules"]) | set(failed_by_module)) - set(names))
    print(f"{'module':<24} {'tests':>6} {'failed':>6} {'time':>9}")
    for name in names:
        stat = result["modules"].get(name, {"tests": 0, "time": 0.0})
        print(
            f"{name:<24} {stat['tests']:>6} {failed_by_module.get(name, 0):>6} "
            f"{stat['time']:>8.0f}s"
        )
    total = result["total"]
    if total:
        print(
            f"Odoo: {total['failed']} failed, {total['errors']} error(s) of {total['tests']} tests"
        )
    else:
        print("Odoo: no final test report in the log (Odoo stopped before the end?)")
    if args.failures and result["failures"]:
        print()
        for module, kind, test, text in result["failures"]:
            print(f"--- {module}: {kind}: {test}")
            print("\n".join(text[:60]))
            if len(text) > 60:
                print(f"    ... ({len(text) - 60} more lines in {args.log})")
    ok = (
        total is not None
        and total["failed"] == 0
        and total["errors"] == 0
        and total["tests"] > 0
        and not result["failures"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
