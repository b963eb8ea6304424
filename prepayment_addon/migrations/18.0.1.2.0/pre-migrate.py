"""18.0.1.2.0: the partner's one Prepayment Payment Terms field becomes two, one for customers
(``customer_prepmt_payment_term_id``) and one for vendors (``vendor_prepmt_payment_term_id``).

Before the module's models are loaded: the old company-dependent column (one value per
company, jsonb) and its field record become the customer field, and the vendor field starts
with the same values, so that every company's partners keep their terms on both sides.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute("""
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'res_partner' AND column_name = 'prepmt_payment_term_id'
    """)
    if not cr.fetchone():
        return
    cr.execute(
        "ALTER TABLE res_partner RENAME COLUMN prepmt_payment_term_id "
        "TO customer_prepmt_payment_term_id"
    )
    cr.execute("ALTER TABLE res_partner ADD COLUMN vendor_prepmt_payment_term_id jsonb")
    cr.execute(
        "UPDATE res_partner SET vendor_prepmt_payment_term_id = "
        "customer_prepmt_payment_term_id WHERE customer_prepmt_payment_term_id IS NOT NULL"
    )
    # the field record (and what points to it: a default per company) follows the column
    cr.execute("""
        UPDATE ir_model_fields SET name = 'customer_prepmt_payment_term_id'
         WHERE model = 'res.partner' AND name = 'prepmt_payment_term_id'
    """)
    cr.execute("""
        UPDATE ir_model_data SET name = 'field_res_partner__customer_prepmt_payment_term_id'
         WHERE module = 'prepayment_addon' AND model = 'ir.model.fields'
           AND name = 'field_res_partner__prepmt_payment_term_id'
    """)
