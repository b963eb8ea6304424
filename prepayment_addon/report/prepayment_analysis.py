from odoo import api, fields, models


class PrepaymentAnalysis(models.Model):
    """Open prepayments per order (sales and purchase), as an accountant reads them.

    ``outstanding_company`` is the open amount of the order's journal items on the prepayment
    accounts (they are reconciled as deductions consume them; Odoo's exchange differences close
    what moving rates leave), so that its total per company equals the balance of those
    accounts.
    """

    _name = "prepayment.analysis"
    _description = "Open Prepayments"
    _auto = False
    _order = "date_order desc, id desc"
    _rec_name = "order_name"

    order_type = fields.Selection([("sale", "Sales"), ("purchase", "Purchase")], readonly=True)
    order_name = fields.Char("Order", readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    purchase_order_id = fields.Many2one("purchase.order", readonly=True)
    date_order = fields.Datetime("Order Date", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    prepmt_state = fields.Selection(
        [
            ("none", "No Prepayment"),
            ("to_invoice", "Prepayment to Invoice"),
            ("waiting_payment", "Waiting for Prepayment"),
            ("paid", "Prepayment Paid"),
            ("settled", "Settled"),
        ],
        string="Prepayment Status",
        readonly=True,
    )
    required = fields.Monetary(readonly=True)
    invoiced = fields.Monetary(readonly=True)
    paid = fields.Monetary(readonly=True)
    deducted = fields.Monetary(readonly=True)
    outstanding = fields.Monetary(readonly=True)
    outstanding_company = fields.Monetary(
        "Outstanding (Company Currency)", currency_field="company_currency_id", readonly=True
    )

    @property
    def _table_query(self):
        order_models = self.env["prepayment.order.mixin"]._prepmt_order_models()
        return "\nUNION ALL\n".join(
            self._select_order(model, index, len(order_models))
            for index, model in enumerate(order_models)
        )

    @api.model
    def _select_order(self, model, index, count):
        """The rows of the orders of ``model``, from what its adapter declares (tables and
        fields of the ORM, no user input)."""
        Order = self.env[model]
        Line = Order.order_line
        line_field = Line._prepmt_alloc_field
        link = Order._prepmt_move_link_field
        order_columns = ",\n".join(
            f"{'o.id' if field == Order._prepmt_analysis_field else 'NULL::integer'} AS {field}"
            for field in self._prepmt_order_fields()
        )
        return f"""
            SELECT
                o.id * {count} + {index} AS id,
                '{Order._prepmt_order_type}' AS order_type,
                o.name AS order_name,
                {order_columns},
                o.date_order AS date_order,
                COALESCE(p.commercial_partner_id, p.id) AS partner_id,
                o.company_id AS company_id,
                o.currency_id AS currency_id,
                c.currency_id AS company_currency_id,
                o.prepmt_state AS prepmt_state,
                o.prepmt_amount AS required,
                o.prepmt_amount_invoiced AS invoiced,
                o.prepmt_amount_paid AS paid,
                o.prepmt_amount_deducted AS deducted,
                o.prepmt_amount_outstanding AS outstanding,
                {Order._prepmt_balance_sign} * COALESCE(bal.balance, 0) AS outstanding_company
            FROM {Order._table} o
            JOIN res_partner p ON p.id = o.partner_id
            JOIN res_company c ON c.id = o.company_id
            LEFT JOIN (
                SELECT ids.order_id, SUM(aml.amount_residual) AS balance
                FROM (
                    SELECT DISTINCT a.move_line_id,
                           COALESCE(l.order_id, m.{link}) AS order_id
                    FROM prepayment_allocation a
                    JOIN account_move m ON m.id = a.move_id
                    LEFT JOIN {Line._table} l ON l.id = a.{line_field}
                    WHERE a.{line_field} IS NOT NULL OR m.{link} IS NOT NULL
                ) ids
                JOIN account_move_line aml ON aml.id = ids.move_line_id
                WHERE aml.parent_state = 'posted'
                GROUP BY ids.order_id
            ) bal ON bal.order_id = o.id
            WHERE o.prepmt_amount <> 0 OR o.prepmt_amount_invoiced <> 0
                  OR bal.balance IS NOT NULL
        """

    @api.model
    def _prepmt_order_fields(self):
        """The fields of this report that point to an order, one per order model."""
        return self.env["prepayment.order.mixin"]._prepmt_adapter_values("_prepmt_analysis_field")
