"""Synthetic CSV rows back into model objects, for benchmarks and tests that skip the
import (the import use case has its own validating reader)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dunning.domain.model import (
    Credit,
    CreditKind,
    Customer,
    Delivery,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
)
from dunning_local.synthetic import Row


def _opt(text: str) -> str | None:
    return text or None


def _day(text: str) -> date:
    return date.fromisoformat(text)


def customer_from_row(row: Row) -> Customer:
    return Customer(
        customer_id=row["customer_id"],
        subsidiary_id=row["subsidiary_id"],
        name=row["name"],
        emails=tuple(e for e in row["email"].split(";") if e),
        language=row["language"],
        currency=row["currency"],
        parent_id=_opt(row["parent_id"]),
        bill_to_parent=row["bill_to_parent"] == "true",
        procedure_id=_opt(row["procedure_id"]),
        delivery=Delivery(row["delivery"] or "email"),
        manager_email=_opt(row["manager_email"]),
        tags=tuple(t for t in row["tags"].split("|") if t),
        exclude_customer_email=row["exclude_customer_email"] == "true",
        split_by_department=row["split_by_department"] == "true",
    )


def invoice_from_row(row: Row, dates: dict[str, date] | None = None) -> Invoice:
    """`dates` shares one date object per ISO text across rows (memory for big sets)."""
    cache = {} if dates is None else dates

    def day(text: str) -> date:
        value = cache.get(text)
        if value is None:
            value = cache[text] = _day(text)
        return value

    return Invoice(
        invoice_id=row["invoice_id"],
        customer_id=row["customer_id"],
        number=row["number"],
        issue_date=day(row["issue_date"]),
        due_date=day(row["due_date"]),
        currency=row["currency"],
        amount=Decimal(row["amount"]),
        amount_remaining=Decimal(row["amount_remaining"]),
        department=_opt(row["department"]),
        group_id=_opt(row["group_id"]),
        procedure_id=_opt(row["procedure_id"]),
        status=InvoiceStatus(row["status"] or "open"),
        paid_date=day(row["paid_date"]) if row["paid_date"] else None,
    )


def credit_from_row(row: Row) -> Credit:
    return Credit(
        credit_id=row["credit_id"],
        customer_id=row["customer_id"],
        currency=row["currency"],
        date=_day(row["date"]),
        amount_unapplied=Decimal(row["amount_unapplied"]),
        kind=CreditKind(row["kind"] or "credit_memo"),
    )


def group_from_row(row: Row) -> InvoiceGroup:
    return InvoiceGroup(
        group_id=row["group_id"],
        customer_id=row["customer_id"],
        procedure_id=_opt(row["procedure_id"]),
    )
