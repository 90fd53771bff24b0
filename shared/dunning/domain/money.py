"""Money helpers: currencies, minor units and rounding, all in `Decimal`.

Nothing here ever touches `float`: an amount that passed through a binary
float could be a cent off, which is the kind of error a dunning letter must
never show a customer.
"""

from __future__ import annotations

from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DAYS_PER_YEAR = Decimal(365)

# The arithmetic context of a dunning run, whatever the caller's thread uses:
# 34 digits (decimal128) keeps every sum of amounts exact, and an invalid
# operation raises instead of quietly producing NaN.
MONEY_CONTEXT = Context(
    prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_known_currency(code: object) -> bool:
    """True for an ISO 4217 code that CLDR (through babel) knows, e.g. 'EUR'."""
    return (
        isinstance(code, str)
        and len(code) == 3
        and code.isupper()
        and code.isalpha()
        and code in _known_currencies()
    )


@cache
def minor_units(currency: str) -> int:
    """Digits after the decimal point: EUR 2, JPY 0, BHD 3 (CLDR's precision)."""
    return int(get_currency_precision(currency))


@cache
def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency as a Decimal exponent: 0.01, 1, 0.001."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up (away from zero on a tie) to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def fits_minor_units(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency allows."""
    return amount == amount.quantize(quantum(currency), rounding=ROUND_DOWN)


def parse_amount(text: str) -> Decimal:
    """A finite Decimal from text such as '1234.50'; ValueError otherwise."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


def format_amount(amount: Decimal, currency: str) -> str:
    """Plain decimal text with the currency's minor units ('10.00', '1500'), for CSV and JSON."""
    return f"{round_money(amount, currency):f}"


def split_evenly(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """`parts` amounts that add up to `total`; the last one absorbs the rounding."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    share = round_money(total / parts, currency)
    head = [share] * (parts - 1)
    return [*head, total - share * (parts - 1)]
