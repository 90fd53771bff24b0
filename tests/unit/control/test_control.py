"""The control centre's pure rules: aging by days overdue (SPEC 2.7)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dunning.domain.control.balances import balances, bucket_of
from dunning.domain.model import Credit, Invoice, InvoiceStatus

pytestmark = pytest.mark.unit

TODAY = date(2026, 5, 4)


def _invoice(n: int, due: date, remaining: str, currency: str = "EUR", **kw) -> Invoice:
    return Invoice(
        f"I{n}",
        "C1",
        str(n),
        date(2026, 1, 1),
        due,
        currency,
        Decimal(remaining),
        Decimal(remaining),
        **kw,
    )


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
    ],
)
def test_aging_buckets_are_by_days_overdue(days: int, bucket: str):
    assert bucket_of(days) == bucket


def test_balances_are_per_currency_and_count_open_items_only():
    found = balances(
        [
            _invoice(1, date(2026, 4, 1), "100.00"),
            _invoice(2, date(2026, 5, 4), "10.00"),
            _invoice(3, date(2026, 1, 1), "5.00", status=InvoiceStatus.PAID),
            _invoice(4, date(2026, 4, 30), "7.00", "USD"),
        ],
        [Credit("K1", "C1", "EUR", TODAY, Decimal("30.00"))],
        TODAY,
    )
    eur, usd = found["EUR"], found["USD"]
    assert (eur.total, eur.overdue, eur.open_invoices) == (Decimal("80.00"), Decimal("100.00"), 2)
    assert eur.aging["31-60"] == Decimal("100.00") and eur.aging["current"] == Decimal("10.00")
    assert usd.aging["1-30"] == Decimal("7.00") and usd.credits == 0
