"""18.0.1.2.0, once the module's models are loaded: the defaults of the old Prepayment Payment
Terms (``ir.default``, per company or user: Odoo's fallback of a company-dependent field)
followed its field record to the customer field (pre-migrate); the vendor field, new, gets
the same defaults, so that every company's partners keep their terms on both sides.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Default = env["ir.default"]
    Fields = env["ir.model.fields"]
    customer = Fields._get("res.partner", "customer_prepmt_payment_term_id")
    vendor = Fields._get("res.partner", "vendor_prepmt_payment_term_id")
    if not customer or not vendor:
        return
    existing = {
        (d.user_id.id, d.company_id.id, d.condition)
        for d in Default.search([("field_id", "=", vendor.id)])
    }
    Default.create(
        [
            {
                "field_id": vendor.id,
                "user_id": d.user_id.id,
                "company_id": d.company_id.id,
                "condition": d.condition,
                "json_value": d.json_value,
            }
            for d in Default.search([("field_id", "=", customer.id)])
            if (d.user_id.id, d.company_id.id, d.condition) not in existing
        ]
    )
