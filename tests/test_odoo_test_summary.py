"""scripts/odoo_test_summary.py (issue 22): the summary of a log of Odoo's own tests, without a
database."""

import os
import sys

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts")
)
import odoo_test_summary  # noqa: E402

PREFIX = "2026-12-06 08:00:00,000 1234 {level} prepmt_odoo_tests {logger}: "
GREEN = [
    PREFIX.format(level="INFO", logger="odoo.addons.sale.tests.test_sale_order")
    + "Starting TestSaleOrder.test_one ...",
    PREFIX.format(level="INFO", logger="odoo.addons.sale.tests.test_sale_order")
    + "Starting TestSaleOrder.test_two ...",
    PREFIX.format(level="INFO", logger="odoo.addons.sale_stock.tests.test_sale_stock")
    + "Starting TestSaleStock.test_three ...",
    PREFIX.format(level="INFO", logger="odoo.tests.stats") + "sale: 3 tests 12.50s 420 queries",
    PREFIX.format(level="INFO", logger="odoo.tests.stats") + "sale_stock: 2 tests 4.00s 99 queries",
    PREFIX.format(level="INFO", logger="odoo.tests.result")
    + "0 failed, 0 error(s) of 3 tests when loading database 'prepmt_odoo_tests'",
]


def write(tmp_path, lines):
    log = tmp_path / "odoo.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(log)


def test_green_run(tmp_path, capsys):
    assert odoo_test_summary.main([write(tmp_path, GREEN), "--modules", "sale,sale_stock"]) == 0
    out = capsys.readouterr().out
    assert "sale                          2      0       12s" in out
    assert "sale_stock                    1      0        4s" in out
    assert "Odoo: 0 failed, 0 error(s) of 3 tests" in out


def test_failures_per_module_with_their_traceback(tmp_path, capsys):
    lines = GREEN[:-1] + [
        PREFIX.format(level="ERROR", logger="odoo.addons.sale_stock.tests.test_sale_stock")
        + "FAIL: TestSaleStock.test_three",
        "Traceback (most recent call last):",
        "AssertionError: 1 != 2",
        PREFIX.format(level="ERROR", logger="odoo.tests.suite")
        + "ERROR: setUpClass (odoo.addons.purchase_stock.tests.test_x.TestX)",
        "Traceback (most recent call last):",
        "odoo.exceptions.ValidationError: The code must be set",
        PREFIX.format(level="ERROR", logger="odoo.tests.result")
        + "1 failed, 1 error(s) of 3 tests when loading database 'prepmt_odoo_tests'",
    ]
    assert odoo_test_summary.main([write(tmp_path, lines), "--failures"]) == 1
    out = capsys.readouterr().out
    assert "sale_stock                    1      1        4s" in out
    assert "purchase_stock                0      1        0s" in out
    assert "--- sale_stock: FAIL: TestSaleStock.test_three\n" in out
    assert "AssertionError: 1 != 2" in out
    assert "--- purchase_stock: ERROR: setUpClass" in out
    assert "The code must be set" in out


def test_no_final_report_or_no_test_fails(tmp_path, capsys):
    # Odoo stopped before the end (a crash at install): no total, a failure
    assert odoo_test_summary.main([write(tmp_path, GREEN[:-1])]) == 1
    assert "no final test report" in capsys.readouterr().out
    # tags that match no test are no success either
    empty = [
        PREFIX.format(level="WARNING", logger="odoo.tests.result")
        + "0 failed, 0 error(s) of 0 tests when loading database 'prepmt_odoo_tests'"
    ]
    assert odoo_test_summary.main([write(tmp_path, empty)]) == 1
