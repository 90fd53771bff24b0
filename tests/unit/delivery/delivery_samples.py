"""Small letters, customers and contacts for the delivery rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.model import Channel, Contact, Customer, Invoice, Letter, LetterItem, ScopeKind

AS_OF = date(2026, 9, 10)
SUB = Subsidiary(
    "NL01",
    "Acme Nederland B.V.",
    "EUR",
    "Europe/Amsterdam",
    "nl",
    sender="collections@acme.example",
    reply_to="ar@acme.example",
)


def customer(**changes: object) -> Customer:
    fields: dict[str, object] = {
        "customer_id": "C1",
        "subsidiary_id": "NL01",
        "name": "Bakkerij de Vries",
        "emails": ("admin@devries.example",),
    }
    fields.update(changes)
    return Customer(**fields)  # type: ignore[arg-type]


def contact(email: str, role: str | None = "dunning", department: str | None = None) -> Contact:
    return Contact("C1", email.split("@")[0], email, department, role)


def invoice(invoice_id: str, remaining: str, customer_id: str = "C1", **kw: object) -> Invoice:
    return Invoice(
        invoice_id,
        customer_id,
        f"NR-{invoice_id}",
        date(2026, 7, 1),
        date(2026, 8, 1),
        kw.pop("currency", "EUR"),  # type: ignore[arg-type]
        Decimal("100.00"),
        Decimal(remaining),
        **kw,  # type: ignore[arg-type]
    )


def item(inv: Invoice, interest: str = "0") -> LetterItem:
    return LetterItem(
        inv.invoice_id,
        inv.number,
        inv.issue_date,
        inv.due_date,
        inv.amount,
        inv.amount_remaining,
        (AS_OF - inv.due_date).days,
        Decimal(interest),
    )


def letter(*invoices: Invoice, **changes: object) -> Letter:
    fields: dict[str, object] = {
        "letter_id": "L20260910-0000000000000001",
        "as_of": AS_OF,
        "subsidiary_id": "NL01",
        "customer_id": "C1",
        "scope": ScopeKind.CUSTOMER,
        "scope_id": "C1",
        "procedure_id": "STD",
        "level": 1,
        "template": "friendly",
        "currency": "EUR",
        "items": tuple(item(i) for i in invoices),
        "channels": (Channel.EMAIL,),
    }
    fields.update(changes)
    return Letter(**fields)  # type: ignore[arg-type]
