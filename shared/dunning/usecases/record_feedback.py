"""SES events arriving through SNS: bounces and complaints mark the addresses they
name (SPEC 2.5); later letters leave a marked address out, and are printed when nobody
is left to write to (send_letter's claim checks the marks in the same transaction).
Every delivery, open, click, bounce and complaint is also recorded on its letter, the
first time of each kind (SPEC 2.9, domain/delivery/tracking.py).

Both are idempotent: a redelivered notification writes the same mark again and
records nothing twice. An event about an email that names no letter on file is
logged and left (not an error: retrying cannot make the letter appear).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dunning.domain.delivery.feedback import FeedbackError, parse_feedback
from dunning.domain.delivery.tracking import TrackingEvent, tracking_event
from dunning.ports import Clock


class AddressBook(Protocol):
    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None: ...


class TrackedLetterLike(Protocol):
    @property
    def letter_id(self) -> str: ...


class TrackingRecords(Protocol):
    def tracked_letter(self, letter_id: str) -> TrackedLetterLike | None: ...
    def record_event(self, letter: Any, event: TrackingEvent) -> bool: ...


@dataclass
class FeedbackDeps:
    repo: AddressBook
    clock: Clock
    tracking: TrackingRecords | None = None  # None: events are not recorded on letters


@dataclass
class FeedbackResult:
    marked: list[str] = field(default_factory=list)  # "bounce" / "complaint", one per address
    ignored: list[str] = field(default_factory=list)  # why a message marked nothing
    letters: list[str] = field(default_factory=list)  # the letters that bounced, when named
    tracked: list[str] = field(default_factory=list)  # kinds recorded for the first time
    replayed: int = 0  # events of a kind already recorded: nothing counted
    unknown: int = 0  # events naming no letter on file: left

    def summary(self) -> dict[str, Any]:
        """Counts, reasons, kinds and letter ids only: the addresses are personal data."""
        return {
            "marked": len(self.marked),
            "ignored": self.ignored,
            "letters": self.letters,
            "tracked": self.tracked,
            "replayed": self.replayed,
            "unknown_letters": self.unknown,
        }


def record_feedback(messages: Iterable[str], deps: FeedbackDeps) -> FeedbackResult:
    """Each message is one SES notification (the SNS message body). One that is not
    SES feedback raises FeedbackError naming what is wrong: Lambda retries it, then
    it goes to the function's dead-letter queue."""
    result = FeedbackResult()
    for text in messages:
        feedback = parse_feedback(text)
        if feedback.ignored:
            result.ignored.append(feedback.ignored)
        for mark in feedback.marks:
            deps.repo.mark_address(
                mark.address, mark.reason, deps.clock.now(), mark.detail, mark.letter_id
            )
            result.marked.append(mark.reason)
            if mark.letter_id and mark.letter_id not in result.letters:
                result.letters.append(mark.letter_id)
        if deps.tracking is not None:
            _track(text, deps.tracking, result)
    return result


def _track(text: str, tracking: TrackingRecords, result: FeedbackResult) -> None:
    try:
        event = tracking_event(text)
    except FeedbackError as e:  # its marks are written: only the tracking is left out
        result.ignored.append(f"not tracked: {e}")
        return
    if event is None:
        return  # a kind not tracked (Send, DeliveryDelay...)
    letter = tracking.tracked_letter(event.letter_id) if event.letter_id else None
    if letter is None:
        result.unknown += 1
        return
    if tracking.record_event(letter, event):
        result.tracked.append(event.kind)
    else:
        result.replayed += 1
