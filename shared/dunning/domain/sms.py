"""Text messages (SPEC 2.9): how many SMS segments a text costs, and the bound on it.

A text that fits the GSM 03.38 alphabet (its basic set, plus the extension table whose
characters take two septets: an escape and the character) is sent in GSM-7: 160
septets in a single message, 153 per segment once it is split (the user data header
takes the rest). Any other character makes the whole text UCS-2: 70 UTF-16 units in
one message, 67 per segment. A segment never splits an escaped character or a
surrogate pair, as handsets reassemble whole characters.

Pure: no I/O.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dunning.domain.remittance import letter_reference

# At most this many segments per text: a reminder that needs more is a template (or
# configuration) error, refused, never cut. Three segments are 459 GSM-7 characters.
MAX_SEGMENTS = 3

# GSM 03.38 basic character set (the default alphabet), in table order.
# The escape (0x1B) is left out: it only introduces an extension character.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + the character, two septets.
GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# A payment link longer than this leaves too little of three segments for the words:
# the configuration check refuses a payment_url that makes one where a level texts.
MAX_LINK_CHARS = 100

GSM_SINGLE, GSM_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class Segments:
    encoding: Encoding
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text
    count: int  # SMS segments the text is sent in (0 for an empty text)


class SmsTooLong(ValueError):
    """A text over MAX_SEGMENTS segments; the message says by how much."""


def is_gsm7(text: str) -> bool:
    return all(ch in GSM_BASIC or ch in GSM_EXTENSION for ch in text)


def _sizes(text: str, encoding: Encoding) -> list[int]:
    """What each character takes: septets, or UTF-16 units."""
    if encoding is Encoding.GSM7:
        return [2 if ch in GSM_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _parts(sizes: list[int], per_part: int) -> int:
    """Segments of `per_part` units, each character whole in one segment."""
    count, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> Segments:
    """The encoding SNS sends `text` in and how many segments it takes."""
    encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    sizes = _sizes(text, encoding)
    units = sum(sizes)
    single, part = (GSM_SINGLE, GSM_PART) if encoding is Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    if units == 0:
        return Segments(encoding, 0, 0)
    count = 1 if units <= single else _parts(sizes, part)
    return Segments(encoding, units, count)


def checked(text: str, limit: int = MAX_SEGMENTS) -> Segments:
    """The segments of `text`; SmsTooLong when it needs more than `limit`."""
    found = segments(text)
    if found.count > limit:
        raise SmsTooLong(
            f"the text takes {found.count} SMS segments ({found.units} "
            f"{'septets' if found.encoding is Encoding.GSM7 else 'UCS-2 units'}, "
            f"{found.encoding}); at most {limit} are allowed"
        )
    return found


# Typography that formatting libraries put in (Babel's non-breaking spaces around
# amounts, dashes) and that would turn a whole text into UCS-2, with its plain GSM form.
_PLAIN = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u202f": " ",  # narrow no-break space (French amounts)
        "\u2009": " ",  # thin space
        "\u2007": " ",  # figure space
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2026": "...",
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def plain(text: str) -> str:
    """`text` with typographic spaces, dashes and quotes made plain, and every line
    break or run of spaces folded to one space: one line, as short as it reads."""
    folded = unicodedata.normalize("NFC", text).translate(_PLAIN)
    return " ".join(folded.split())


# Latin letters that decompose to no GSM letter, with their plain form.
_LATIN = str.maketrans(
    {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe"}
)


def gsm_fold(text: str) -> str:
    """A name as a text can carry it in GSM-7: each letter GSM lacks without its accent
    ("Łódź" -> "Lodz", "Ç" stays, GSM has it); a character with no such form stays as
    it is (and makes the text UCS-2)."""
    out = []
    for ch in plain(text):
        if ch in GSM_BASIC or ch in GSM_EXTENSION:
            out.append(ch)
            continue
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", ch.translate(_LATIN))
            if not unicodedata.combining(c)
        )  # fmt: skip
        out.append(bare if bare and is_gsm7(bare) else ch)
    return "".join(out)


def phone_key(phone: str) -> str:
    """How a phone number is compared and stored (opt-out marks): E.164 as imported,
    without spaces."""
    return "".join(phone.split())


def sms_link(payment_url: str | None, letter_id: str) -> str:
    """The link a text carries: the subsidiary's payment page with `ref=<the letter's RF
    reference>` (25 characters; the letter id for an id that gives none); "" without an
    http(s) payment page.

    Our own means, no third-party shortener: the RF reference names its letter
    (remittance.letter_of_reference: the day and the letter id's digest), so the
    payment page finds the letter without any lookup table, and the text shows the
    customer the reference a bank transfer quotes."""
    if not payment_url:
        return ""
    parts = urlsplit(payment_url.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        return ""
    ref = letter_reference(letter_id) or letter_id
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("ref", ref)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def link_length(payment_url: str) -> int:
    """How long the link gets for any letter of a subsidiary with this payment page."""
    return len(sms_link(payment_url, "L20260101-0000000000000000"))
