"""Reading one CSV cell: the value types of the import files (SPEC 3.2).

Each parser takes a cell already stripped and non-empty and returns the typed
value, or raises `CellError` with a reason code and a message for a person.
Raising only on bad input keeps the happy path free of exception handling
cost; results that repeat a lot (dates, currencies) are looked up, not parsed.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Set
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from itertools import filterfalse
from typing import TypeVar

from babel.localedata import locale_identifiers
from babel.numbers import list_currencies

from dunning.domain.bounds import DATE_RANGE, date_in_range
from dunning.domain.patterns import is_email
from dunning.domain.postal import country_by_name, country_codes, e164_hint, is_e164
from dunning.domain.remittance import InvalidReference, normalise_reference

E = TypeVar("E", bound=StrEnum)


class ErrorCode(StrEnum):
    """Why a row (or the file) was rejected; stable: reports and tests use them."""

    MISSING_VALUE = "missing_value"
    BAD_TYPE = "bad_type"
    BAD_DATE = "bad_date"
    NEGATIVE_AMOUNT = "negative_amount"
    REMAINING_EXCEEDS_AMOUNT = "remaining_exceeds_amount"
    DUE_BEFORE_ISSUE = "due_before_issue"
    UNKNOWN_CURRENCY = "unknown_currency"
    UNKNOWN_LANGUAGE = "unknown_language"
    BAD_EMAIL = "bad_email"
    BAD_ENUM = "bad_enum"
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_CUSTOMER = "unknown_customer"
    UNKNOWN_SUBSIDIARY = "unknown_subsidiary"
    FIELD_TOO_LONG = "field_too_long"
    WRONG_COLUMN_COUNT = "wrong_column_count"
    MALFORMED_ROW = "malformed_row"  # broken CSV quoting
    CONTROL_CHARACTER = "control_character"  # NUL and the like: binary data, not text
    BAD_PHONE = "bad_phone"
    UNKNOWN_COUNTRY = "unknown_country"
    BAD_REFERENCE = "bad_reference"  # not an ISO 11649 RF reference, or its check digits fail


class CellError(ValueError):
    """A cell that cannot be read; `code` says why, `message` says what to do."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- Control characters ------------------------------------------------------------

# C0 controls and DEL, but tab, line feed and carriage return (a quoted cell may
# span lines): no ERP text holds them, and a NUL breaks what stores or prints it.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_problem(text: str) -> str | None:
    """What is wrong with a cell holding a control character; None if it holds none."""
    found = CONTROL_CHARACTER.search(text)
    if found is None:
        return None
    code = ord(found.group())
    name = "NUL, " if code == 0 else ""
    return (
        f"holds the control character {name}U+{code:04X} at character {found.start() + 1}: "
        "remove it (is the file text exported from the ERP?)"
    )


# --- Dates -----------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Distinct dates in an export are few (issue and due dates repeat), so a parsed
# date is remembered; the cap keeps memory constant on files with odd dates.
_DATE_CACHE_MAX = 20_000
_date_cache: dict[str, date] = {}
# Not calendar.month_name: that follows the process locale, messages must not.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def parse_date(text: str) -> date:
    """A calendar date written YYYY-MM-DD (ISO 8601), nothing else."""
    found = _date_cache.get(text)
    if found is not None:
        return found
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        raise CellError(ErrorCode.BAD_TYPE, "not an ISO date: write it as YYYY-MM-DD")
    parsed = _calendar_date(*(int(part) for part in match.groups()))
    if len(_date_cache) >= _DATE_CACHE_MAX:
        _date_cache.clear()
    _date_cache[text] = parsed
    return parsed


def dates_valid(texts: Set[str]) -> bool:
    """True only if `parse_date` takes every text; remembered ones are not parsed again."""
    try:
        for text in filterfalse(_date_cache.__contains__, texts):
            parse_date(text)
    except CellError:
        return False
    return True


def _calendar_date(year: int, month: int, day: int) -> date:
    if year == 0:
        raise CellError(ErrorCode.BAD_DATE, "no such date: there is no year 0000")
    if not 1 <= month <= 12:
        raise CellError(ErrorCode.BAD_DATE, f"no such date: there is no month {month:02d}")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = _MONTHS[month - 1]
        raise CellError(ErrorCode.BAD_DATE, f"no such date: {name} {year} has {days} days")
    parsed = date(year, month, day)
    if not date_in_range(parsed):
        raise CellError(ErrorCode.BAD_DATE, f"out of range: dates go {DATE_RANGE}")
    return parsed


# --- Amounts ---------------------------------------------------------------------

_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]{1,2}")
_THOUSANDS = re.compile(r"-?[0-9]{1,3}(?:[,. '][0-9]{3})+(?:[.,][0-9]+)?")
_NUMBER_HINT = "write digits with '.' as the decimal point, e.g. 1234.50"


def parse_amount(text: str) -> Decimal:
    """A non-negative decimal amount with '.' as the decimal point."""
    if _PLAIN_DECIMAL.fullmatch(text) is None:
        raise CellError(ErrorCode.BAD_TYPE, _amount_problem(text))
    if text[0] == "-":  # "-0.00" too: a sign on a zero amount is a mistake all the same
        raise CellError(ErrorCode.NEGATIVE_AMOUNT, "must not be negative")
    return Decimal(text)


_PLAIN_AMOUNTS = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:\n[0-9]+(?:\.[0-9]+)?)*")


def amounts_valid(texts: Set[str]) -> bool:
    """True only if `parse_amount` takes every text: one regex over them all.

    A False only sends the texts to the exact cell-by-cell check.
    """
    return not texts or _PLAIN_AMOUNTS.fullmatch("\n".join(texts)) is not None


def _amount_problem(text: str) -> str:
    """The most helpful message for a cell that is not a plain decimal."""
    if _DECIMAL_COMMA.fullmatch(text):
        return f"decimal comma: use '.' as the decimal point ({text.replace(',', '.')})"
    if _THOUSANDS.fullmatch(text):
        return f"no thousands separators: {_NUMBER_HINT}"
    return f"not a number: {_NUMBER_HINT}"


# --- Booleans --------------------------------------------------------------------

_BOOLEANS = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}
BOOLEAN_WORDS = "true/false, yes/no or 1/0"


def parse_bool(text: str) -> bool:
    """true/false, yes/no or 1/0, in any letter case."""
    found = _BOOLEANS.get(text.lower())
    if found is None:
        raise CellError(ErrorCode.BAD_TYPE, f"not a boolean: use {BOOLEAN_WORDS}")
    return found


# --- Codes: currency, language, enumerations -------------------------------------


@cache
def _currencies() -> frozenset[str]:
    # CLDR's list (through babel) has the ISO 4217 codes, historic ones
    # included; XXX ("no currency") and XTS (testing) are not money.
    return frozenset(list_currencies()) - {"XXX", "XTS"}


def currencies_valid(texts: Set[str]) -> bool:
    return _currencies().issuperset(texts)


def parse_currency(text: str) -> str:
    """An ISO 4217 code in capitals, e.g. EUR."""
    if text in _currencies():
        return text
    hint = f": did you mean {text.upper()}?" if text.upper() in _currencies() else ""
    raise CellError(ErrorCode.UNKNOWN_CURRENCY, f"not an ISO 4217 currency code{hint}")


@cache
def _locales() -> frozenset[str]:
    return frozenset(locale_identifiers())


def parse_language(text: str) -> str:
    """A language (or locale) CLDR knows, written as in `nl` or `nl-BE`/`nl_BE`."""
    if text.replace("-", "_") in _locales():
        return text
    lower = text.lower()
    hint = f": did you mean {lower}?" if lower in _locales() else ""
    raise CellError(ErrorCode.UNKNOWN_LANGUAGE, f"not a known language code{hint}")


def enum_parser(kind: type[E]) -> Callable[[str], E]:
    """A parser accepting the enum's values in any letter case."""
    by_value = {member.value: member for member in kind}
    allowed = ", ".join(by_value)

    def parse(text: str) -> E:
        found = by_value.get(text.lower())
        if found is None:
            raise CellError(ErrorCode.BAD_ENUM, f"must be one of: {allowed}")
        return found

    return parse


def values_valid(values: Iterable[str]) -> Callable[[Set[str]], bool]:
    """A whole-set test for enum-like cells, in any letter case as their parsers."""
    allowed = frozenset(values)

    def all_valid(texts: Set[str]) -> bool:
        return allowed.issuperset(map(str.lower, texts))

    return all_valid


def choice_parser(allowed: tuple[str, ...]) -> Callable[[str], str]:
    """Like `enum_parser` for plain strings (contact roles)."""
    accepted = frozenset(allowed)
    listing = ", ".join(allowed)

    def parse(text: str) -> str:
        lower = text.lower()
        if lower not in accepted:
            raise CellError(ErrorCode.BAD_ENUM, f"must be one of: {listing}")
        return lower

    return parse


# --- E-mail addresses and lists ---------------------------------------------------


def parse_email(text: str) -> str:
    """One e-mail address."""
    if not is_email(text):
        if "," in text or ";" in text:
            raise CellError(ErrorCode.BAD_EMAIL, "one e-mail address only")
        raise CellError(ErrorCode.BAD_EMAIL, "not a valid e-mail address")
    return text


def parse_email_list(text: str) -> tuple[str, ...]:
    """Addresses separated by ';' (empty entries, as in a trailing ';', ignored)."""
    addresses = tuple(part for part in (p.strip() for p in text.split(";")) if part)
    for address in addresses:
        if not is_email(address):
            if "," in address:
                raise CellError(ErrorCode.BAD_EMAIL, "separate e-mail addresses with ';'")
            raise CellError(ErrorCode.BAD_EMAIL, f"not a valid e-mail address: {address}")
    return addresses


def parse_payment_reference(text: str) -> str:
    """An ISO 11649 creditor reference (RF...), spaces and letter case as people write it."""
    try:
        return normalise_reference(text)
    except InvalidReference as e:
        raise CellError(ErrorCode.BAD_REFERENCE, str(e)) from None


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags separated by '|'; blanks around and empty entries ignored."""
    return tuple(part for part in (p.strip() for p in text.split("|")) if part)


# --- Phone numbers and countries ---------------------------------------------------


def parse_phone(text: str) -> str:
    """An E.164 number: '+', the country code and the number, digits only."""
    if is_e164(text):
        return text
    hint = e164_hint(text)
    if hint is not None:
        raise CellError(ErrorCode.BAD_PHONE, f"write it in E.164, digits only: {hint}")
    raise CellError(
        ErrorCode.BAD_PHONE,
        "not an E.164 phone number: '+', the country code and the number, 8 to 15 digits",
    )


def countries_valid(texts: Set[str]) -> bool:
    return country_codes().issuperset(texts)


def parse_country(text: str) -> str:
    """An ISO 3166-1 alpha-2 code in capitals, e.g. NL."""
    if text in country_codes():
        return text
    upper = text.upper()
    named = country_by_name(text)
    if upper in country_codes():
        hint = f": did you mean {upper}?"
    elif upper == "UK":
        hint = ": the United Kingdom is GB"
    elif named is not None:
        hint = f": write its two-letter code, {named}"
    elif len(text) != 2:
        hint = ": write the two-letter code, e.g. NL, DE, US"
    else:
        hint = ""
    raise CellError(ErrorCode.UNKNOWN_COUNTRY, f"not an ISO 3166-1 alpha-2 country code{hint}")
