"""A customer's figures in one currency as sums and counts, so that the figures of a
shard, a subsidiary or all of them are plain additions of their customers'.

Ratios (dso, average days) are never stored: a mean of means is not the mean, so the
sums they are made of are kept, and divided only when shown (figures.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Decimal

from dunning.domain.model import Credit, Invoice, InvoiceStatus
from dunning.domain.money import ZERO

WINDOW_DAYS = 90  # dso's sales and the days-to-pay averages look back this far
BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


def aging_bucket(days_overdue: int) -> str:
    """Where an open invoice's remaining amount is aged (SPEC 2.7)."""
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def in_window(day: date | None, as_of: date) -> bool:
    """as_of - 90 < day <= as_of."""
    return day is not None and as_of - timedelta(days=WINDOW_DAYS) < day <= as_of


def _zero_aging() -> dict[str, Decimal]:
    return dict.fromkeys(BUCKETS, ZERO)


@dataclass(frozen=True)
class Partial:
    """Additive figures of some customers in one currency."""

    open_remaining: Decimal = ZERO  # remaining of open invoices, before credits
    credits: Decimal = ZERO  # open credits (amount_unapplied > 0)
    overdue: Decimal = ZERO  # remaining of open invoices with days_overdue > 0
    aging: Mapping[str, Decimal] = field(default_factory=_zero_aging)
    open_invoices: int = 0
    overdue_customers: int = 0
    sales: Decimal = ZERO  # amount of non-void invoices issued in the window
    paid_invoices: int = 0  # paid invoices with a paid_date in the window
    days_to_pay: int = 0  # their sum of paid_date - issue_date
    days_late: int = 0  # their sum of max(0, paid_date - due_date)
    recent_invoices: int = 0  # non-void invoices issued or paid in the window

    def __add__(self, other: Partial) -> Partial:
        sums = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "aging"
        }
        aging = {b: self.aging[b] + other.aging[b] for b in BUCKETS}
        return Partial(aging=aging, **sums)

    @property
    def listed(self) -> bool:
        """A currency is shown when it has an open invoice or credit, or an invoice
        issued or paid in the window."""
        return self.open_invoices > 0 or self.credits > 0 or self.recent_invoices > 0


def total(partials: Iterable[Partial]) -> Partial:
    return sum(partials, Partial())


def customer_partial(
    invoices: Iterable[Invoice], credits: Iterable[Credit], as_of: date
) -> Partial:
    """One customer's figures in one currency: every invoice and credit given is its own
    and in that currency (the caller groups them)."""
    result = Partial()
    for invoice in invoices:
        result = _with_invoice(result, invoice, as_of)
    open_credits = sum((c.amount_unapplied for c in credits if c.amount_unapplied > 0), ZERO)
    overdue_customers = 1 if result.overdue > 0 else 0
    return replace(result, credits=open_credits, overdue_customers=overdue_customers)


def _with_invoice(p: Partial, invoice: Invoice, as_of: date) -> Partial:
    if invoice.status is InvoiceStatus.VOID:
        return p
    p = _with_history(p, invoice, as_of)
    if not invoice.is_open:
        return p
    days_overdue = (as_of - invoice.due_date).days
    remaining = invoice.amount_remaining
    aging = dict(p.aging)
    aging[aging_bucket(days_overdue)] += remaining
    return replace(
        p,
        open_remaining=p.open_remaining + remaining,
        overdue=p.overdue + (remaining if days_overdue > 0 else ZERO),
        aging=aging,
        open_invoices=p.open_invoices + 1,
    )


def _with_history(p: Partial, invoice: Invoice, as_of: date) -> Partial:
    """dso's sales (open or paid, by issue date) and the payment averages (paid, by paid
    date): a paid invoice without a paid_date has no days to pay."""
    issued = in_window(invoice.issue_date, as_of)
    paid = invoice.status is InvoiceStatus.PAID and in_window(invoice.paid_date, as_of)
    if issued:
        p = replace(p, sales=p.sales + invoice.amount)
    if paid and invoice.paid_date is not None:
        p = replace(
            p,
            paid_invoices=p.paid_invoices + 1,
            days_to_pay=p.days_to_pay + (invoice.paid_date - invoice.issue_date).days,
            days_late=p.days_late + max(0, (invoice.paid_date - invoice.due_date).days),
        )
    if issued or paid:
        p = replace(p, recent_invoices=p.recent_invoices + 1)
    return p
