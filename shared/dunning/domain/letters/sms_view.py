"""A letter as its text message's template sees it (SPEC 2.9): the few facts a short
text carries, formatted for the letter's language, in plain characters (the link:
dunning.domain.sms.sms_link). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.letters.view import (
    DEFAULT_PAY_WITHIN_DAYS,
    format_locale,
    formatter,
    total_payable,
)
from dunning.domain.model import Customer, Letter
from dunning.domain.remittance import letter_reference
from dunning.domain.sms import gsm_fold, sms_link

MAX_COMPANY_CHARS = 40  # the sender's name in a text: long legal names are cut


@dataclass(frozen=True, slots=True)
class SmsView:
    letter_id: str
    template: str
    level: int
    language: str
    company: str  # the subsidiary's name in GSM letters where it can be, at most 40
    amount: str  # what we ask to be paid: amount due + fees + interest
    due_date: str  # the earliest due date of the letter's items
    pay_by: str
    link: str  # "" when the subsidiary has no payment page
    reference: str  # the RF reference, electronic form (no spaces)
    first_letter: bool


def build_sms_view(
    letter: Letter,
    customer: Customer,
    subsidiary: Subsidiary,
    language: str,
    today: date,
    *,
    pay_within_days: int = DEFAULT_PAY_WITHIN_DAYS,
) -> SmsView:
    locale = format_locale(language, customer.language, subsidiary.locale)
    fmt = formatter(locale, letter.currency)
    due = min((i.due_date for i in letter.items), default=today)
    company = gsm_fold(subsidiary.name)  # a sender's accents must not make it UCS-2
    if len(company) > MAX_COMPANY_CHARS:
        company = company[: MAX_COMPANY_CHARS - 3].rstrip() + "..."
    return SmsView(
        letter_id=letter.letter_id,
        template=letter.template,
        level=letter.level,
        language=language,
        company=company,
        # "août": GSM has no û; formatted values are folded like the sender's name
        amount=gsm_fold(fmt.money(total_payable(letter))),
        due_date=gsm_fold(fmt.day(due)),
        pay_by=gsm_fold(fmt.day(today + timedelta(days=pay_within_days))),
        link=sms_link(subsidiary.payment_url, letter.letter_id),
        reference=letter_reference(letter.letter_id) or letter.letter_id,
        first_letter=letter.is_first,
    )
