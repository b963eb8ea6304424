from . import prepayment_order
from . import stock_picking
