"""The letter's remittance reference: an ISO 11649 structured creditor reference.

`RF` + two check digits + a body of at most 21 letters and digits; the check digits
are ISO 7064 MOD 97-10 over the body followed by `RF00`, letters read as 10..35.
The body is made from the letter id and back again, so a reference found on a
payment names its letter without any lookup table: the day (YYYYMMDD) followed by
the letter id's 64-bit digest in base 36, padded to 13 characters.

Pure: no I/O.
"""

from __future__ import annotations

import re

MAX_BODY = 21
_DIGITS36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGEST_WIDTH = 13  # 36**13 > 2**64: any 16-hex-digit digest fits
_LETTER_ID_RE = re.compile(r"L(?P<day>\d{8})-(?P<digest>[0-9a-f]{16})")
_REFERENCE_RE = re.compile(r"RF(?P<check>\d{2})(?P<body>[0-9A-Z]{1,21})")
_BODY_RE = re.compile(r"[0-9A-Z]{1,21}")


class InvalidReference(ValueError):
    """Not an ISO 11649 creditor reference; the message says what is wrong."""


def _as_number(text: str) -> int:
    """Letters become 10..35 (A..Z), digits stay: the ISO 7064 reading of the text."""
    return int("".join(str(_DIGITS36.index(ch)) for ch in text))


def check_digits(body: str) -> str:
    """The two check digits of `body` (ISO 7064 MOD 97-10, as ISO 11649 uses it)."""
    if not _BODY_RE.fullmatch(body):
        raise InvalidReference(f"a reference body is 1 to {MAX_BODY} letters or digits")
    return f"{98 - _as_number(body + 'RF00') % 97:02d}"


def creditor_reference(body: str) -> str:
    """RF + check digits + body, in the electronic form (no spaces)."""
    return f"RF{check_digits(body)}{body}"


def normalise_reference(text: str) -> str:
    """A reference as read from a file or typed: spaces dropped, letters upper case.
    InvalidReference unless it has the RF form and its check digits hold."""
    compact = "".join(text.split()).upper()
    match = _REFERENCE_RE.fullmatch(compact)
    if match is None:
        raise InvalidReference("not an RF creditor reference: RF, 2 digits, 1-21 letters/digits")
    if _as_number(match["body"] + "RF" + match["check"]) % 97 != 1:
        raise InvalidReference("the check digits of the RF reference do not match")
    return compact


def printed(reference: str) -> str:
    """Groups of four, as ISO 11649 asks a printed reference to be shown."""
    return " ".join(reference[i : i + 4] for i in range(0, len(reference), 4))


def letter_reference(letter_id: str) -> str | None:
    """The RF reference of a letter id made by `letter_id_for`; None for any other id."""
    match = _LETTER_ID_RE.fullmatch(letter_id)
    if match is None:
        return None
    number, digest = int(match["digest"], 16), ""
    while number:
        number, digit = divmod(number, 36)
        digest = _DIGITS36[digit] + digest
    return creditor_reference(match["day"] + digest.rjust(_DIGEST_WIDTH, "0"))


def letter_of_reference(reference: str) -> str | None:
    """The letter id a valid reference made by `letter_reference` names, else None."""
    body = normalise_reference(reference)[4:]
    if len(body) != MAX_BODY or not body[:8].isdigit():
        return None
    number = int(body[8:], 36)
    if number >= 1 << 64:
        return None
    return f"L{body[:8]}-{number:016x}"
