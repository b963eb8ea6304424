from . import controllers
from . import models
from . import report
from . import wizard


def post_init_hook(env):
    """Create the prepayment accounts of the companies that have a chart of accounts (those
    that get one later get them when it is loaded, see account.chart.template._load)."""
    env["res.company"].search([])._prepmt_ensure_accounts()
