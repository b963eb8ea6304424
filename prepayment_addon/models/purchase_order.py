from odoo import _, api, fields, models
from odoo.exceptions import UserError


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "prepayment.order.mixin"]

    _prepmt_order_type = "purchase"
    _prepmt_invoice_type = "in_invoice"
    _prepmt_refund_type = "in_refund"
    _prepmt_partner_percent_field = "vendor_prepmt_percent"
    _prepmt_moves_action = "account.action_move_in_invoice_type"
    _prepmt_confirmed_states = ("purchase", "done")
    _prepmt_move_link_field = "prepmt_purchase_order_id"
    _prepmt_manager_group = "purchase.group_purchase_manager"
    _prepmt_lines_view = "prepayment_addon.purchase_order_line_view_list_prepayment"

    prepmt_move_ids = fields.One2many(
        "account.move", "prepmt_purchase_order_id", string="Prepayment Documents",
        readonly=True, copy=False)

    def _prepmt_document_title(self):
        return _("Prepayment Bill")

    def _prepmt_final_posting_label(self):
        return _("post a final bill of %(order)s", order=self.name)

    def _prepmt_move_vals(self, move_type):
        vals = super()._prepmt_move_vals(move_type)
        ref = self.env.context.get("prepmt_vendor_ref") or self.partner_ref
        if not ref and self.company_id.prepmt_purchase_require_ref:
            raise UserError(_(
                "Enter the vendor's reference of the prepayment document for %(order)s (the "
                "order's Vendor Reference, or the field of the Prepayment Bill window).",
                order=self.name))
        vals.update({
            "ref": ref or "",
            "invoice_date": fields.Date.context_today(self),
            "invoice_user_id": self.user_id.id,
        })
        return vals

    def button_cancel(self):
        self._prepmt_check_cancel()
        return super().button_cancel()

    def action_create_invoice(self):
        before = self.invoice_ids
        # the deduction lines went into the creation (account.move._prepmt_add_deduction_vals)
        action = super().action_create_invoice()
        moves = self.invoice_ids - before
        moves._prepmt_complete_final_documents()
        return action


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "prepayment.line.mixin"]

    _prepmt_order_type = "purchase"
    _prepmt_qty_field = "product_qty"
    _prepmt_tax_field = "taxes_id"
    _prepmt_alloc_field = "purchase_line_id"

    prepmt_allocation_ids = fields.One2many(
        "prepayment.allocation", "purchase_line_id", string="Prepayment Allocations",
        readonly=True, copy=False)

    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        return aml.purchase_line_id
