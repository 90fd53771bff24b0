"""The bounds on what people and files may hand the service.

Input beyond them is refused where it enters (dunning.yaml, the API, the CSV
imports) with the field or line it came from, so that nothing past the door
meets a date the calendar cannot hold or a number no invoice has.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

# Dates anywhere in the service: wide enough for every invoice, far enough
# from date.min/date.max that adding a grace period or a payment plan's
# intervals to one stays a date.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)
DATE_RANGE = f"from {DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}"

# Amounts: significant digits and value. A quadrillion in any currency is more
# than any invoice, and 18 digits leave the money context (34 digits) room for
# sums, interest and rounding without losing a cent.
AMOUNT_DIGITS_MAX = 18
AMOUNT_MAX = Decimal(10**15)

# Interest runs for at most this many days overdue (ten years): past it a claim
# is time-barred in every jurisdiction the service knows, and an invoice due
# in 1900 must not show a century of interest.
MAX_INTEREST_DAYS = 3650


def date_in_range(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def significant_digits(number: Decimal) -> int:
    """Digits written out: those of the coefficient plus the zeros an exponent adds."""
    _, digits, exponent = number.as_tuple()
    return len(digits) + max(0, int(exponent))
