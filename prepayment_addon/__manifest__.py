{
    "name": "Order Prepayments",
    "version": "18.0.1.5.0",
    "summary": "Prepayment invoices, credit memos and deductions on sales and purchase orders "
    "(Dynamics NAV / Business Central style)",
    "description": """
Prepayments on sales and purchase orders
========================================
* Prepayment % per customer / vendor and prepayment rules per product, product category,
  partner or pricelist, valid between dates, with a clear priority order.
* Prepayment %, amount, invoiced, deducted and outstanding on every order and order line.
* Prepayment invoices (and further invoices for the difference), prepayment credit memos.
* Final invoices and bills deduct the prepayment on a prepayment account, with the same taxes.
* Guards against deleting or shrinking lines whose prepayment is invoiced.
""",
    "category": "Accounting/Accounting",
    "author": "prepayment_addon developers",
    "license": "LGPL-3",
    # sale_management: the Sales app (its menu, the Sales section of the Settings where the
    # sales prepayment settings live); sale alone has neither
    "depends": ["sale_management", "purchase"],
    "data": [
        "security/prepayment_security.xml",
        "security/ir.model.access.csv",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "data/prepayment_invoice_batch_data.xml",
        "views/prepayment_rule_views.xml",
        "views/res_partner_views.xml",
        "views/product_category_views.xml",
        "views/res_config_settings_views.xml",
        "views/sale_order_views.xml",
        "views/purchase_order_views.xml",
        "views/account_move_views.xml",
        "views/prepayment_line_views.xml",
        "views/sale_portal_templates.xml",
        "views/crm_team_views.xml",
        "wizard/prepayment_invoice_wizard_views.xml",
        "wizard/prepayment_credit_memo_wizard_views.xml",
        "wizard/prepayment_payment_wizard_views.xml",
        "views/prepayment_invoice_batch_views.xml",
        "report/report_invoice.xml",
        "report/report_order.xml",
        "report/prepayment_analysis_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "prepayment_addon/static/src/scss/prepayment_summary.scss",
        ],
        "web.assets_tests": [
            "prepayment_addon/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "data/prepayment_demo.xml",
    ],
    "images": [
        "static/description/screenshot_order.png",
        "static/description/screenshot_purchase_order.png",
        "static/description/screenshot_open_prepayments.png",
    ],
    "post_init_hook": "post_init_hook",
}
