from . import prepayment_analysis
