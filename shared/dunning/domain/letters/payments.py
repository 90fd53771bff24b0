"""Payments matched back to their letters (SPEC 2.8): a payment whose RF reference
names a letter is shown in that letter's history. Pure: the references decide."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from dunning.domain.model import Credit, CreditKind
from dunning.domain.remittance import letter_of_reference


@dataclass(frozen=True, slots=True)
class PaymentMatch:
    letter_id: str
    credit_id: str
    payer_id: str  # the customer the payment is booked on
    amount: Decimal  # its unapplied amount as the ERP exported it
    date: date
    reference: str


def payment_matches(credits: Iterable[Credit]) -> list[PaymentMatch]:
    """The payments among `credits` whose reference names a letter of ours; a valid RF
    reference made by another system (or for another creditor) names none."""
    matches = []
    for credit in credits:
        reference = credit.payment_reference
        if credit.kind is not CreditKind.PAYMENT or not reference:
            continue
        letter_id = letter_of_reference(reference)
        if letter_id is not None:
            matches.append(
                PaymentMatch(
                    letter_id,
                    credit.credit_id,
                    credit.customer_id,
                    credit.amount_unapplied,
                    credit.date,
                    reference,
                )
            )
    return matches


def payments_record(matches: Iterable[PaymentMatch]) -> list[dict[str, Any]]:
    """The `payments` of a letter's history: oldest first, amounts as decimal strings."""
    ordered = sorted(matches, key=lambda m: (m.date, m.credit_id))
    return [
        {"credit_id": m.credit_id, "amount": str(m.amount), "date": m.date.isoformat()}
        for m in ordered
    ]
