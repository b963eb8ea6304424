from odoo import models


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _load(self, template_code, company, install_demo):
        res = super()._load(template_code, company, install_demo)
        # Companies that get a chart of accounts after the install get their accounts too.
        company._prepmt_ensure_accounts()
        return res
