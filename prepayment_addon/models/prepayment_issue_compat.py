# TEMPORARY (branch issue-11): the names main is introducing for the engine's document
# creation, so that the customer-loop code calls them already. Dropped when main is merged.
from odoo import models


class PrepaymentOrderMixin(models.AbstractModel):
    _inherit = "prepayment.order.mixin"

    def _prepmt_issue_invoice(self, amount=None):
        return self._prepmt_create_document("invoice", amount=amount)

    def _prepmt_issue_credit_memo(self):
        return self._prepmt_create_document("credit")
