"""A bounce or complaint mark as collectors see it (SPEC 2.9): letters leave the address
out until a collector clears the mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EmailMark:
    address: str  # trimmed, lower case
    reason: str  # bounce | complaint
    at: datetime
    detail: str | None
    letter_id: str | None  # the letter that bounced, when SES told us


@dataclass(frozen=True)
class PhoneMark:
    """A number SNS reported opted out of texts: letters text it no more until a
    collector clears the mark (the customer opted in again with SNS)."""

    phone: str  # E.164
    reason: str  # opted_out
    at: datetime
    detail: str | None
    letter_id: str | None  # the letter that found it opted out
