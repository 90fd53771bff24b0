"""SQS queue: SendMessageBatch of 10, failed entries retried, then a typed error; and
received messages postponed (their visibility timeout changed).

A batch can succeed as a request and still fail some entries (`Failed`); botocore's
retry modes retry whole requests only, so the failed entries are sent again here,
with tenacity's exponential backoff and full jitter between attempts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError
from tenacity import RetryCallState, Retrying, retry_if_result, stop_after_attempt
from tenacity import wait_random_exponential as full_jitter

from dunning.ports import TransientError

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 5
BACKOFF = full_jitter(multiplier=0.05, max=2.0)


def batched(items: Iterable[str], size: int) -> Iterator[list[str]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class SqsQueue:
    def __init__(self, client: Any, queue_url: str):
        self._client = client
        self._url = queue_url

    def send_all(self, bodies: Iterable[str]) -> int:
        sent = 0
        for chunk in batched(bodies, BATCH):
            self._send_batch({str(i): body for i, body in enumerate(chunk)})
            sent += len(chunk)
        return sent

    def send_later(self, body: str, delay_seconds: int) -> None:
        """One message, delivered after `delay_seconds` (0 to 900, SQS's limit)."""
        delay = max(0, min(900, int(delay_seconds)))
        self._client.send_message(QueueUrl=self._url, MessageBody=body, DelaySeconds=delay)

    def _send_batch(self, pending: dict[str, str]) -> None:
        def attempt() -> dict[str, str]:
            nonlocal pending
            entries = [{"Id": k, "MessageBody": v} for k, v in pending.items()]
            result = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = {f["Id"] for f in result.get("Failed", [])}
            pending = {k: v for k, v in pending.items() if k in failed}
            return pending

        left = Retrying(
            stop=stop_after_attempt(ATTEMPTS),
            wait=BACKOFF,
            retry=retry_if_result(bool),  # entries left; a raised error is not retried
            sleep=lambda seconds: time.sleep(seconds),  # looked up late: tests patch it
            retry_error_callback=_last_result,
        )(attempt)
        if left:
            raise TransientError(f"SQS refused {len(left)} message(s) after {ATTEMPTS} attempts")


def _last_result(state: RetryCallState) -> Any:
    """After the last attempt: what was still failing, rather than tenacity's RetryError."""
    assert state.outcome is not None
    return state.outcome.result()


MAX_VISIBILITY = 43_200  # SQS's limit: 12 hours


class SqsRedelivery:
    """The Redelivery port: received messages made invisible for a while, so they come
    back later (ChangeMessageVisibilityBatch, 10 at a time)."""

    def __init__(self, client: Any, queue_url: str):
        self._client = client
        self._url = queue_url

    def postpone(self, receipt_handles: Sequence[str], seconds: int) -> None:
        timeout = max(0, min(MAX_VISIBILITY, int(seconds)))
        for chunk in batched(receipt_handles, BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": h, "VisibilityTimeout": timeout}
                for i, h in enumerate(chunk)
            ]
            try:
                result = self._client.change_message_visibility_batch(
                    QueueUrl=self._url, Entries=entries
                )
            except ClientError as e:
                raise TransientError(f"SQS: {e.response.get('Error', {}).get('Code')}") from e
            if result.get("Failed"):
                raise TransientError(f"SQS kept {len(result['Failed'])} message(s) visible")
