"""A customer's balances per currency with the aging of its open invoices (SPEC 2.7).

Amounts of different currencies are never added. Days overdue are counted from the
subsidiary's local today, as the daily run counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dunning.domain.model import Credit, Invoice

# (name, lowest days overdue, highest days overdue); None: unbounded.
BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


def days_overdue(invoice: Invoice, today: date) -> int:
    return (today - invoice.due_date).days


def bucket_of(days: int) -> str:
    for name, low, high in BUCKETS:
        if (low is None or days >= low) and (high is None or days <= high):
            return name
    raise AssertionError("the buckets cover every integer")


def _zero_aging() -> dict[str, Decimal]:
    return {name: Decimal(0) for name, _, _ in BUCKETS}


@dataclass
class CurrencyBalance:
    currency: str
    open_invoices: int = 0
    invoices_remaining: Decimal = Decimal(0)
    overdue: Decimal = Decimal(0)
    credits: Decimal = Decimal(0)
    aging: dict[str, Decimal] = field(default_factory=_zero_aging)

    @property
    def total(self) -> Decimal:
        """What the customer owes in this currency: open invoices less open credits."""
        return self.invoices_remaining - self.credits


def balances(
    invoices: Iterable[Invoice], credits: Iterable[Credit], today: date
) -> dict[str, CurrencyBalance]:
    """Per currency, sorted by code: every open invoice and every open credit counts."""
    found: dict[str, CurrencyBalance] = {}
    for invoice in invoices:
        if not invoice.is_open:
            continue
        b = found.setdefault(invoice.currency, CurrencyBalance(invoice.currency))
        days = days_overdue(invoice, today)
        b.open_invoices += 1
        b.invoices_remaining += invoice.amount_remaining
        b.aging[bucket_of(days)] += invoice.amount_remaining
        if days > 0:
            b.overdue += invoice.amount_remaining
    for credit in credits:
        if credit.amount_unapplied > 0:
            b = found.setdefault(credit.currency, CurrencyBalance(credit.currency))
            b.credits += credit.amount_unapplied
    return dict(sorted(found.items()))
