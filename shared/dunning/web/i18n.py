"""The pages' languages (SPEC 3.3: en, de, fr, nl): the user's choice from a cookie, else
the best match of the browser's Accept-Language; labels from i18n/<language>.json
(keyed by the English text), amounts and dates formatted by Babel as the letters are."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LANGUAGES = ("en", "de", "fr", "nl")
DEFAULT_LANGUAGE = "en"
NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "nl": "Nederlands"}
LANGUAGE_COOKIE = "dunning_lang"
CATALOGUES = Path(__file__).parent / "i18n"

Translate = Callable[..., str]


@lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> dict[str, str]:
    """English text -> the language's (English's own: the words of enumerations)."""
    loaded: dict[str, str] = json.loads((CATALOGUES / f"{language}.json").read_text("utf-8"))
    return loaded


def translator(language: str) -> Translate:
    """`_("Paused until {day}", day=...)`: the label in `language`, then formatted."""
    labels = catalogue(language)

    def translate(text: str, **values: object) -> str:
        label = labels.get(text) or text
        return label.format(**values) if values else label

    return translate


def chosen(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's language if it is one of ours, else the browser's best, else English."""
    if cookie in LANGUAGES:
        return str(cookie)
    for tag in _preferred(accept_language or ""):
        base = tag.split("-")[0].split("_")[0].lower()
        if base in LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def _preferred(header: str) -> list[str]:
    """Accept-Language's tags, highest quality first (ties in the header's order)."""
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, n, tag))
    return [tag for _, _, tag in sorted(weighted)]


class Formats:
    """Amounts, numbers and dates as `language` writes them."""

    def __init__(self, language: str):
        self.locale = Locale.parse(language)

    def money(self, amount: object, currency: str) -> str:
        value = _decimal(amount)
        return "" if value is None else format_currency(value, currency, locale=self.locale)

    def number(self, value: object, digits: int = 0) -> str:
        found = _decimal(value)
        if found is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(found, format=pattern, locale=self.locale)

    def day(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime):
            return format_datetime(value, "medium", locale=self.locale)
        return format_date(value, "medium", locale=self.locale)


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
