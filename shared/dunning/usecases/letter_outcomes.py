"""The ledger outcomes of a batch of letter jobs, held back and written together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dunning.domain.delivery.ledger import JobResult, Transition
from dunning.domain.model import LetterStatus


class OutcomeWriter(Protocol):
    def transition_letters(self, changes: Sequence[Transition]) -> frozenset[str]:
        """Each change as one conditional write would make it, in as few requests as
        the store allows; returns the ids of the letters found in another state."""
        ...


@dataclass(frozen=True)
class Recorded:
    taken: dict[str, JobResult]  # letter id -> its result, for the changes lost to another
    failed_messages: frozenset[str]  # the messages that must come back: an outcome is lost


class Outcomes:
    """Ledger outcomes (sent, printed, dropped) held back until the jobs of a whole batch
    of messages are done, then written together, each on its own condition. Nothing is
    acknowledged before (SQS deletes a batch's messages when the invocation returns)."""

    def __init__(self, repo: OutcomeWriter) -> None:
        self._repo = repo
        self._changes: dict[str, Transition] = {}  # letter id -> its outcome
        self._if_lost: dict[str, JobResult | None] = {}  # letter id -> result if lost, or fail
        self._message_of: dict[str, str] = {}  # letter id -> the message it came with

    def add(self, change: Transition, if_lost: JobResult | None = None, message: str = "") -> None:
        letter_id = change.letter.letter_id
        self._changes[letter_id] = change
        self._if_lost[letter_id] = if_lost
        self._message_of[letter_id] = message

    def waiting(self, letter_id: str) -> LetterStatus | None:
        """The outcome held back for this letter, if any."""
        change = self._changes.get(letter_id)
        return change.to if change else None

    def flush(self) -> Recorded:
        """Writes every outcome it can. A letter found in another state gets its
        `if_lost` result (TAKEN for a drop); a sent or printed letter found so (not ours
        any more: nothing moves a claimed letter meanwhile) fails its message. A failure
        to write at all raises: nothing of the batch is acknowledged then."""
        changes, self._changes = list(self._changes.values()), {}
        if not changes:
            return Recorded({}, frozenset())
        lost = self._repo.transition_letters(changes)
        return Recorded(
            {i: r for i in lost if (r := self._if_lost[i]) is not None},
            frozenset(self._message_of[i] for i in lost if self._if_lost[i] is None),
        )
