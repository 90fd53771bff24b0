"""SPEC 2.9: SES's delivery, open, click, bounce and complaint events, recorded on the
letter the first time of each (domain/delivery/tracking.py)."""

from __future__ import annotations

import json

import pytest

from dunning.domain.delivery.feedback import FeedbackError
from dunning.domain.delivery.tracking import TrackingEvent, record, tracking_event
from dunning_local.ses_events import ses_event

pytestmark = pytest.mark.unit

LETTER = "L20260910-0123456789abcdef"


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("Delivery", "delivery"),
        ("Open", "open"),
        ("Click", "click"),
        ("Bounce", "bounce"),
        ("Complaint", "complaint"),
    ],
)
def test_each_event_kind_is_read_with_its_own_time_and_letter(event_type, kind):
    event = tracking_event(ses_event(event_type, LETTER, at="2026-09-10T08:00:05.123Z"))
    at, message = "2026-09-10T08:00:05.123Z", "0102018c-sample-message"
    assert event == TrackingEvent(kind, at, LETTER, message)


def test_times_are_kept_in_utc_to_the_millisecond():
    doc = json.loads(ses_event("Open", LETTER))
    doc["open"]["timestamp"] = "2026-09-10T10:00:05.5+02:00"
    event = tracking_event(json.dumps(doc))
    assert event is not None and event.at == "2026-09-10T08:00:05.500Z"


def test_an_event_of_an_email_without_our_header_names_no_letter():
    event = tracking_event(ses_event("Delivery", None))
    assert event is not None and event.letter_id is None


@pytest.mark.parametrize("other", ["Send", "Reject", "DeliveryDelay", "RenderingFailure"])
def test_other_event_kinds_are_not_tracked(other):
    doc = json.loads(ses_event("Delivery", LETTER)) | {"eventType": other}
    assert tracking_event(json.dumps(doc)) is None


def test_identity_notifications_are_not_tracked():
    doc = json.loads(ses_event("Bounce", LETTER))
    doc["notificationType"] = doc.pop("eventType")
    assert tracking_event(json.dumps(doc)) is None


def test_an_event_without_a_time_is_refused():
    doc = json.loads(ses_event("Open", LETTER))
    del doc["open"]["timestamp"], doc["mail"]["timestamp"]
    with pytest.raises(FeedbackError, match="timestamp"):
        tracking_event(json.dumps(doc))


def opened(at: str) -> TrackingEvent:
    return TrackingEvent("open", at, LETTER, "m")


def test_the_first_event_of_a_kind_is_recorded_and_counted():
    done = record({"delivery": "2026-09-10T08:00:02.000Z"}, opened("2026-09-10T09:00:00.000Z"))
    assert done.times == {
        "delivery": "2026-09-10T08:00:02.000Z",
        "open": "2026-09-10T09:00:00.000Z",
    }
    assert done.changed and done.counted


def test_a_replayed_or_later_event_changes_nothing():
    kept = {"open": "2026-09-10T09:00:00.000Z"}
    for at in ("2026-09-10T09:00:00.000Z", "2026-09-11T07:30:00.000Z"):
        done = record(kept, opened(at))
        assert (done.times, done.changed, done.counted) == (kept, False, False)


def test_an_earlier_event_arriving_late_moves_the_time_back_and_counts_nothing():
    done = record({"open": "2026-09-11T07:30:00.000Z"}, opened("2026-09-10T09:00:00.000Z"))
    assert done.times == {"open": "2026-09-10T09:00:00.000Z"}
    assert done.changed and not done.counted
