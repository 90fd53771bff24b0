"""Statements of account (SPEC 2.8): every open item and credit of the customer in the
letter's currency, oldest first, with a running balance and SPEC 2.7's aging buckets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dunning.domain.letters.statement import RowKind, aging_bucket, build_statement
from dunning.domain.model import Credit, CreditKind, Invoice, InvoiceStatus

pytestmark = pytest.mark.unit

AS_OF = date(2026, 9, 1)


def invoice(number: str, remaining: str, days_overdue: int, **fields: object) -> Invoice:
    due = AS_OF - timedelta(days=days_overdue)
    values: dict[str, object] = {
        "invoice_id": f"I-{number}",
        "customer_id": "C1",
        "number": number,
        "issue_date": due - timedelta(days=30),
        "due_date": due,
        "currency": "EUR",
        "amount": Decimal("1000.00"),
        "amount_remaining": Decimal(remaining),
    }
    values.update(fields)
    return Invoice(**values)  # type: ignore[arg-type]


def credit(credit_id: str, amount: str, on: date, kind: CreditKind = CreditKind.CREDIT_MEMO):
    return Credit(credit_id, "C1", "EUR", on, Decimal(amount), kind)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
     (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")],
)  # fmt: skip
def test_items_age_in_the_dashboards_buckets_of_days_overdue(days: int, bucket: str) -> None:
    assert aging_bucket(days) == bucket


def test_rows_go_oldest_first_each_with_the_balance_after_it() -> None:
    # Hand-worked: 500.00 (issued Jun 3) + 250.00 (Jul 18) - 100.00 credit (Aug 1)
    # + 80.00 (Aug 3) = 730.00; the items are 60, 15 and -1 days overdue.
    items = [
        invoice("B", "250.00", 15),
        invoice("A", "500.00", 60),
        invoice("C", "80.00", -1),
    ]
    statement = build_statement(
        "C1", "EUR", AS_OF, items, [credit("CM-1", "100.00", date(2026, 8, 1))]
    )
    assert [(r.reference, r.amount, r.balance) for r in statement.rows] == [
        ("A", Decimal("500.00"), Decimal("500.00")),
        ("B", Decimal("250.00"), Decimal("750.00")),
        ("CM-1", Decimal("-100.00"), Decimal("650.00")),
        ("C", Decimal("80.00"), Decimal("730.00")),
    ]
    assert statement.total_invoices == Decimal("830.00")
    assert statement.total_credits == Decimal("100.00")
    assert statement.balance == Decimal("730.00")


def test_aging_sums_the_open_items_remaining_amounts_and_leaves_credits_out() -> None:
    items = [
        invoice("N", "80.00", -1),  # current
        invoice("A", "10.00", 1),
        invoice("B", "20.00", 30),  # 1-30: 30.00
        invoice("C", "40.00", 45),  # 31-60
        invoice("D", "5.50", 90),  # 61-90
        invoice("E", "7.25", 91),
        invoice("F", "2.75", 365),  # 90+: 10.00
    ]
    statement = build_statement(
        "C1", "EUR", AS_OF, items, [credit("P-1", "50.00", AS_OF, CreditKind.PAYMENT)]
    )
    assert dict(statement.aging) == {
        "current": Decimal("80.00"),
        "1-30": Decimal("30.00"),
        "31-60": Decimal("40.00"),
        "61-90": Decimal("5.50"),
        "90+": Decimal("10.00"),
    }
    assert statement.balance == Decimal("165.50") - Decimal("50.00")
    assert statement.rows[-1].kind is RowKind.PAYMENT


def test_only_open_items_and_open_credits_of_the_currency_are_listed() -> None:
    items = [
        invoice("EUR", "100.00", 10),
        invoice("USD", "900.00", 10, currency="USD"),
        invoice("PAID", "0", 10, status=InvoiceStatus.PAID),
        invoice("VOID", "100.00", 10, status=InvoiceStatus.VOID),
    ]
    credits = [credit("CM-0", "0", AS_OF), credit("CM-1", "30.00", AS_OF)]
    statement = build_statement("C1", "EUR", AS_OF, items, credits)
    assert [r.reference for r in statement.rows] == ["EUR", "CM-1"]
    assert statement.balance == Decimal("70.00")


def test_an_invoice_goes_before_a_credit_of_the_same_day() -> None:
    same_day = date(2026, 8, 1)
    items = [invoice("X", "10.00", 1, issue_date=same_day)]
    statement = build_statement("C1", "EUR", AS_OF, items, [credit("A", "4.00", same_day)])
    assert [r.kind for r in statement.rows] == [RowKind.INVOICE, RowKind.CREDIT_MEMO]
    assert [r.balance for r in statement.rows] == [Decimal("10.00"), Decimal("6.00")]
