"""Sample letters for the letter tests: small, fixed, easy to check by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.model import (
    CreditKind,
    Customer,
    Instalment,
    Letter,
    LetterCredit,
    LetterItem,
    ScopeKind,
)
from dunning.domain.postal import PostalAddress

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
TODAY = date(2025, 3, 4)


def subsidiary(**changes: object) -> Subsidiary:
    fields: dict[str, object] = {
        "subsidiary_id": "NL01",
        "name": "Acme Nederland B.V.",
        "base_currency": "EUR",
        "timezone": "Europe/Amsterdam",
        "locale": "nl",
        "sender": "collections@acme.example",
        "reply_to": "ar@acme.example",
        "payment_url": "https://pay.acme.example/checkout",
        "iban": "NL91ABNA0417164300",
        "bic": "ABNANL2A",
        "address_lines": ("Keizersgracht 1", "1015 CJ Amsterdam"),
    }
    fields.update(changes)
    return Subsidiary(**fields)  # type: ignore[arg-type]


def customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "customer_id": "C-1001",
        "subsidiary_id": "NL01",
        "name": "Globex Retail GmbH",
        "emails": ("ap@globex.example",),
        "language": "de",
        "currency": "EUR",
        "address": PostalAddress("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


def two_invoice_letter(**changes: object) -> Letter:
    """SPEC 2.2's worked case: 10.00 at 90 days and 5,000.00 at 30 days."""
    fields: dict[str, object] = {
        "letter_id": "L20250304-0123456789abcdef",
        "as_of": TODAY,
        "subsidiary_id": "NL01",
        "customer_id": "C-1001",
        "scope": ScopeKind.CUSTOMER,
        "scope_id": "C-1001",
        "procedure_id": "STD",
        "level": 2,
        "template": "friendly",
        "currency": "EUR",
        "items": (
            LetterItem(
                invoice_id="I-1",
                number="INV-2024-0917",
                issue_date=date(2024, 11, 4),
                due_date=date(2024, 12, 4),
                amount=Decimal("10.00"),
                amount_remaining=Decimal("10.00"),
                days_overdue=90,
            ),
            LetterItem(
                invoice_id="I-2",
                number="INV-2025-0042",
                issue_date=date(2025, 1, 3),
                due_date=date(2025, 2, 2),
                amount=Decimal("5000.00"),
                amount_remaining=Decimal("5000.00"),
                days_overdue=30,
            ),
        ),
        # A level-2 letter after a first one: first letters are built with previous_date=None.
        "previous_date": date(2025, 2, 12),
        "previous_level": 1,
    }
    fields.update(changes)
    return Letter(**fields)  # type: ignore[arg-type]


def full_letter(template: str = "final", currency: str = "EUR", lines: int = 4) -> Letter:
    """A late-stage letter with everything on it: items, credits, fee, interest, plan."""
    items = tuple(
        LetterItem(
            invoice_id=f"I-{n}",
            number=f"INV-2024-{1000 + n}",
            issue_date=date(2024, 10, 1 + n % 28),
            due_date=date(2024, 11, 1 + n % 28),
            amount=Decimal("1250.00") + n * 100,
            amount_remaining=Decimal("1250.00") + n * 100 - (Decimal("250.00") if n == 1 else 0),
            days_overdue=123 - n % 28,
            interest=Decimal("12.34") + n,
        )
        for n in range(lines)
    )
    return Letter(
        letter_id="L20250304-fedcba9876543210",
        as_of=TODAY,
        subsidiary_id="NL01",
        customer_id="C-1001",
        scope=ScopeKind.CUSTOMER,
        scope_id="C-1001",
        procedure_id="STD",
        level=3,
        template=template,
        currency=currency,
        items=items,
        credits=(
            LetterCredit("CM-778", date(2025, 1, 15), Decimal("300.00")),
            LetterCredit("PAY-9912", date(2025, 2, 20), Decimal("120.50"), CreditKind.PAYMENT),
        ),
        fees=Decimal("40.00"),
        interest=sum((i.interest for i in items), Decimal(0)),
        previous_date=date(2025, 2, 2),
        previous_level=2,
        payment_plan=(
            Instalment(date(2025, 3, 31), Decimal("2000.00")),
            Instalment(date(2025, 4, 30), Decimal("2000.00")),
            Instalment(date(2025, 5, 30), Decimal("1162.86")),
        ),
    )
