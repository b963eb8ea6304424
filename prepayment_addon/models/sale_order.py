from odoo import _, api, fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "prepayment.order.mixin"]

    _prepmt_order_type = "sale"
    _prepmt_invoice_type = "out_invoice"
    _prepmt_refund_type = "out_refund"
    _prepmt_partner_percent_field = "customer_prepmt_percent"
    _prepmt_moves_action = "account.action_move_out_invoice_type"
    _prepmt_confirmed_states = ("sale", "done")
    _prepmt_move_link_field = "prepmt_sale_order_id"
    _prepmt_manager_group = "sales_team.group_sale_manager"
    _prepmt_lines_view = "prepayment_addon.sale_order_line_view_list_prepayment"
    _prepmt_locked_header_fields = (
        "partner_id", "partner_invoice_id", "currency_id", "pricelist_id", "fiscal_position_id")
    _prepmt_invoice_mail_template = "prepayment_addon.email_template_prepayment_invoice"
    _prepmt_credit_mail_template = "prepayment_addon.email_template_prepayment_credit_memo"
    _prepmt_reminder_mail_template = "prepayment_addon.email_template_prepayment_reminder"
    _prepmt_reminder_setting = "prepmt_sale_reminder_mail"

    prepmt_move_ids = fields.One2many(
        "account.move", "prepmt_sale_order_id", string="Prepayment Documents", readonly=True,
        copy=False)

    def _prepmt_document_title(self):
        return _("Prepayment Invoice")

    def _prepmt_final_posting_label(self):
        return _("post a final invoice of %(order)s", order=self.name)

    def _prepmt_invoice_partner(self):
        return self.partner_invoice_id or self.partner_id

    def _prepmt_pricelist(self):
        return self.pricelist_id

    @api.model
    def _prepmt_percent_depends(self):
        return super()._prepmt_percent_depends() + ["partner_invoice_id"]

    def _prepmt_move_vals(self, move_type):
        vals = super()._prepmt_move_vals(move_type)
        vals.update({
            "ref": self.client_order_ref or "",
            "partner_shipping_id": self.partner_shipping_id.id,
            "team_id": self.team_id.id,
            "invoice_user_id": self.user_id.id,
        })
        return vals

    def _action_cancel(self):
        self._prepmt_check_cancel()
        return super()._action_cancel()

    def _create_invoices(self, grouped=False, final=False, date=None):
        # the deduction lines went into the creation (account.move._prepmt_add_deduction_vals)
        moves = super()._create_invoices(grouped=grouped, final=final, date=date)
        moves._prepmt_complete_final_documents()
        return moves


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "prepayment.line.mixin"]

    _prepmt_order_type = "sale"
    _prepmt_qty_field = "product_uom_qty"
    _prepmt_tax_field = "tax_id"
    _prepmt_alloc_field = "sale_line_id"

    prepmt_allocation_ids = fields.One2many(
        "prepayment.allocation", "sale_line_id", string="Prepayment Allocations", readonly=True,
        copy=False)

    @api.model
    def _prepmt_percent_depends(self):
        return super()._prepmt_percent_depends() + [
            "order_id.partner_invoice_id", "order_id.pricelist_id"]

    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        return aml.sale_line_ids
