"""What the collector's actions answer: the records the API turns into its responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.engine.by_hand import Skipped
from dunning.domain.model import Letter, Pause, Promise, ScopeKind
from dunning.messages import EvaluateShard


@dataclass(frozen=True)
class Paused:
    pause: Pause
    changed: bool  # False when the very same pause was already there


@dataclass(frozen=True)
class Resumed:
    target: ScopeKind
    target_id: str
    customer_id: str
    was_paused: bool
    evaluation: EvaluateShard


@dataclass(frozen=True)
class PromiseRecorded:
    promise: Promise
    created: bool
    paused_until: date


@dataclass(frozen=True)
class Preview:
    letter: Letter
    language: str
    subject: str
    text: str
    html: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class HandResult:
    customer_id: str
    owner_id: str
    as_of: date
    letters: tuple[LedgerEntry, ...] = ()
    previews: tuple[Preview, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class LetterPage:
    letters: list[LedgerEntry]
    more: bool
