"""The purchase adapter: everything the prepayment engine needs to know about purchase
orders."""

from odoo import api, fields, models
from odoo.exceptions import UserError


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "prepayment.order.mixin"]

    _prepmt_order_type = "purchase"
    _prepmt_invoice_type = "in_invoice"
    _prepmt_refund_type = "in_refund"
    _prepmt_partner_percent_field = "vendor_prepmt_percent"
    _prepmt_partner_payment_term_field = "vendor_prepmt_payment_term_id"
    _prepmt_moves_action = "account.action_move_in_invoice_type"
    _prepmt_confirmed_states = ("purchase", "done")
    _prepmt_move_link_field = "prepmt_purchase_order_id"
    _prepmt_account_field = "prepmt_purchase_account_id"
    _prepmt_journal_field = "prepmt_purchase_journal_id"
    _prepmt_check_field = "prepmt_purchase_check"
    _prepmt_manager_group = "purchase.group_purchase_manager"
    # the prepayment account of prepayments to vendors has a debit balance
    _prepmt_balance_sign = 1
    _prepmt_lines_view = "prepayment_addon.purchase_order_line_view_list_prepayment"

    prepmt_move_ids = fields.One2many(
        "account.move",
        "prepmt_purchase_order_id",
        string="Prepayment Documents",
        readonly=True,
        copy=False,
    )

    def button_cancel(self):
        self._prepmt_check_cancel()
        return super().button_cancel()

    def action_create_invoice(self):
        before = self.invoice_ids
        # the deduction lines went into the creation (prepayment.document.builder._add_deductions)
        action = super().action_create_invoice()
        moves = self.invoice_ids - before
        self.env["prepayment.document.builder"]._finish_created(moves)
        return action

    # ------------------------------------------------------------------
    # Prepayment adapter hooks
    # ------------------------------------------------------------------
    def _prepare_prepmt_invoice(self, move_type):
        vals = super()._prepare_prepmt_invoice(move_type)
        ref = self.env.context.get("prepmt_document_ref") or self.partner_ref
        if not ref and self._prepmt_requires_document_ref():
            raise UserError(
                self.env._(
                    "Enter the vendor's reference of the prepayment document for %(order)s (the order's Vendor Reference, "  # noqa: E501
                    "or the field of the Prepayment Bill window).",
                    order=self.name,
                )
            )
        vals.update(
            {
                "ref": ref or "",
                "invoice_date": fields.Date.context_today(self),
                "invoice_user_id": self.user_id.id,
            }
        )
        return vals

    def _prepmt_document_title(self):
        return self.env._("Prepayment Bill")

    def _prepmt_credit_memo_button(self):
        return self.env._("Prepayment Refund")

    def _prepmt_final_posting_held(self):
        return self.env._("The final bill of %(order)s cannot be posted yet.", order=self.name)

    @api.model
    def _prepmt_account_template(self):
        """The purchase prepayment account created for a company that has none."""
        return {
            "name": "Prepayments to Vendors",
            "account_type": "asset_prepayments",
            "fallback_type": "asset_current",
            "code": "1470",
        }

    @api.model
    def _prepmt_missing_account_message(self, company):
        return self.env._(
            "Company %(company)s has no purchase prepayment account: "
            "set one in Settings > Purchase > Prepayments.",
            company=company.name,
        )

    @api.model
    def _prepmt_missing_journal_message(self, company):
        return self.env._(
            "Company %(company)s has no purchase journal for prepayment bills: "
            "create one in Accounting > Configuration > Journals.",
            company=company.name,
        )

    def _prepmt_asks_document_ref(self):
        # only when the company requires it: the bill takes the order's Vendor Reference
        # otherwise, and the vendor's own bill number is entered when it comes
        return self._prepmt_requires_document_ref()

    def _prepmt_requires_document_ref(self):
        return self.company_id.prepmt_purchase_require_ref

    def _prepmt_default_document_ref(self):
        return self.partner_ref

    # ------------------------------------------------------------------
    # Sending the RFQ / PO: the prepayment asked of the vendor
    # ------------------------------------------------------------------
    def action_rfq_send(self):
        """Send by Email / Send PO by Email of an order that carries a prepayment: the mail
        names the prepayment asked of the vendor (Odoo's template otherwise)."""
        action = super().action_rfq_send()
        template = self.env.ref(
            "prepayment_addon.email_template_purchase_prepayment", raise_if_not_found=False
        )
        if (
            template
            and self.prepmt_state != "none"
            and self.currency_id.compare_amounts(self.prepmt_amount, 0) > 0
        ):
            action["context"]["default_template_id"] = template.id
        return action


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "prepayment.line.mixin"]

    _prepmt_order_type = "purchase"
    _prepmt_qty_field = "product_qty"
    _prepmt_tax_field = "taxes_id"
    _prepmt_alloc_field = "purchase_line_id"

    prepmt_allocation_ids = fields.One2many(
        "prepayment.allocation",
        "purchase_line_id",
        string="Prepayment Allocations",
        readonly=True,
        copy=False,
    )

    # (Odoo's own refusal, _unlink_except_purchase_or_done, comes after the prepayment
    # guard: Odoo calls the ondelete checks in the order of their names)
    def _prepmt_deletable(self):
        return self.order_id.state not in ("purchase", "done")

    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        return aml.purchase_line_id

    @api.model
    def _prepmt_line_ids_of_vals(self, aml_vals):
        return [aml_vals["purchase_line_id"]] if aml_vals.get("purchase_line_id") else []


# each adapter declares its own link fields on the shared models, so that a third order
# type adds its own without touching the engine
class PrepaymentAllocation(models.Model):
    _inherit = "prepayment.allocation"  # pylint: disable=consider-merging-classes-inherited

    purchase_line_id = fields.Many2one(
        "purchase.order.line", ondelete="set null", index="btree_not_null"
    )


# each adapter declares its own link fields on the shared models, so that a third order
# type adds its own without touching the engine
class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    prepmt_purchase_order_id = fields.Many2one(
        "purchase.order",
        "Prepayment of Purchase Order",
        readonly=True,
        index="btree_not_null",
        help="The purchase order whose prepayment this bill or refund invoices or credits.",
    )
