"""What a thank-you template sees (SPEC 2.9): who writes, to whom, about which
scope, in the note's language. No amounts: the note thanks, it asks for nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.letters.view import (
    CompanyView,
    RecipientView,
    company_view,
    format_locale,
    formatter,
    recipient_view,
)
from dunning.domain.model import Customer


@dataclass(frozen=True, slots=True)
class ThanksView:
    reference: str  # the note's own id
    template: str
    language: str
    locale: str
    currency: str
    date: str  # today, long form
    last_letter_date: str  # the cycle's last letter, long form ("" when unknown)
    customer: RecipientView
    company: CompanyView


@dataclass(frozen=True, slots=True)
class ThanksNote:
    """The note as the view needs it (the engine's ThankYou, which letters don't know)."""

    thanks_id: str
    template: str
    currency: str
    last_letter_date: date | None


def build_thanks_view(
    note: ThanksNote, customer: Customer, subsidiary: Subsidiary, language: str, today: date
) -> ThanksView:
    locale = format_locale(language, customer.language, subsidiary.locale)
    fmt = formatter(locale, note.currency)
    last = note.last_letter_date
    return ThanksView(
        reference=note.thanks_id,
        template=note.template,
        language=language,
        locale=locale,
        currency=note.currency,
        date=fmt.long_day(today),
        last_letter_date=fmt.long_day(last) if last else "",
        customer=recipient_view(customer, subsidiary),
        company=company_view(subsidiary),
    )
