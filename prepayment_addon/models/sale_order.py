"""The sales adapter: everything the prepayment engine needs to know about sales orders."""

from odoo import api, fields, models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "prepayment.order.mixin"]

    _prepmt_order_type = "sale"
    _prepmt_invoice_type = "out_invoice"
    _prepmt_refund_type = "out_refund"
    _prepmt_partner_percent_field = "customer_prepmt_percent"
    _prepmt_partner_payment_term_field = "customer_prepmt_payment_term_id"
    _prepmt_moves_action = "account.action_move_out_invoice_type"
    _prepmt_confirmed_states = ("sale", "done")
    _prepmt_move_link_field = "prepmt_sale_order_id"
    _prepmt_account_field = "prepmt_sale_account_id"
    _prepmt_journal_field = "prepmt_sale_journal_id"
    _prepmt_check_field = "prepmt_sale_check"
    _prepmt_manager_group = "sales_team.group_sale_manager"
    _prepmt_lines_view = "prepayment_addon.sale_order_line_view_list_prepayment"
    _prepmt_locked_header_fields = (
        "partner_id",
        "partner_invoice_id",
        "currency_id",
        "pricelist_id",
        "fiscal_position_id",
    )
    # the prepayment account of customer prepayments has a credit balance
    _prepmt_balance_sign = -1
    _prepmt_invoice_mail_template = "prepayment_addon.email_template_prepayment_invoice"
    _prepmt_credit_mail_template = "prepayment_addon.email_template_prepayment_credit_memo"
    _prepmt_reminder_mail_template = "prepayment_addon.email_template_prepayment_reminder"
    _prepmt_reminder_setting = "prepmt_sale_reminder_mail"

    prepmt_move_ids = fields.One2many(
        "account.move",
        "prepmt_sale_order_id",
        string="Prepayment Documents",
        readonly=True,
        copy=False,
    )

    @api.model
    def _prepmt_percent_depends(self):
        return super()._prepmt_percent_depends() + ["partner_invoice_id"]

    def action_confirm(self):
        # the customer's risk is read again at confirmation (prepayment rules on it)
        self.filtered(lambda o: o.state in ("draft", "sent"))._prepmt_reapply_rules()
        return super().action_confirm()

    def _action_cancel(self):
        self._prepmt_check_cancel()
        return super()._action_cancel()

    def _create_invoices(self, grouped=False, final=False, date=None):
        # the deduction lines went into the creation (prepayment.document.builder._add_deductions)
        moves = super()._create_invoices(grouped=grouped, final=final, date=date)
        self.env["prepayment.document.builder"]._finish_created(moves)
        return moves

    # ------------------------------------------------------------------
    # Prepayment adapter hooks
    # ------------------------------------------------------------------
    def _prepmt_invoice_partner(self):
        return self.partner_invoice_id or self.partner_id

    def _prepmt_pricelist(self):
        return self.pricelist_id

    def _prepare_prepmt_invoice(self, move_type):
        vals = super()._prepare_prepmt_invoice(move_type)
        vals.update(
            {
                "ref": self.client_order_ref or "",
                "partner_shipping_id": self.partner_shipping_id.id,
                "team_id": self.team_id.id,
                "invoice_user_id": self.user_id.id,
            }
        )
        return vals

    def _prepmt_document_title(self):
        return self.env._("Prepayment Invoice")

    def _prepmt_credit_memo_button(self):
        return self.env._("Prepayment Credit Memo")

    def _prepmt_final_posting_held(self):
        return self.env._("The final invoice of %(order)s cannot be posted yet.", order=self.name)

    @api.model
    def _prepmt_account_template(self):
        """The sales prepayment account created for a company that has none."""
        return {
            "name": "Customer Prepayments Received",
            "account_type": "liability_current",
            "fallback_type": "liability_current",
            "code": "2170",
        }

    @api.model
    def _prepmt_missing_account_message(self, company):
        return self.env._(
            "Company %(company)s has no sales prepayment account: "
            "set one in Settings > Sales > Prepayments.",
            company=company.name,
        )

    @api.model
    def _prepmt_missing_journal_message(self, company):
        return self.env._(
            "Company %(company)s has no sales journal for prepayment invoices: "
            "create one in Accounting > Configuration > Journals.",
            company=company.name,
        )

    # ------------------------------------------------------------------
    # Odoo's online payment to confirm quotations (Settings > Sales > Online Payment): the
    # customer of an order that carries our prepayment pays our prepayment with taxes instead
    # of Odoo's company-wide %, and the transaction issues our prepayment invoice (see
    # payment_transaction.py). Orders without our prepayment keep Odoo's behaviour.
    # ------------------------------------------------------------------
    def _prepmt_online_amount(self):
        """What the customer pays online to confirm this quotation: the prepayment still to
        invoice, taxes included; 0.0 when Odoo's own rule applies."""
        self.ensure_one()
        if (
            self.state not in ("draft", "sent")
            or not self.require_payment
            or self.currency_id.compare_amounts(self.prepmt_amount_to_invoice, 0) <= 0
        ):
            return 0.0
        return self._prepmt_to_invoice_with_tax()

    def _get_prepayment_required_amount(self):
        amount = self._prepmt_online_amount()
        return amount if amount else super()._get_prepayment_required_amount()


class SaleOrderLine(models.Model):
    _name = "sale.order.line"
    _inherit = ["sale.order.line", "prepayment.line.mixin"]

    _prepmt_order_type = "sale"
    _prepmt_qty_field = "product_uom_qty"
    _prepmt_tax_field = "tax_id"
    _prepmt_alloc_field = "sale_line_id"

    prepmt_allocation_ids = fields.One2many(
        "prepayment.allocation",
        "sale_line_id",
        string="Prepayment Allocations",
        readonly=True,
        copy=False,
    )

    @api.model
    def _prepmt_percent_depends(self):
        return super()._prepmt_percent_depends() + [
            "order_id.partner_invoice_id",
            "order_id.pricelist_id",
        ]

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        # ours first: Odoo's "set the quantity to 0 instead" is no way out for a line whose
        # prepayment is invoiced (the guard on lowering the quantity refuses it too)
        self._unlink_except_prepmt_outstanding()
        return super()._unlink_except_confirmed()

    def _prepmt_deletable(self):
        return not self._check_line_unlink()

    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        return aml.sale_line_ids

    @api.model
    def _prepmt_line_ids_of_vals(self, aml_vals):
        ids = []
        for command in aml_vals.get("sale_line_ids") or ():
            if command[0] == fields.Command.LINK:
                ids.append(command[1])
            elif command[0] == fields.Command.SET:
                ids += list(command[2])
        return ids


# each adapter declares its own link fields on the shared models, so that a third order
# type adds its own without touching the engine
class PrepaymentAllocation(models.Model):
    _inherit = "prepayment.allocation"  # pylint: disable=consider-merging-classes-inherited

    sale_line_id = fields.Many2one("sale.order.line", ondelete="set null", index="btree_not_null")


# each adapter declares its own link fields on the shared models, so that a third order
# type adds its own without touching the engine
class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    prepmt_sale_order_id = fields.Many2one(
        "sale.order",
        "Prepayment of Sales Order",
        readonly=True,
        index="btree_not_null",
        help="The sales order whose prepayment this document invoices or credits.",
    )
