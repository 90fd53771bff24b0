"""File names a person reads: the PDFs attached to an email or stored for print."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_PART = 60


def _safe(text: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only: accents folded, anything
    else (slashes, spaces, quotes, line breaks) a dash; never empty, never a dot first."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE_RE.sub("-", folded).strip("-.")[:_MAX_PART] or "x"


def document_file_name(word: str, day: date, customer_id: str) -> str:
    """`Mahnung-2026-09-01-DE2011.pdf`: what it is (in the letter's language), its date
    and the customer's number, rather than an internal id."""
    return f"{_safe(word)}-{day.isoformat()}-{_safe(customer_id)}.pdf"
