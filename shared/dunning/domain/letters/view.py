"""A letter as its templates see it: every amount and date already formatted.

Templates should only place text, never compute or format: that keeps the
arithmetic in one tested place and lets a deployer restyle letters safely.
Pure: Babel formats; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.letters.epc import epc_payload, epc_qr_data_uri, group_iban
from dunning.domain.model import Customer, Instalment, Letter, LetterCredit, LetterItem
from dunning.domain.patterns import normalise_bic, normalise_iban
from dunning.domain.remittance import letter_reference, printed

FALLBACK_LANGUAGE = "en"


DEFAULT_PAY_WITHIN_DAYS = 10

# Bounds on what one letter shows, so that rendering it (WeasyPrint has no timeout)
# stays within a known worst case, measured by bench/bench_render.py --worst. A
# longer letter lists the oldest items and says how many more there are; its totals
# still cover every item. Text is bounded as the import bounds its cells.
MAX_LISTED_ITEMS = 200
MAX_LISTED_CREDITS = 50
MAX_TEXT_CHARS = 255
MAX_ADDRESS_LINES = 6


@dataclass(frozen=True, slots=True)
class ItemView:
    number: str
    issue_date: str
    due_date: str
    amount: str
    remaining: str
    days_overdue: int
    is_overdue: bool
    interest: str  # "" when the level charges no interest


@dataclass(frozen=True, slots=True)
class CreditView:
    reference: str
    date: str
    amount: str
    kind: str  # "credit_memo" or "payment": templates pick the wording


@dataclass(frozen=True, slots=True)
class InstalmentView:
    number: int
    due_date: str
    amount: str


@dataclass(frozen=True, slots=True)
class TotalsView:
    items: str
    credits: str  # shown as a deduction, hence negative
    amount_due: str  # items - credits (SPEC 2.3)
    fees: str
    interest: str
    total: str  # what we ask to be paid: amount due + fees + interest
    has_credits: bool
    has_fees: bool
    has_interest: bool


@dataclass(frozen=True, slots=True)
class RecipientView:
    customer_id: str
    name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompanyView:
    """The letterhead: who writes and where replies go."""

    name: str
    address_lines: tuple[str, ...]
    sender: str | None
    reply_to: str | None
    iban: str | None  # grouped by four for reading
    bic: str | None


@dataclass(frozen=True, slots=True)
class LetterView:
    letter_id: str
    reference: str
    template: str  # the level's template name: upcoming, friendly, firm, final...
    level: int
    language: str
    locale: str
    currency: str
    date: str  # the letter's date, long form
    pay_by: str  # long form
    max_days_overdue: int
    customer: RecipientView
    company: CompanyView
    items: tuple[ItemView, ...]
    credits: tuple[CreditView, ...]
    totals: TotalsView
    payment_plan: tuple[InstalmentView, ...]
    payment_url: str | None
    epc_payload: str | None
    epc_qr: str | None  # data: URI of a PNG, for EUR letters with an IBAN
    # Items and credits beyond MAX_LISTED_*: counted, not listed (a statement of
    # account, when the level attaches one, lists them all).
    unlisted_items: int = 0
    unlisted_credits: int = 0
    paper: str = "a4"  # the subsidiary's sheet: the print layout places the window by it
    # The ISO 11649 RF reference to quote with a payment, printed in groups of four;
    # the letter id for a letter whose id gives none.
    payment_reference: str = ""
    # The scope's letter before this one: templates never speak of an earlier
    # reminder on a first letter. previous_date is long form, "" on a first letter.
    first_letter: bool = True
    previous_date: str = ""
    previous_level: int | None = None


def _language_tags(value: str | None) -> list[str]:
    """'de-CH' -> ['de_ch', 'de']: the exact tag first, then its language."""
    if not value:
        return []
    tag = value.strip().replace("-", "_").lower()
    base = tag.split("_", 1)[0]
    return [tag, base] if tag != base else [tag]


def choose_language(
    customer_language: str | None, subsidiary_locale: str | None, available: Iterable[str]
) -> str:
    """The customer's language if we have templates for it, else the subsidiary's, else en."""
    have = {tag.lower(): tag for tag in available}
    for candidate in (customer_language, subsidiary_locale):
        for tag in _language_tags(candidate):
            if tag in have:
                return have[tag]
    return FALLBACK_LANGUAGE


def format_locale(language: str, *preferred: str | None) -> str:
    """The most specific locale that speaks `language` (nl_BE beats nl for a Belgian entity)."""
    base = _language_tags(language)[-1] if language else FALLBACK_LANGUAGE
    matching = [
        locale
        for locale in map(_parse_locale, (*preferred, language))
        if locale is not None and locale.language == base
    ]
    regional = [locale for locale in matching if locale.territory]
    best = regional or matching
    return str(best[0]) if best else FALLBACK_LANGUAGE


def _parse_locale(value: str | None) -> Locale | None:
    if not value:
        return None
    try:
        return Locale.parse(value.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


@lru_cache(maxsize=64)
def _babel_locale(tag: str) -> Locale:
    """Parsed once per process: Babel would parse the tag again on every amount and date."""
    return Locale.parse(tag)


@dataclass(frozen=True, slots=True)
class Formatter:
    locale: Locale
    currency: str

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, self.currency, locale=self.locale)

    def day(self, value: date) -> str:
        return format_date(value, "medium", locale=self.locale)

    def long_day(self, value: date) -> str:
        return format_date(value, "long", locale=self.locale)


def formatter(locale: str, currency: str) -> Formatter:
    """Amounts in `currency` and dates, as `locale` writes them (a format_locale tag)."""
    return Formatter(locale=_babel_locale(locale), currency=currency)


def clip(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """At most `limit` characters, an ellipsis marking a cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def oldest(items: tuple[LetterItem, ...], limit: int) -> tuple[LetterItem, ...]:
    """The `limit` oldest items (earliest due date), in the letter's own order."""
    if len(items) <= limit:
        return items
    ranked = sorted(range(len(items)), key=lambda n: (items[n].due_date, n))
    kept = sorted(ranked[:limit])
    return tuple(items[n] for n in kept)


def _item_view(item: LetterItem, fmt: Formatter, charges_interest: bool) -> ItemView:
    return ItemView(
        number=clip(item.number),
        issue_date=fmt.day(item.issue_date),
        due_date=fmt.day(item.due_date),
        amount=fmt.money(item.amount),
        remaining=fmt.money(item.amount_remaining),
        days_overdue=item.days_overdue,
        is_overdue=item.days_overdue > 0,
        interest=fmt.money(item.interest) if charges_interest else "",
    )


def _credit_view(credit: LetterCredit, fmt: Formatter) -> CreditView:
    return CreditView(
        reference=clip(credit.credit_id),
        date=fmt.day(credit.date),
        amount=fmt.money(credit.amount_unapplied),
        kind=str(credit.kind),
    )


def _instalment_views(plan: tuple[Instalment, ...], fmt: Formatter) -> tuple[InstalmentView, ...]:
    return tuple(
        InstalmentView(number=n, due_date=fmt.day(i.due_date), amount=fmt.money(i.amount))
        for n, i in enumerate(plan, start=1)
    )


def total_payable(letter: Letter) -> Decimal:
    """Amount due plus the level's fee and interest: the figure we ask the customer to pay."""
    return letter.amount_due + letter.fees + letter.interest


def _totals_view(letter: Letter, fmt: Formatter) -> TotalsView:
    return TotalsView(
        items=fmt.money(letter.total_items),
        credits=fmt.money(-letter.total_credits),
        amount_due=fmt.money(letter.amount_due),
        fees=fmt.money(letter.fees),
        interest=fmt.money(letter.interest),
        total=fmt.money(total_payable(letter)),
        has_credits=bool(letter.credits),
        has_fees=letter.fees > 0,
        has_interest=letter.interest > 0,
    )


def payment_link(payment_url: str | None, letter_id: str) -> str | None:
    """The subsidiary's payment page with the letter id; only http(s), so no javascript: links."""
    if not payment_url:
        return None
    parts = urlsplit(payment_url.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        return None
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("letter", letter_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _epc(letter: Letter, subsidiary: Subsidiary) -> tuple[str | None, str | None]:
    if letter.currency != "EUR" or not subsidiary.iban:
        return None, None
    payload = epc_payload(
        name=subsidiary.name,
        iban=subsidiary.iban,
        amount=total_payable(letter),
        remittance=letter.letter_id,
        bic=subsidiary.bic,
        reference=letter_reference(letter.letter_id),
    )
    return payload, (epc_qr_data_uri(payload) if payload else None)


def _lines(values: Iterable[str]) -> tuple[str, ...]:
    lines = tuple(clip(v.strip()) for v in values if v and v.strip())
    return lines[:MAX_ADDRESS_LINES]


def company_view(subsidiary: Subsidiary) -> CompanyView:
    iban = normalise_iban(subsidiary.iban)
    return CompanyView(
        name=clip(subsidiary.name),
        address_lines=_lines(subsidiary.address_lines),
        sender=subsidiary.sender,
        reply_to=subsidiary.reply_to or subsidiary.sender,
        iban=group_iban(iban) if iban else None,
        bic=normalise_bic(subsidiary.bic),
    )


def recipient_view(customer: Customer, subsidiary: Subsidiary) -> RecipientView:
    return RecipientView(
        customer_id=customer.customer_id,
        name=clip(customer.name),
        address_lines=_lines(subsidiary.envelope_lines(customer.address)),
    )


def build_view(
    letter: Letter,
    customer: Customer,
    subsidiary: Subsidiary,
    language: str,
    today: date,
    *,
    pay_within_days: int = DEFAULT_PAY_WITHIN_DAYS,
) -> LetterView:
    """Everything a template needs, formatted for `language` and the letter's currency."""
    locale = format_locale(language, customer.language, subsidiary.locale)
    fmt = formatter(locale, letter.currency)
    charges_interest = letter.interest > 0 or any(i.interest > 0 for i in letter.items)
    payload, qr = _epc(letter, subsidiary)
    listed = oldest(letter.items, MAX_LISTED_ITEMS)
    return LetterView(
        letter_id=letter.letter_id,
        reference=letter.letter_id,
        template=letter.template,
        level=letter.level,
        language=language,
        locale=locale,
        currency=letter.currency,
        date=fmt.long_day(today),
        pay_by=fmt.long_day(today + timedelta(days=pay_within_days)),
        max_days_overdue=max((i.days_overdue for i in letter.items), default=0),
        customer=recipient_view(customer, subsidiary),
        company=company_view(subsidiary),
        items=tuple(_item_view(i, fmt, charges_interest) for i in listed),
        credits=tuple(_credit_view(c, fmt) for c in letter.credits[:MAX_LISTED_CREDITS]),
        totals=_totals_view(letter, fmt),
        payment_plan=_instalment_views(letter.payment_plan, fmt),
        payment_url=payment_link(subsidiary.payment_url, letter.letter_id),
        epc_payload=payload,
        epc_qr=qr,
        unlisted_items=len(letter.items) - len(listed),
        unlisted_credits=max(0, len(letter.credits) - MAX_LISTED_CREDITS),
        paper=str(subsidiary.paper),
        payment_reference=payment_reference(letter.letter_id),
        first_letter=letter.is_first,
        previous_date=fmt.long_day(letter.previous_date) if letter.previous_date else "",
        previous_level=letter.previous_level,
    )


def payment_reference(letter_id: str) -> str:
    """What the customer quotes with a payment: the letter's RF reference in print form."""
    reference = letter_reference(letter_id)
    return printed(reference) if reference else letter_id
