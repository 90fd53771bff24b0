"""Postal addresses and phone numbers (SPEC 2.8, 3.2): what a window envelope shows.

Pure: Babel's CLDR data gives the country codes and names; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.core import get_global

# CLDR lists regions that are not ISO 3166-1 alpha-2 countries: groupings (EU, EZ,
# UN, QO, ZZ), pseudo and user-assigned codes (XA, XB, XK), and the codes ISO keeps
# "exceptionally reserved" for the post and the ITU (AC, CP, CQ, DG, EA, IC, TA).
# What remains is exactly ISO 3166-1's list of officially assigned codes.
_NOT_ISO = frozenset(
    {"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB", "XK", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
)

# The parts of an address: customers.csv's column names (SPEC 3.2) and the
# PostalAddress fields they fill; stored items use the column names too.
ADDRESS_PARTS = {
    "address_line1": "line1",
    "address_line2": "line2",
    "address_line3": "line3",
    "postal_code": "postal_code",
    "city": "city",
    "region": "region",
    "country": "country",
}

# How the last line of an address is written (UPU S42 and the posts' own guides).
# City first, then region and postal code: North America and Australia.
_CITY_REGION_POSTCODE = frozenset({"US", "CA", "AU"})
# Postal code on a line of its own under the city.
_POSTCODE_OWN_LINE = frozenset({"GB", "IE", "IM", "JE", "GG"})

# E.164: a plus, the country code and the number, at most 15 digits in all; no
# country code starts with 0.
_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


@cache
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes, from CLDR through Babel."""
    names = map(str, Locale("en").territories)
    return frozenset(c for c in names if len(c) == 2 and c.isalpha() and c not in _NOT_ISO)


@cache
def _codes_by_name() -> dict[str, str]:
    # The names in the letter languages, so that "Nederland" or "Allemagne" is recognised.
    found: dict[str, str] = {}
    for language in ("en", "de", "fr", "nl"):
        for code, name in Locale(language).territories.items():
            if code in country_codes():
                found.setdefault(name.casefold(), code)
    return found


def country_by_name(name: str) -> str | None:
    """The code of a country written out (in en, de, fr or nl); None if unknown."""
    return _codes_by_name().get(name.strip().casefold())


def country_name(code: str, language: str) -> str:
    """The country's name in `language` (CLDR); the code itself if CLDR has none."""
    try:
        names = Locale.parse(language.replace("-", "_")).territories
    except (ValueError, TypeError):
        names = Locale("en").territories
    return str(names.get(code, code))


def home_country(timezone: str) -> str | None:
    """The country of a time zone (CLDR's zone territories): where a subsidiary posts from."""
    found = get_global("zone_territories").get(timezone)
    return str(found) if found and found in country_codes() else None


def is_e164(text: str) -> bool:
    return _E164.fullmatch(text) is not None


def e164_hint(text: str) -> str | None:
    """The number written as E.164 if only spaces, dots, dashes or brackets are in the way."""
    bare = _PHONE_PUNCTUATION.sub("", text)
    if bare.startswith("00"):
        bare = "+" + bare[2:]
    return bare if bare != text and is_e164(bare) else None


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A customer's postal address as the ERP gives it; every part optional but one line."""

    line1: str
    line2: str | None = None
    line3: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2

    def lines(self, *, posted_from: str | None, language: str) -> tuple[str, ...]:
        """The lines under the recipient's name, in the destination's order.

        A letter abroad ends with the country's name in capitals, in the sender's
        language (UPU S42: the posts of both countries must read it); a letter
        within the sender's country (or from an unknown one, to an unknown one)
        does not.
        """
        street = tuple(line for line in (self.line1, self.line2, self.line3) if line)
        abroad = self.country is not None and self.country != posted_from
        country = (country_name(self.country, language).upper(),) if abroad and self.country else ()
        return (*street, *self._town_lines(), *country)

    def _town_lines(self) -> tuple[str, ...]:
        parts = (self.postal_code, self.city, self.region)
        if not any(parts):
            return ()
        if self.country in _CITY_REGION_POSTCODE:
            region_code = " ".join(p for p in (self.region, self.postal_code) if p)
            return (", ".join(p for p in (self.city, region_code) if p),)
        if self.country in _POSTCODE_OWN_LINE:
            town = ", ".join(p for p in (self.city, self.region) if p)
            return tuple(p for p in (town, self.postal_code) if p)
        return (" ".join(p for p in parts if p),)

    @property
    def sort_key(self) -> tuple[str, str]:
        """Country, then postal code: the order a print room hands letters to the post."""
        return (self.country or "", self.postal_code or "")
