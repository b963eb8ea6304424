{
    "name": "Order Prepayments - Inventory",
    "version": "18.0.1.0.0",
    "summary": "Hold deliveries and receipts until the order's prepayment is paid",
    "description": """
Bridge between Order Prepayments and Inventory: with the company setting
"Check prepayment before delivery and final invoice" (or "before receipt and final bill"),
validating a delivery of a sales order, or a receipt of a purchase order, whose prepayment
is still to invoice or waiting for payment is refused with a message naming the order.
A manager can let one order through on purpose.
""",
    "category": "Inventory/Inventory",
    "author": "prepayment_addon developers",
    "website": "https://example.com/prepayment_addon",
    "license": "LGPL-3",
    "depends": ["prepayment_addon", "sale_stock", "purchase_stock"],
    "auto_install": True,
}
