"""SES bounces and complaints arriving through SNS mark the addresses they name
(SPEC 2.5). Later letters leave a marked address out, and are printed when nobody is
left to write to (send_letter's claim checks the marks in the same transaction).

Marking is idempotent: a redelivered notification writes the same item again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from dunning.domain.delivery.feedback import parse_feedback
from dunning.ports import Clock


class AddressBook(Protocol):
    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None: ...


@dataclass
class FeedbackDeps:
    repo: AddressBook
    clock: Clock


@dataclass
class FeedbackResult:
    marked: list[str] = field(default_factory=list)  # "bounce" / "complaint", one per address
    ignored: list[str] = field(default_factory=list)  # why a message marked nothing
    letters: list[str] = field(default_factory=list)  # the letters that bounced, when named


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
    return result
