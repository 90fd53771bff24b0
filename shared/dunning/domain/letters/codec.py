"""Letters to and from plain JSON-able dicts: amounts as decimal strings, ISO dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dunning.domain.model import (
    Channel,
    CreditKind,
    Instalment,
    Letter,
    LetterCredit,
    LetterCycle,
    LetterItem,
    ScopeKind,
    Sending,
)
from dunning.domain.remittance import letter_reference


def letter_to_dict(letter: Letter) -> dict[str, Any]:
    return {
        "letter_id": letter.letter_id,
        "as_of": letter.as_of.isoformat(),
        "subsidiary_id": letter.subsidiary_id,
        "customer_id": letter.customer_id,
        "scope": str(letter.scope),
        "scope_id": letter.scope_id,
        "procedure_id": letter.procedure_id,
        "level": letter.level,
        "template": letter.template,
        "currency": letter.currency,
        "items": [_item(i) for i in letter.items],
        "credits": [
            {
                "credit_id": c.credit_id,
                "date": c.date.isoformat(),
                "amount_unapplied": str(c.amount_unapplied),
                "kind": str(c.kind),
            }
            for c in letter.credits
        ],
        "fees": str(letter.fees),
        "interest": str(letter.interest),
        "channels": [str(c) for c in letter.channels],
        "sending": str(letter.sending),
        "department": letter.department,
        "payment_plan": [
            {"due_date": p.due_date.isoformat(), "amount": str(p.amount)}
            for p in letter.payment_plan
        ],
        "previous_date": letter.previous_date.isoformat() if letter.previous_date else None,
        "previous_level": letter.previous_level,
        "print_too": letter.print_too,
    }


def _item(i: LetterItem) -> dict[str, Any]:
    return {
        "invoice_id": i.invoice_id,
        "number": i.number,
        "issue_date": i.issue_date.isoformat(),
        "due_date": i.due_date.isoformat(),
        "amount": str(i.amount),
        "amount_remaining": str(i.amount_remaining),
        "days_overdue": i.days_overdue,
        "interest": str(i.interest),
    }


def letter_from_dict(d: dict[str, Any]) -> Letter:
    return Letter(
        letter_id=d["letter_id"],
        as_of=date.fromisoformat(d["as_of"]),
        subsidiary_id=d["subsidiary_id"],
        customer_id=d["customer_id"],
        scope=ScopeKind(d["scope"]),
        scope_id=d["scope_id"],
        procedure_id=d["procedure_id"],
        level=int(d["level"]),
        template=d["template"],
        currency=d["currency"],
        items=tuple(
            LetterItem(
                invoice_id=i["invoice_id"],
                number=i["number"],
                issue_date=date.fromisoformat(i["issue_date"]),
                due_date=date.fromisoformat(i["due_date"]),
                amount=Decimal(i["amount"]),
                amount_remaining=Decimal(i["amount_remaining"]),
                days_overdue=int(i["days_overdue"]),
                interest=Decimal(i["interest"]),
            )
            for i in d["items"]
        ),
        credits=tuple(
            LetterCredit(
                c["credit_id"],
                date.fromisoformat(c["date"]),
                Decimal(c["amount_unapplied"]),
                CreditKind(c["kind"]),
            )
            for c in d["credits"]
        ),
        fees=Decimal(d["fees"]),
        interest=Decimal(d["interest"]),
        channels=tuple(Channel(c) for c in d["channels"]),
        sending=Sending(d["sending"]),
        department=d.get("department"),
        payment_plan=tuple(
            Instalment(date.fromisoformat(p["due_date"]), Decimal(p["amount"]))
            for p in d.get("payment_plan", [])
        ),
        # Letters queued before these were recorded read as first letters.
        previous_date=date.fromisoformat(d["previous_date"]) if d.get("previous_date") else None,
        previous_level=d.get("previous_level"),
        print_too=bool(d.get("print_too", False)),
    )


def letter_record(letter: Letter, status: str, delivery: dict[str, Any]) -> dict[str, Any]:
    """One line of letters.jsonl (SPEC 3.4): what was decided and what became of it."""
    return {
        "date": delivery.get("sent_on") or letter.as_of.isoformat(),
        "letter_id": letter.letter_id,
        "subsidiary_id": letter.subsidiary_id,
        "customer_id": letter.customer_id,
        "scope": str(letter.scope),
        "scope_id": letter.scope_id,
        "procedure_id": letter.procedure_id,
        "level": letter.level,
        "currency": letter.currency,
        "invoice_ids": list(letter.invoice_ids),
        "amount_due": str(letter.amount_due),
        "fees": str(letter.fees),
        "interest": str(letter.interest),
        "channels": delivery.get("channels", [str(c) for c in letter.channels]),
        "recipients": delivery.get("recipients", []),
        "language": delivery.get("language"),
        "status": status,
        "payment_reference": letter_reference(letter.letter_id),
    }


def cycle_to_dict(cycle: LetterCycle) -> dict[str, Any]:
    """A scope's letter cycle (SPEC 2.9) as stored with its state."""
    return {
        "procedure_id": cycle.procedure_id,
        "owed": [[invoice_id, str(amount)] for invoice_id, amount in cycle.owed],
        "unanswered": cycle.unanswered,
    }


def cycle_from_dict(d: dict[str, Any]) -> LetterCycle:
    return LetterCycle(
        procedure_id=d["procedure_id"],
        owed=tuple((str(i), Decimal(a)) for i, a in d["owed"]),
        unanswered=int(d.get("unanswered", 0)),
    )
