"""Email tracking (SPEC 2.9): SES's configuration set publishes delivery, open, click,
bounce and complaint events; each letter keeps the first time of each kind.

An event names its letter by the X-Dunning-Letter-Id header the letter was sent with
(SES's own message id is recorded beside it; SES replaces the Message-ID header).
Recording is idempotent: only an event of a kind not yet seen, or one earlier than
the time kept, changes anything, and only the first of each kind is counted on the
dashboard (per level of the letter's day). A replayed or duplicated event changes
nothing; an event naming no letter we know is logged and left.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dunning.domain.delivery.feedback import FeedbackError, letter_id_of

DELIVERY, OPEN, CLICK, BOUNCE, COMPLAINT = "delivery", "open", "click", "bounce", "complaint"
# SES's eventType -> the kind recorded, and the object of the event holding its time.
KINDS: dict[str, str] = {
    "Delivery": DELIVERY,
    "Open": OPEN,
    "Click": CLICK,
    "Bounce": BOUNCE,
    "Complaint": COMPLAINT,
}
# The dashboard's counts: letters delivered and opened (SPEC 2.7), and the others.
COUNTED = (DELIVERY, OPEN, CLICK, BOUNCE, COMPLAINT)


@dataclass(frozen=True)
class TrackingEvent:
    kind: str  # delivery | open | click | bounce | complaint
    at: str  # UTC, ISO 8601 to the millisecond ("2026-09-10T08:00:01.123Z"): sorts as time
    letter_id: str | None  # None: the email named no letter (not one of ours)
    message_id: str | None  # SES's


def tracking_event(text: str) -> TrackingEvent | None:
    """One SES event (the SNS message body) -> what to record, or None for an event
    kind that is not tracked (Send, Reject, DeliveryDelay...) or an identity
    notification (they carry no eventType). Raises FeedbackError for a body that is
    not an SES event."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise FeedbackError(f"SES event is not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise FeedbackError("SES event must be a JSON object")
    kind = KINDS.get(str(doc.get("eventType", "")))
    if kind is None:
        return None
    mail = _object(doc.get("mail"))
    section = _object(doc.get(kind))
    stamp = section.get("timestamp") or mail.get("timestamp")
    message_id = mail.get("messageId")
    return TrackingEvent(
        kind=kind,
        at=utc_millis(stamp),
        letter_id=letter_id_of(mail),
        message_id=message_id.strip()[:200] if isinstance(message_id, str) else None,
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def utc_millis(stamp: Any) -> str:
    """An SES timestamp as UTC to the millisecond, in one fixed form."""
    if not isinstance(stamp, str) or not stamp.strip():
        raise FeedbackError("SES event without a timestamp")
    try:
        parsed = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FeedbackError(f"SES event timestamp not ISO 8601: {stamp[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    at = parsed.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Recorded:
    times: Mapping[str, str]  # kind -> first time, after the event
    changed: bool  # anything to write
    counted: bool  # the first event of its kind: one more on the dashboard


def record(times: Mapping[str, str], event: TrackingEvent) -> Recorded:
    """The first time of each kind is kept: a new kind is recorded (and counted), an
    earlier time of a kind replaces the later one (events can arrive out of order;
    not counted again), anything else changes nothing."""
    kept = times.get(event.kind)
    if kept is not None and kept <= event.at:
        return Recorded(times, changed=False, counted=False)
    return Recorded(dict(times) | {event.kind: event.at}, changed=True, counted=kept is None)
