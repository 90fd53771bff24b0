"""What the functions tell the people who run them: metrics in one CloudWatch namespace
(the alarms of template.yaml watch them), and log lines that carry the ids of what
they are about (README, "Failure modes and alarms")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from dunning.domain.imports.tracking import ObjectRef, s3_object_refs
from dunning.domain.model import LetterStatus

if TYPE_CHECKING:  # each handler imports only the use case it runs
    from dunning.domain.delivery.ledger import JobResult
    from dunning.usecases.import_run import ImportResult
    from dunning.usecases.letter_batch import MessageResult

NAMESPACE = "Dunning"  # every function's metrics; each function is its own `service`

# The final outcomes of letter jobs, as counted after a render-and-send batch closes.
LETTER_OUTCOMES = {
    LetterStatus.SENT: "LettersSent",
    LetterStatus.PRINTED: "LettersPrinted",
    LetterStatus.DROPPED: "LettersDropped",
    LetterStatus.FAILED: "LettersFailed",
    LetterStatus.NEEDS_RECONCILIATION: "LettersNeedingReconciliation",
}
SHARDS_EVALUATED = "ShardsEvaluated"
IMPORTS_ACCEPTED = "ImportsAccepted"
IMPORTS_REJECTED = "ImportsRejected"
RUNS_STARTED = "RunsStarted"
RUNS_SKIPPED_STALE = "RunsSkippedStale"  # the freshness guard held a subsidiary's run back
ADDRESSES_MARKED = "AddressesMarked"
PRINT_BATCHES_PUBLISHED = "PrintBatchesPublished"
PRINT_LETTERS_WITHOUT_ADDRESS = "PrintLettersWithoutAddress"  # listed apart, not posted
PRINT_DAYS_REPUBLISHED = "PrintDaysRepublished"  # a published day's queue changed after
API_SERVER_ERRORS = "ApiServerErrors"


def function_metrics(function: str) -> Metrics:
    return Metrics(namespace=NAMESPACE, service=function)


def count(metrics: Metrics, name: str, value: int) -> None:
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def report_outcomes(logger: Logger, metrics: Metrics, results: Iterable[MessageResult]) -> None:
    """The final outcome of each letter job of a closed batch: logged with the letter's
    id, and counted by outcome, zeros included (an alarm then sees data, not gaps)."""
    counts: Counter[JobResult] = Counter()
    for result in results:
        for job, outcome in result.outcomes:
            logger.info("letter delivered", extra={"letter_id": job.letter_id, "outcome": outcome})
            counts[outcome] += 1
    for status, name in LETTER_OUTCOMES.items():
        count(metrics, name, counts[status])


class _Carries(Protocol):
    @property
    def log_keys(self) -> Mapping[str, Any]: ...


M = TypeVar("M", bound=_Carries)


class _Keys:
    def __init__(self, logger: Logger) -> None:
        self._logger = logger
        self.names: set[str] = set()

    def add(self, **ids: Any) -> None:
        self._logger.append_keys(**ids)
        self.names |= ids.keys()

    def carried(self, message: M) -> M:
        """The message, its ids now on every log line of the block."""
        self.add(**message.log_keys)
        return message


@contextmanager
def correlated(logger: Logger, **ids: Any) -> Iterator[_Keys]:
    """Every log line of the block carries `ids` (and what is added on the way); an
    exception leaving it is logged at ERROR with them, then raised on (an SQS record
    then fails alone and comes back)."""
    keys = _Keys(logger)
    keys.add(**ids)
    try:
        yield keys
    except Exception:
        logger.exception("failed")
        raise
    finally:
        logger.remove_keys(keys.names)


def count_import(logger: Logger, metrics: Metrics, result: ImportResult) -> None:
    """One step of an import, logged with its key, counted if it ended the file's import."""
    logger.info("import step", extra=result.as_dict())
    count(metrics, IMPORTS_ACCEPTED, int(result.status == "imported"))
    count(metrics, IMPORTS_REJECTED, int(result.status == "rejected"))


def import_ids(event: dict[str, Any]) -> dict[str, Any]:
    """What an import run is about: the keys of the objects its event names (an S3
    notification, or the import queue's follow-ups, with their message ids)."""
    records = event.get("Records") or [{}]
    if records[0].get("eventSource") != "aws:sqs":
        return {"import_keys": [ref.key for ref in s3_object_refs(event)]}
    return {
        "message_ids": [r.get("messageId") for r in records],
        "import_keys": [_key_of(r.get("body", "")) for r in records],
    }


def _key_of(body: str) -> str | None:
    try:
        return ObjectRef.from_json(body).key
    except (ValueError, KeyError, TypeError):
        return None  # not a follow-up: the run fails on it, and is logged with its message id
