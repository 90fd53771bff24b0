"""One render-and-send invocation: its SQS messages of letter jobs delivered in turn,
their ledger outcomes written together as the batch closes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from dunning.domain.configuration.config import Config
from dunning.domain.delivery.ledger import JobResult
from dunning.messages import LetterJob, SendLetters
from dunning.ports import (
    ConfigSource,
    Conflict,
    QuotaExhausted,
    TransientError,
)
from dunning.usecases.letter_outcomes import Outcomes, Recorded
from dunning.usecases.send_letter import SendDeps, send_one


class _ReadOnce:
    def __init__(self, source: ConfigSource) -> None:
        self._source = source
        self._config: Config | None = None

    def load(self) -> Config:
        if self._config is None:
            self._config = self._source.load()
        return self._config


def for_one_batch(deps: SendDeps) -> SendDeps:
    """The bundle for one batch of jobs: dunning.yaml is checked once per batch, not
    once per letter (a change applies from the next batch)."""
    return replace(deps, config=_ReadOnce(deps.config))


# A job is started only with this much of the invocation left: the slowest letter (two
# pages, S3, SES) and the outcomes' write fit in it many times over.
RESERVE_SECONDS = 20.0
# How long the messages left when SES stops taking mail (QuotaExhausted) wait before
# they come back: with the letter queue's maxReceiveCount of 5, four such waits span
# SES's rolling 24-hour quota window before a message could reach the DLQ.
QUOTA_WAIT_SECONDS = 6 * 3600


@dataclass
class MessageResult:
    outcomes: list[tuple[LetterJob, JobResult]] = field(default_factory=list)  # job order
    error: Exception | None = None  # the first failure: the message is to come back
    receipt_handle: str | None = None  # to postpone the message

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


class Received(Protocol):
    """An SQS message as received (Powertools' SQSRecord is one)."""

    @property
    def message_id(self) -> str: ...
    @property
    def receipt_handle(self) -> str: ...


class LetterBatch:
    """One invocation's messages: each delivered in turn (deliver), the outcomes of all
    written together as the batch closes (`with batch:`), before SQS deletes any of its
    messages. Once closed, each MessageResult tells what was recorded, and failing_too
    adds the messages whose outcomes were lost to the SQS response."""

    def __init__(self, deps: SendDeps, seconds_left: Callable[[], float] | None = None):
        self._deps = deps
        self._seconds_left = seconds_left or (lambda: float("inf"))
        self._outcomes = Outcomes(deps.repo)
        self._results: dict[str, MessageResult] = {}
        self._recorded = Recorded({}, frozenset())
        self._stopped: QuotaExhausted | None = None

    def deliver(self, msg: SendLetters, received: Received | str) -> MessageResult:
        """Every job of one message, in order. A job that fails does not stop the others
        (a throttled service does: the next job would meet it too; nor is a job started
        with less than RESERVE_SECONDS left); the result carries the first error. Once
        SES takes no more mail (QuotaExhausted), no job of the batch is started.
        `received` is the SQS message (its id alone where it will not be postponed)."""
        if isinstance(received, str):
            message_id, receipt_handle = received, None
        else:
            message_id, receipt_handle = received.message_id, received.receipt_handle
        result = self._results[message_id] = MessageResult(receipt_handle=receipt_handle)
        if self._stopped is not None:
            result.error = QuotaExhausted(f"not tried: {self._stopped}")
            return result
        for n, job in enumerate(msg.jobs):
            if self._seconds_left() < RESERVE_SECONDS:
                left = len(msg.jobs) - n
                result.error = result.error or TransientError(
                    f"out of time: {left} letter job(s) left for the message's next delivery"
                )
                break
            try:
                result.outcomes.append((job, send_one(job, self._deps, self._outcomes, message_id)))
            except Exception as e:
                result.error = result.error or e
                if isinstance(e, QuotaExhausted):
                    self._stopped = e
                if isinstance(e, TransientError):
                    break
        return result

    def __enter__(self) -> LetterBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        # Also when every message failed: the letters sent meanwhile are recorded. A
        # failure to write raises, and the whole batch comes back.
        self._recorded = recorded = self._outcomes.flush()
        for message_id, result in self._results.items():
            result.outcomes = [(j, recorded.taken.get(j.letter_id, o)) for j, o in result.outcomes]
            if message_id in recorded.failed_messages:
                result.error = result.error or Conflict(
                    f"message {message_id}: a letter is no longer this delivery's"
                )
        self._postpone_the_failed()

    def _postpone_the_failed(self) -> None:
        """After a QuotaExhausted the failed messages come back in QUOTA_WAIT_SECONDS (when
        the bundle has a redelivery), not at once to meet the same answer until they
        reach the DLQ. Also when every message failed (the handler raises then)."""
        if self._stopped is None or self._deps.redelivery is None:
            return
        failed = self._results.values()
        handles = [r.receipt_handle for r in failed if r.error is not None and r.receipt_handle]
        if handles:
            self._deps.redelivery.postpone(handles, QUOTA_WAIT_SECONDS)

    @property
    def results(self) -> dict[str, MessageResult]:
        """message id -> its result; final once the batch is closed."""
        return self._results

    def failing_too(self, response: dict[str, Any]) -> dict[str, Any]:
        """An SQS batch response ({"batchItemFailures": [...]}) with the messages whose
        outcomes were lost reported failed as well."""
        failures = response.setdefault("batchItemFailures", [])
        known = {f["itemIdentifier"] for f in failures}
        for message_id in sorted(self._recorded.failed_messages - known):
            failures.append({"itemIdentifier": message_id})
        return response
