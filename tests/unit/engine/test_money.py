"""Money: minor units from CLDR, half-up rounding, exact splits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dunning.domain.money import (
    fits_minor_units,
    format_amount,
    is_known_currency,
    minor_units,
    parse_amount,
    round_money,
    split_evenly,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3)])
def test_minor_units_come_from_cldr(currency, digits):
    assert minor_units(currency) == digits


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),  # half up means away from zero on a tie
        ("2.5", "JPY", "3"),
        ("1.0005", "BHD", "1.001"),
        ("10", "EUR", "10.00"),
    ],
)
def test_round_money_rounds_half_up_to_the_minor_unit(amount, currency, rounded):
    result = round_money(Decimal(amount), currency)
    assert str(result) == rounded


def test_known_currencies():
    assert is_known_currency("EUR")
    assert not is_known_currency("EURO")
    assert not is_known_currency("eur")
    assert not is_known_currency("ZZZ")
    assert not is_known_currency(None)


def test_split_evenly_adds_up_and_the_last_part_absorbs_rounding():
    parts = split_evenly(Decimal("100.00"), 3, "EUR")
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert sum(parts) == Decimal("100.00")
    assert split_evenly(Decimal(1000), 3, "JPY") == [Decimal(333), Decimal(333), Decimal(334)]


def test_parse_and_format_amounts_without_float():
    assert parse_amount(" 0.10 ") + parse_amount("0.20") == Decimal("0.30")
    with pytest.raises(ValueError, match="not a number"):
        parse_amount("1,5")
    with pytest.raises(ValueError, match="finite"):
        parse_amount("NaN")
    assert format_amount(Decimal("1500"), "JPY") == "1500"
    assert format_amount(Decimal("12.5"), "EUR") == "12.50"


def test_fits_minor_units():
    assert fits_minor_units(Decimal("10.25"), "EUR")
    assert not fits_minor_units(Decimal("10.255"), "EUR")
    assert not fits_minor_units(Decimal("10.5"), "JPY")
