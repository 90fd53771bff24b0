"""A statement of account (SPEC 2.8): every open item and credit of one customer in
one currency, oldest first, with a running balance and the aging of the open items.

A level with `attach_statement` sends it with its letter as a second PDF. It is
built from the customer's records as they are when the letter goes, so it lists
what the letter leaves out (items of other scopes, items beyond the letter's caps).
Pure: no I/O, no formatting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dunning.domain.model import Credit, CreditKind, Invoice
from dunning.domain.money import ZERO

# SPEC 2.7's buckets of days overdue; the upper bound of each, None for the last.
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("current", 0),
    ("1-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("90+", None),
)


Day = date  # a field of StatementRow is named `date`


class RowKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_MEMO = "credit_memo"
    PAYMENT = "payment"


@dataclass(frozen=True, slots=True)
class StatementRow:
    kind: RowKind
    reference: str  # the invoice number, or the credit's id
    date: Day  # issue date of an invoice, date of a credit
    due_date: Day | None  # invoices only
    days_overdue: int | None  # invoices only; <= 0 when not yet due
    amount: Decimal  # what the row adds to the balance: credits are negative
    balance: Decimal  # the running balance after this row


@dataclass(frozen=True, slots=True)
class Statement:
    customer_id: str
    currency: str
    as_of: date
    rows: tuple[StatementRow, ...]
    aging: tuple[tuple[str, Decimal], ...]  # open invoices' remaining amounts per bucket
    total_invoices: Decimal
    total_credits: Decimal  # positive: what the credits take off

    @property
    def balance(self) -> Decimal:
        return self.total_invoices - self.total_credits


def aging_bucket(days_overdue: int) -> str:
    """The bucket of an item `days_overdue` past its due date (not yet due: current)."""
    for name, upper in AGING_BUCKETS:
        if upper is None or days_overdue <= upper:
            return name
    raise AssertionError("the last bucket has no upper bound")


def _invoice_row(invoice: Invoice, as_of: date) -> StatementRow:
    return StatementRow(
        kind=RowKind.INVOICE,
        reference=invoice.number,
        date=invoice.issue_date,
        due_date=invoice.due_date,
        days_overdue=(as_of - invoice.due_date).days,
        amount=invoice.amount_remaining,
        balance=ZERO,
    )


def _credit_row(credit: Credit) -> StatementRow:
    kind = RowKind.PAYMENT if credit.kind is CreditKind.PAYMENT else RowKind.CREDIT_MEMO
    amount = -credit.amount_unapplied
    return StatementRow(kind, credit.credit_id, credit.date, None, None, amount, ZERO)


def build_statement(
    customer_id: str,
    currency: str,
    as_of: date,
    invoices: Iterable[Invoice],
    credits: Iterable[Credit],
) -> Statement:
    """The statement of the given records: open invoices and open credits in `currency`,
    by date (an invoice before a credit of the same day), each row with the balance."""
    rows = [_invoice_row(i, as_of) for i in invoices if i.currency == currency and i.is_open]
    rows += [_credit_row(c) for c in credits if c.currency == currency and c.amount_unapplied > 0]
    rows.sort(key=lambda r: (r.date, r.kind is not RowKind.INVOICE, r.reference))
    balance, listed = ZERO, []
    for row in rows:
        balance += row.amount
        listed.append(replace(row, balance=balance))
    aging = dict.fromkeys((name for name, _ in AGING_BUCKETS), ZERO)
    for row in listed:
        if row.days_overdue is not None:
            aging[aging_bucket(row.days_overdue)] += row.amount
    invoiced = sum((r.amount for r in listed if r.kind is RowKind.INVOICE), ZERO)
    return Statement(
        customer_id=customer_id,
        currency=currency,
        as_of=as_of,
        rows=tuple(listed),
        aging=tuple(aging.items()),
        total_invoices=invoiced,
        total_credits=invoiced - balance,
    )
