"""Who changed what, and when (SPEC 2.10): the customer's activity log.

Every change a person or a machine makes through the API is recorded as one
activity of the customer it touched, with the caller's identity as the request
carried it. The log is append-only; an entry's key orders it by time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

UNKNOWN_ACTOR = "unknown"
LOCAL_ACTOR = "local"


class Action(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    PROMISE = "promise"
    SEND_NOW = "send_now"
    APPROVE = "approve"
    CANCEL = "cancel"
    RECONCILE = "reconcile"
    CLEAR_MARK = "clear_mark"


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
