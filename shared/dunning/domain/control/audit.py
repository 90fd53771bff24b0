"""Who changed what, and when (SPEC 2.10): the customer's activity log.

Every change a person or a machine makes through the API is recorded as one
activity of the customer it touched, with the caller's identity as the request
carried it. The log is append-only; an entry's key orders it by time.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

UNKNOWN_ACTOR = "unknown"
LOCAL_ACTOR = "local"
IMPORT_ACTOR = "import"


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    PROMISE = "promise"
    SEND_NOW = "send_now"
    APPROVE = "approve"
    CANCEL = "cancel"
    RECONCILE = "reconcile"
    CLEAR_MARK = "clear_mark"
    IMPORT = "import"  # a file's rows written for the customer


@dataclass(frozen=True)
class Activity:
    customer_id: str
    at: datetime  # UTC
    action: Action
    actor: str
    target: str  # customer | invoice | invoice_group | letter | email
    target_id: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    # Unique and increasing in the order changes were made: under a fixed clock (a
    # simulated day) several changes share `at` and still keep their order.
    activity_id: str = ""

    @property
    def order_key(self) -> str:
        """Sorts entries by time (ISO text in UTC sorts as time does)."""
        return f"{self.at.isoformat(timespec='microseconds')}#{self.activity_id}"


@dataclass(frozen=True)
class Upload:
    """One uploaded file being imported: what its activity entries say of it."""

    key: str  # the object key under incoming/
    etag: str
    kind: str  # customers | contacts | invoice_groups | invoices | credits

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def upload_id(self) -> str:
        """Names this upload of the key (a new upload of the same name is another)."""
        return hashlib.sha256(f"{self.key}\n{self.etag}".encode()).hexdigest()[:16]


def import_activities(
    upload: Upload, customer_ids: Iterable[str], at: datetime, part: int, tick: str
) -> list[Activity]:
    """One entry per customer rows were written for (SPEC 2.10: the imports that
    touched it), with how many of the rows were its own (`customer_ids`: one per row).
    The id starts with `tick` (increasing, like a collector's change: the log keeps the
    order things happened in under a fixed clock) and ends with the upload and `part`,
    which a retry repeats (the log shows it once: `chunk_of`)."""
    counts = Counter(customer_ids)
    return [
        Activity(
            customer_id=customer,
            at=at,
            action=Action.IMPORT,
            actor=IMPORT_ACTOR,
            target="import",
            target_id=upload.name,
            detail={
                "file": upload.name,
                "key": upload.key,
                "type": upload.kind,
                "rows": n,
                "upload": upload.upload_id,
            },
            activity_id=f"{tick}-{upload.upload_id}-{part:012d}",
        )
        for customer, n in sorted(counts.items())
    ]


def chunk_of(a: Activity) -> str:
    """The upload and chunk an import entry records (its id without the tick)."""
    return a.activity_id.split("-", 1)[-1]
