{
    "name": "Order Prepayments: a Third Order Type (tests only)",
    "version": "18.0.1.0.0",
    "summary": "A minimal order model adapted to the prepayment engine, for its tests",
    "description": """
A test-only addon (tests/addons, installed by scripts/test.sh): a minimal customer order,
prepayment.test.order, that plugs into the prepayment engine through the adapter contract
of prepayment.order.mixin and prepayment.line.mixin, as a rental or project order would.
tests/test_third_order_type.py runs the shared flow on it.
""",
    "category": "Hidden/Tests",
    "author": "prepayment_addon developers",
    "license": "LGPL-3",
    "depends": ["prepayment_addon"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
    "application": False,
}
