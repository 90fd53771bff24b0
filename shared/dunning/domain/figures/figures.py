"""The figures people read (SPEC 2.7) from a Partial, and a shard's customer rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from dunning.domain.figures.partial import WINDOW_DAYS, Partial, customer_partial
from dunning.domain.model import Credit, Invoice
from dunning.domain.money import MONEY_CONTEXT

ONE_DECIMAL = Decimal("0.1")


def one_decimal(value: Decimal) -> Decimal:
    """Ratios are rounded half up to one decimal."""
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    with localcontext(MONEY_CONTEXT):
        return one_decimal(numerator / denominator)


@dataclass(frozen=True)
class Figures:
    total_ar: Decimal
    overdue_ar: Decimal
    aging: Mapping[str, Decimal]
    dso: Decimal | None
    avg_days_to_pay: Decimal | None
    avg_days_late: Decimal | None
    open_invoices: int
    overdue_customers: int


def figures(p: Partial) -> Figures:
    """total_ar = open remaining less open credits (negative when credits exceed it);
    dso = open remaining before credits / sales of the window x 90 (none without sales);
    the averages are over paid invoices of the window (none without)."""
    return Figures(
        total_ar=p.open_remaining - p.credits,
        overdue_ar=p.overdue,
        aging=dict(p.aging),
        dso=_ratio(p.open_remaining * WINDOW_DAYS, p.sales),
        avg_days_to_pay=_ratio(Decimal(p.days_to_pay), Decimal(p.paid_invoices)),
        avg_days_late=_ratio(Decimal(p.days_late), Decimal(p.paid_invoices)),
        open_invoices=p.open_invoices,
        overdue_customers=p.overdue_customers,
    )


def by_currency(partials: Iterable[Mapping[str, Partial]]) -> dict[str, Partial]:
    """Sums per currency: amounts of different currencies are never added."""
    out: dict[str, Partial] = {}
    for one in partials:
        for currency, p in one.items():
            out[currency] = out.get(currency, Partial()) + p
    return {c: p for c, p in sorted(out.items()) if p.listed}


RowKey = tuple[str, str]  # (customer, currency)


def customer_rows(
    open_invoices: Iterable[Invoice],
    history: Iterable[Invoice],
    credits: Iterable[Credit],
    as_of: date,
) -> dict[RowKey, Partial]:
    """Every customer's partial per currency, each invoice under its own customer (also
    a bill_to_parent child's). `history` holds invoices no longer open; one that is also
    among the open ones (reopened since) counts once, as open."""
    invoices: dict[str, Invoice] = {i.invoice_id: i for i in history}
    invoices.update((i.invoice_id, i) for i in open_invoices)
    grouped: dict[RowKey, list[Invoice]] = {}
    for invoice in invoices.values():
        grouped.setdefault((invoice.customer_id, invoice.currency), []).append(invoice)
    credit_groups: dict[RowKey, list[Credit]] = {}
    for credit in credits:
        credit_groups.setdefault((credit.customer_id, credit.currency), []).append(credit)
    rows = {
        key: customer_partial(grouped.get(key, ()), credit_groups.get(key, ()), as_of)
        for key in grouped.keys() | credit_groups.keys()
    }
    return {key: p for key, p in rows.items() if p.listed}


@dataclass(frozen=True)
class FigureRow:
    """One customer's figures in one currency, with what the customer list shows."""

    customer_id: str
    currency: str
    subsidiary_id: str
    name: str
    paused: bool
    partial: Partial
