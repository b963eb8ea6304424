from . import prepayment_invoice_wizard
from . import prepayment_credit_memo_wizard
from . import prepayment_payment_wizard
