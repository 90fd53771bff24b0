"""PynamoDB's errors read in one place: which condition failed, what is worth retrying."""

from __future__ import annotations

from pynamodb.exceptions import TransactWriteError

from dunning.ports import TransientError

CONDITION_FAILED = "ConditionalCheckFailed"  # a cancellation reason's code

# What the import's BatchWriter reports as TransientError once botocore's own retries
# are spent: the import resumes from its checkpoint, so server errors count too.
BATCH_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "LimitExceededException",
    }
)


def is_conditional(e: Exception) -> bool:
    """A single-item write refused by its condition."""
    return getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException"


def typed(e: Exception) -> Exception:
    """Throttling as the port's TransientError (the event is retried); anything else as is."""
    code = getattr(e, "cause_response_code", None) or ""
    if "Throttl" in code or code in {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }:
        return TransientError(str(e))
    return e


def cancellation_codes(e: TransactWriteError) -> list[str | None]:
    """Each action's reason for cancelling the transaction, in the order they were added."""
    return [r.code if r is not None else None for r in e.cancellation_reasons or []]


def failed_conditions(e: TransactWriteError) -> list[bool]:
    """For each action of a cancelled transaction: whether its own condition failed."""
    return [code == CONDITION_FAILED for code in cancellation_codes(e)]


def first_condition_failed(e: TransactWriteError) -> bool:
    failed = failed_conditions(e)
    return bool(failed) and failed[0]
