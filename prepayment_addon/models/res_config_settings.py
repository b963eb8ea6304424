from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    prepmt_sale_account_id = fields.Many2one(
        related="company_id.prepmt_sale_account_id", readonly=False
    )
    prepmt_purchase_account_id = fields.Many2one(
        related="company_id.prepmt_purchase_account_id", readonly=False
    )
    prepmt_sale_journal_id = fields.Many2one(
        related="company_id.prepmt_sale_journal_id", readonly=False
    )
    prepmt_purchase_journal_id = fields.Many2one(
        related="company_id.prepmt_purchase_journal_id", readonly=False
    )
    prepmt_auto_post = fields.Boolean(related="company_id.prepmt_auto_post", readonly=False)
    prepmt_compress_default = fields.Boolean(
        related="company_id.prepmt_compress_default", readonly=False
    )
    prepmt_sale_check = fields.Boolean(related="company_id.prepmt_sale_check", readonly=False)
    prepmt_purchase_check = fields.Boolean(
        related="company_id.prepmt_purchase_check", readonly=False
    )
    prepmt_purchase_require_ref = fields.Boolean(
        related="company_id.prepmt_purchase_require_ref", readonly=False
    )
    prepmt_allow_quotation = fields.Boolean(
        related="company_id.prepmt_allow_quotation", readonly=False
    )
    prepmt_sale_reminder_mail = fields.Boolean(
        related="company_id.prepmt_sale_reminder_mail", readonly=False
    )
    prepmt_mass_invoice_threshold = fields.Integer(
        related="company_id.prepmt_mass_invoice_threshold", readonly=False
    )
    prepmt_deduction_plan = fields.Selection(
        related="company_id.prepmt_deduction_plan", readonly=False
    )
