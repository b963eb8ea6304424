"""Pure helpers of the prepayment engine (no database, no ORM)."""

from odoo.exceptions import UserError, ValidationError

# The prepayment status of an order (prepayment.order.mixin, and the Open Prepayments report)
PREPMT_STATES = [
    ("none", "No Prepayment"),
    ("to_invoice", "Prepayment to Invoice"),
    ("waiting_payment", "Waiting for Prepayment"),
    ("paid", "Prepayment Paid"),
    ("settled", "Settled"),
]

# Move types of the documents that invoice and of those that credit (sales and purchase).
INVOICE_TYPES = ("out_invoice", "in_invoice")
REFUND_TYPES = ("out_refund", "in_refund")


def check_percent(records, message):
    """Raise ``ValidationError(message(record))`` for the first of ``records`` whose
    ``prepmt_percent`` is not a percentage from 0 to 100."""
    bad = next((record for record in records if not 0 <= record.prepmt_percent <= 100), None)
    if bad is not None:
        raise ValidationError(message(bad))


def refuse_if_engaged(records, outstanding_message, drafts_message):
    """Raise a ``UserError`` for the first of ``records`` (order lines or orders) that holds
    an invoiced prepayment not yet deducted (``outstanding_message(record)``) or lies on a
    draft prepayment document (``drafts_message(record, "names of the drafts")``)."""
    for record in records:
        if record._prepmt_has_outstanding():
            raise UserError(outstanding_message(record))
        drafts = record._prepmt_draft_documents()
        if drafts:
            raise UserError(drafts_message(record, ", ".join(drafts.mapped("display_name"))))


def distribute(total, weights, unit, caps=None):
    """Split ``total`` over ``weights`` in proportion, in whole ``unit`` s, exactly.

    Largest remainder: every share is first rounded down to the unit, then the units still
    missing go to the largest remainders, so that the shares add up to ``total`` to the unit.
    Weights may have mixed signs (a discount line next to product lines); their sum must not
    be zero and must have the sign of ``total``. ``caps`` (optional, same length) bound each
    share in the direction of its weight: a share never goes past its cap. Units that no share
    can take (every share at its cap) are not distributed: the caller compares the sum.

    :param float total: the amount to split (a multiple of ``unit``)
    :param list weights: one number per share
    :param float unit: the smallest amount (the currency's rounding)
    :param list caps: optional bound per share
    :return: a list of shares, in the order of ``weights``
    """
    if not weights:
        return []
    scale = 1.0 / unit
    units = round(total * scale)
    ints = [round(w * scale) for w in weights]
    whole = sum(ints)
    if not whole:
        raise ValueError("cannot distribute over weights that add up to zero")
    sign = 1 if whole > 0 else -1
    units, whole = units * sign, whole * sign
    ints = [w * sign for w in ints]
    limits = [round(c * scale) * sign for c in caps] if caps is not None else None
    shares, remainders = [], []
    for w in ints:
        # floor division keeps the remainder non-negative whatever the sign of w
        share, rest = divmod(units * w, whole)
        shares.append(share)
        remainders.append(rest)
    if limits is not None:
        for i, w in enumerate(ints):
            if w >= 0 and shares[i] > limits[i]:
                remainders[i] += (shares[i] - limits[i]) * whole
                shares[i] = limits[i]
    missing = units - sum(shares)
    for i in sorted(range(len(ints)), key=lambda i: (-remainders[i], i)):
        if missing <= 0:
            break
        if limits is not None and ints[i] >= 0 and shares[i] + 1 > limits[i]:
            continue
        shares[i] += 1
        missing -= 1
    return [round(share * sign / scale, 10) for share in shares]
