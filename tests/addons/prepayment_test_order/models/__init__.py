from . import test_order
