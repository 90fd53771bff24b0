"""The grammars of e-mail addresses, IBANs and BICs: each written once.

The e-mail grammar is the one the MIME builder accepts (adapters/email_message.py
uses these patterns): an address that passes `is_email` can always be put in a
mail header, so a letter never fails on it after it was claimed. It is
deliberately pragmatic (what SES takes in practice): an ASCII local part of the
usual characters, no leading, trailing or doubled dots, and a domain of at least
two labels.
"""

from __future__ import annotations

import re

DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
ADDR_SPEC = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + DOMAIN.pattern
)
# RFC 5321 limits: a path of at most 254 characters, a local part of at most 64.
_MAX_ADDRESS = 254
_MAX_LOCAL_PART = 64

IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_WHITESPACE = re.compile(r"\s+")


def is_email(address: str) -> bool:
    """One plain address (`ar@acme.example`, no display name)."""
    return (
        len(address) <= _MAX_ADDRESS
        and ADDR_SPEC.fullmatch(address) is not None
        and address.index("@") <= _MAX_LOCAL_PART
    )


def normalise_iban(iban: str | None) -> str | None:
    """Compact upper-case IBAN if its ISO 13616 check digits hold, else None."""
    if not iban:
        return None
    compact = _WHITESPACE.sub("", iban).upper()
    if not IBAN.fullmatch(compact):
        return None
    # Country and check digits moved to the end, letters as numbers (A=10 ... Z=35):
    # the whole number mod 97 must be 1.
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return compact if int(digits) % 97 == 1 else None


def is_bic(bic: str) -> bool:
    """A BIC of 8 or 11 upper-case letters and digits, exactly as written."""
    return BIC.fullmatch(bic) is not None


def normalise_bic(bic: str | None) -> str | None:
    """The BIC without blanks, in upper case, if it is one; else None."""
    compact = _WHITESPACE.sub("", bic or "").upper()
    return compact if is_bic(compact) else None
