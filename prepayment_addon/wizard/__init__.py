from . import prepayment_invoice_wizard
from . import prepayment_payment_wizard
