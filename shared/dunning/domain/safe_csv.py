"""CSV cells that a spreadsheet opens as text, never as a formula (OWASP's CSV injection).

Shared by every CSV the service writes for people: import error reports, the print
queue's index and the print room's manifests.
"""

from __future__ import annotations

# What a spreadsheet may take for the start of a formula (OWASP's list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """`text`, prefixed with a single quote if a spreadsheet could run it."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def one_line(text: str) -> str:
    """A safe cell on one line: runs of white space (line breaks too) become one space."""
    return safe_cell(" ".join(text.split()))
