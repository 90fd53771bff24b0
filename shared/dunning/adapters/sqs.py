"""SQS queue: SendMessageBatch of 10, failed entries retried, then a typed error; and
received messages postponed (their visibility timeout changed)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from botocore.exceptions import ClientError

from dunning.ports import TransientError

BATCH = 10  # SendMessageBatch's limit
ATTEMPTS = 5


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
        for attempt in range(ATTEMPTS):
            entries = [{"Id": k, "MessageBody": v} for k, v in pending.items()]
            result = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            failed = {f["Id"] for f in result.get("Failed", [])}
            pending = {k: v for k, v in pending.items() if k in failed}
            if not pending:
                return
            time.sleep(0.05 * 2**attempt)
        raise TransientError(f"SQS refused {len(pending)} message(s) after {ATTEMPTS} attempts")


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
