"""Tiny pytest plugin loaded by scripts/test.sh with ``-p pytest_prepmt``.

pytest-odoo imports ``odoo.tests`` while it parses the Odoo config, before any test
module runs with ``test_enable``; Odoo then logs a misleading ERROR with a full stack
("Importing test framework, avoid importing from business modules ..."). This filter
drops that one record and nothing else.
"""

import logging


class _DropImportingTestFramework(logging.Filter):
    def filter(self, record):
        return not str(record.msg).startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_DropImportingTestFramework())
