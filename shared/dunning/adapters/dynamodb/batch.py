"""BatchWriteItem in requests of 25, UnprocessedItems retried with backoff and jitter.

DynamoDB may accept a BatchWriteItem and still leave some of its items
unprocessed (throttling on a partition, a busy table): they come back in
`UnprocessedItems` and must be sent again, after a pause that grows, or the
retries only add to the pressure. PynamoDB resends them at once, and botocore's
retry modes never look inside a successful response; this writer waits between
attempts with tenacity's "full jitter" (AWS Architecture Blog, "Exponential
Backoff and Jitter"): a random pause between 0 and min(cap, base x 2^attempt),
so writers that were throttled together do not come back together.

Whole-request failures (throttling, 5xx, network) are retried first by the
botocore client itself; what is still failing then, or items still unprocessed
after `max_attempts` requests, becomes a `TransientError`: the event is
retried later (the import resumes from its checkpoint), nothing is lost
silently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pynamodb.exceptions import PutError, PynamoDBConnectionError
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt
from tenacity import wait_random_exponential as full_jitter

from dunning.adapters.dynamodb.errors import BATCH_TRANSIENT_CODES, typed
from dunning.adapters.dynamodb.models import Item
from dunning.ports import TransientError

BATCH = 25  # BatchWriteItem's limit
AttributeMap = dict[str, Any]  # an item in DynamoDB's wire format: {"pk": {"S": "..."}}


class BatchWriter:
    """Puts items (wire format) into one table, 25 per request, whatever their number."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        key_names: tuple[str, ...] = ("pk", "sk"),
        max_attempts: int = 8,
        base_delay: float = 0.05,
        max_delay: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._client = client
        self._table = table_name
        self._keys = key_names
        self._max_attempts = max_attempts
        # tenacity's n-th wait is uniform(0, min(cap, multiplier x 2^(n-1))): base x 2^n
        self._wait = full_jitter(multiplier=2 * base_delay, max=max_delay)
        self._sleep = sleep

    @property
    def client(self) -> Any:
        """The low-level DynamoDB client (a benchmark hooks its events)."""
        return self._client

    @property
    def table_name(self) -> str:
        return self._table

    def put_all(self, items: Iterable[AttributeMap]) -> int:
        """Write every item (an upsert each); returns how many were written.

        Two puts of one key may not share a request (DynamoDB rejects the
        request): a repeated key closes the batch, so the later row wins, as
        it would row by row.
        """
        count = 0
        batch: list[AttributeMap] = []
        keys: set[tuple[str, ...]] = set()
        for item in items:
            key = self._key(item)
            if key in keys or len(batch) == BATCH:
                self._send(batch)
                batch, keys = [], set()
            batch.append(item)
            keys.add(key)
            count += 1
        if batch:
            self._send(batch)
        return count

    def _send(self, batch: list[AttributeMap]) -> None:
        pending: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in batch]

        def attempt() -> list[dict[str, Any]]:
            nonlocal pending
            response = self._call({self._table: pending})
            pending = response.get("UnprocessedItems", {}).get(self._table, [])
            return pending

        # Retried while items are left; an exception is not retried here (botocore
        # already retried the request), and after the last attempt what is left is
        # returned rather than raised as tenacity's RetryError.
        left = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_result(bool),
            sleep=self._sleep,
            retry_error_callback=_last_result,
        )(attempt)
        if left:
            raise TransientError(
                f"DynamoDB left {len(left)} of {len(batch)} items unprocessed "
                f"after {self._max_attempts} BatchWriteItem attempts on {self._table}"
            )

    def _call(self, request_items: dict[str, Any]) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self._client.batch_write_item(RequestItems=request_items)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in BATCH_TRANSIENT_CODES:
                raise TransientError(f"DynamoDB BatchWriteItem: {code}") from e
            raise
        except (BotoConnectionError, ReadTimeoutError) as e:
            raise TransientError(f"DynamoDB BatchWriteItem: {e}") from e
        return result

    def _key(self, item: AttributeMap) -> tuple[str, ...]:
        try:
            return tuple(str(item[name]) for name in self._keys)
        except KeyError as missing:
            raise ValueError(f"an item has no key attribute {missing}") from None


def _last_result(state: RetryCallState) -> Any:
    assert state.outcome is not None
    return state.outcome.result()


def write(items: Iterable[Item], writer: BatchWriter | None = None) -> int:
    """Put every item; returns how many. Through `writer` when one is given (the
    import's: UnprocessedItems retried with backoff), else PynamoDB's batch (25)."""
    if writer is not None:
        return writer.put_all(it.serialize() for it in items)
    count = 0
    try:
        with Item.batch_write() as batch:
            for it in items:
                batch.save(it)
                count += 1
    except (PutError, PynamoDBConnectionError) as e:
        raise typed(e) from e
    return count
