"""The letter ledger: one entry per letter, where it is in its life, and the steps
between states (README, "Exactly once")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from dunning.domain.model import Letter, LetterStatus

FINAL = frozenset(
    {
        LetterStatus.SENT,
        LetterStatus.PRINTED,
        LetterStatus.DROPPED,
        LetterStatus.CANCELLED,
        LetterStatus.FAILED,
        LetterStatus.NEEDS_RECONCILIATION,
    }
)


@dataclass(frozen=True)
class LedgerEntry:
    letter: Letter
    status: LetterStatus
    delivery: dict[str, Any]  # what delivery recorded: route, recipients, message id, errors


@dataclass(frozen=True)
class Transition:
    """Move `letter` to `to`, provided it is still in one of `allowed`, recording
    `delivery`."""

    letter: Letter
    allowed: tuple[LetterStatus, ...]
    to: LetterStatus
    delivery: dict[str, Any]


class JobSkipped(StrEnum):
    """Why a letter job did nothing: the ledger has no such letter, or another delivery
    of the same job holds it."""

    UNKNOWN = "unknown"
    TAKEN = "taken"


JobResult = LetterStatus | JobSkipped


@dataclass(frozen=True)
class UnaddressedLetter:
    """A letter put in the print queue though its recipient has no postal address: the
    print room cannot post it (SPEC 2.8), a person must see to it."""

    letter_id: str
    day: date
    customer_id: str
    subsidiary_id: str
