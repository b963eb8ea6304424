from odoo import http

from odoo.addons.sale.controllers.portal import CustomerPortal


class PrepaymentCustomerPortal(CustomerPortal):
    @http.route()
    def portal_order_page(
        self,
        order_id,
        report_type=None,
        access_token=None,
        message=False,
        download=False,
        downpayment=None,
        **kw,
    ):
        """A quotation that carries our prepayment and must be paid online to be confirmed
        asks for that prepayment by default (Odoo asks for its down payment only when its
        own % is below 100 %)."""
        if downpayment is None and report_type not in ("html", "pdf", "text"):
            order = http.request.env["sale.order"].sudo().browse(order_id).exists()
            if order and order._prepmt_online_amount():
                downpayment = "true"
        return super().portal_order_page(
            order_id,
            report_type=report_type,
            access_token=access_token,
            message=message,
            download=download,
            downpayment=downpayment,
            **kw,
        )
