"""A third order type for the tests: a minimal customer order and its adapter.

It declares the adapter contract of ``prepayment.order.mixin`` and
``prepayment.line.mixin`` (the ``_prepmt_*`` attributes and the hooks without a default),
the link fields on the shared models, and makes its final invoice itself: the prepayment
engine does the rest, as it does for sales and purchase orders.
"""

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import float_is_zero


class PrepaymentTestOrder(models.Model):
    _name = "prepayment.test.order"
    _inherit = ["mail.thread", "mail.activity.mixin", "prepayment.order.mixin"]
    _description = "Prepayment Test Order"
    _order = "id desc"

    # the adapter contract (see prepayment.order.mixin): a customer order
    _prepmt_order_type = "sale"
    _prepmt_invoice_type = "out_invoice"
    _prepmt_refund_type = "out_refund"
    _prepmt_partner_percent_field = "customer_prepmt_percent"
    _prepmt_partner_payment_term_field = "customer_prepmt_payment_term_id"
    _prepmt_moves_action = "account.action_move_out_invoice_type"
    _prepmt_confirmed_states = ("confirmed",)
    _prepmt_move_link_field = "prepmt_test_order_id"
    _prepmt_account_field = "prepmt_sale_account_id"
    _prepmt_journal_field = "prepmt_sale_journal_id"
    _prepmt_check_field = "prepmt_sale_check"
    _prepmt_manager_group = "sales_team.group_sale_manager"
    _prepmt_balance_sign = -1

    name = fields.Char(required=True, default="/", copy=False)
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Sent"), ("confirmed", "Confirmed"), ("cancel", "Cancelled")],
        default="draft",
        required=True,
        copy=False,
    )
    partner_id = fields.Many2one("res.partner", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    fiscal_position_id = fields.Many2one("account.fiscal.position")
    payment_term_id = fields.Many2one("account.payment.term")
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    date_order = fields.Datetime(default=fields.Datetime.now, required=True)
    order_line = fields.One2many("prepayment.test.order.line", "order_id", copy=True)
    prepmt_move_ids = fields.One2many("account.move", "prepmt_test_order_id", readonly=True)
    invoice_ids = fields.Many2many("account.move", compute="_compute_invoice_ids")
    invoice_status = fields.Selection(
        [("no", "Nothing to Invoice"), ("to invoice", "To Invoice"), ("invoiced", "Invoiced")],
        compute="_compute_invoice_status",
        store=True,
    )
    amount_untaxed = fields.Monetary(compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(compute="_compute_amounts", store=True)

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        for order in orders.filtered(lambda o: o.name == "/"):
            order.name = f"TO{order.id:05d}"
        return orders

    @api.depends("order_line.invoice_lines.move_id")
    def _compute_invoice_ids(self):
        for order in self:
            order.invoice_ids = order.order_line.invoice_lines.move_id

    @api.depends("state", "order_line.qty_to_invoice", "order_line.qty_invoiced")
    def _compute_invoice_status(self):
        for order in self:
            lines = order._prepmt_lines()
            if order.state != "confirmed" or not lines:
                order.invoice_status = "no"
            elif any(
                not float_is_zero(ln.qty_to_invoice, precision_rounding=ln.product_uom.rounding)
                for ln in lines
            ):
                order.invoice_status = "to invoice"
            else:
                order.invoice_status = "invoiced"

    @api.depends("order_line.price_subtotal", "order_line.price_total")
    def _compute_amounts(self):
        for order in self:
            order.amount_untaxed = sum(order.order_line.mapped("price_subtotal"))
            order.amount_total = sum(order.order_line.mapped("price_total"))

    def action_confirm(self):
        self.write({"state": "confirmed"})

    def action_cancel(self):
        self._prepmt_check_cancel()
        self.write({"state": "cancel"})

    def _create_invoices(self, qtys=None):
        """The final invoices of these orders: ``qtys`` (``{order line: quantity}``) of the
        lines, or what each still has to invoice. Its lines point to the order lines
        (``prepmt_test_line_id``): the engine adds the deduction lines on creation."""
        moves = self.env["account.move"]
        for order in self:
            commands = []
            for line in order._prepmt_lines():
                qty = line.qty_to_invoice if qtys is None else qtys.get(line, 0.0)
                if float_is_zero(qty, precision_rounding=line.product_uom.rounding):
                    continue
                commands.append(
                    Command.create(
                        {
                            "name": line.name,
                            "product_id": line.product_id.id,
                            "product_uom_id": line.product_uom.id,
                            "quantity": qty,
                            "price_unit": line.price_unit,
                            "discount": line.discount,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "prepmt_test_line_id": line.id,
                        }
                    )
                )
            moves |= moves.with_company(order.company_id).create(
                {
                    "move_type": "out_invoice",
                    "partner_id": order.partner_id.id,
                    "currency_id": order.currency_id.id,
                    "fiscal_position_id": order.fiscal_position_id.id,
                    "invoice_payment_term_id": order.payment_term_id.id,
                    "invoice_origin": order.name,
                    "company_id": order.company_id.id,
                    "invoice_line_ids": commands,
                }
            )
        self.env["prepayment.document.builder"]._finish(moves)
        return moves

    # ------------------------------------------------------------------
    # The adapter's hooks without a default
    # ------------------------------------------------------------------
    def _prepmt_document_title(self):
        return self.env._("Prepayment Invoice")

    def _prepmt_credit_memo_button(self):
        return self.env._("Prepayment Credit Memo")

    def _prepmt_final_posting_held(self):
        return self.env._("The final invoice of %(order)s cannot be posted yet.", order=self.name)

    @api.model
    def _prepmt_account_template(self):
        return self.env["sale.order"]._prepmt_account_template()

    @api.model
    def _prepmt_missing_account_message(self, company):
        return self.env["sale.order"]._prepmt_missing_account_message(company)

    @api.model
    def _prepmt_missing_journal_message(self, company):
        return self.env["sale.order"]._prepmt_missing_journal_message(company)


class PrepaymentTestOrderLine(models.Model):
    _name = "prepayment.test.order.line"
    _inherit = ["prepayment.line.mixin"]
    _description = "Prepayment Test Order Line"
    _order = "order_id, sequence, id"

    # the adapter contract (see prepayment.line.mixin)
    _prepmt_order_type = "sale"
    _prepmt_qty_field = "product_qty"
    _prepmt_tax_field = "tax_ids"
    _prepmt_alloc_field = "test_line_id"

    order_id = fields.Many2one(
        "prepayment.test.order", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    display_type = fields.Selection([("line_section", "Section"), ("line_note", "Note")])
    is_downpayment = fields.Boolean()
    product_id = fields.Many2one("product.product")
    product_uom = fields.Many2one(
        "uom.uom", compute="_compute_product_uom", store=True, readonly=False
    )
    product_qty = fields.Float(default=1.0, digits="Product Unit of Measure")
    price_unit = fields.Float(digits="Product Price")
    discount = fields.Float(digits="Discount")
    tax_ids = fields.Many2many("account.tax")
    analytic_distribution = fields.Json()
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id", store=True)
    price_subtotal = fields.Monetary(compute="_compute_amount", store=True)
    price_total = fields.Monetary(compute="_compute_amount", store=True)
    qty_delivered = fields.Float(digits="Product Unit of Measure")
    invoice_lines = fields.One2many("account.move.line", "prepmt_test_line_id", readonly=True)
    qty_invoiced = fields.Float(compute="_compute_qty_invoiced", store=True)
    qty_to_invoice = fields.Float(compute="_compute_qty_invoiced", store=True)
    prepmt_allocation_ids = fields.One2many("prepayment.allocation", "test_line_id", readonly=True)

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            line.name = line.product_id.display_name or line.name

    @api.depends("product_id")
    def _compute_product_uom(self):
        for line in self:
            line.product_uom = line.product_id.uom_id or line.product_uom

    @api.depends("product_qty", "price_unit", "discount", "tax_ids", "order_id.currency_id")
    def _compute_amount(self):
        for line in self:
            res = line.tax_ids.compute_all(
                line.price_unit * (1 - (line.discount or 0.0) / 100.0),
                line.order_id.currency_id,
                line.product_qty,
                line.product_id,
                line.order_id.partner_id,
            )
            line.price_subtotal = res["total_excluded"]
            line.price_total = res["total_included"]

    @api.depends(
        "order_id.state",
        "qty_delivered",
        "invoice_lines.quantity",
        "invoice_lines.move_id.state",
        "invoice_lines.move_id.move_type",
    )
    def _compute_qty_invoiced(self):
        # what the invoices not cancelled invoice (credit notes negatively), and what is
        # delivered and not invoiced yet: the invoicing policy "delivered quantities"
        for line in self:
            qty = 0.0
            for aml in line.invoice_lines:
                if aml.move_id.state == "cancel":
                    continue
                qty += -aml.quantity if aml.move_id.move_type == "out_refund" else aml.quantity
            line.qty_invoiced = qty
            line.qty_to_invoice = (
                line.qty_delivered - qty if line.order_id.state == "confirmed" else 0.0
            )

    # ------------------------------------------------------------------
    # The adapter's hooks without a default
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_lines_of_move_line(self, aml):
        return aml.prepmt_test_line_id

    @api.model
    def _prepmt_line_ids_of_vals(self, aml_vals):
        return [aml_vals["prepmt_test_line_id"]] if aml_vals.get("prepmt_test_line_id") else []


# the link fields of the adapter on the shared models
class PrepaymentAllocation(models.Model):
    _inherit = "prepayment.allocation"

    test_line_id = fields.Many2one(
        "prepayment.test.order.line", ondelete="set null", index="btree_not_null"
    )


class AccountMove(models.Model):
    _inherit = "account.move"

    prepmt_test_order_id = fields.Many2one(
        "prepayment.test.order", "Prepayment of Test Order", readonly=True, index="btree_not_null"
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    prepmt_test_line_id = fields.Many2one(
        "prepayment.test.order.line", "Test Order Line", index="btree_not_null"
    )
