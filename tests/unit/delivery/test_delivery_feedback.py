"""SPEC 2.5: SES bounces and complaints mark the address (and only those that should)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import SNSEvent

from dunning.domain.delivery.feedback import BOUNCE, COMPLAINT, FeedbackError, parse_feedback

pytestmark = pytest.mark.unit

MAIL = {
    "messageId": "0102-abc",
    "source": "collections@acme.example",
    "destination": ["admin@devries.example"],
    "headers": [
        {"name": "From", "value": "collections@acme.example"},
        {"name": "X-Dunning-Letter-Id", "value": "L20260910-0123456789abcdef"},
    ],
}


def bounce(kind="Permanent", *addresses, key="eventType"):
    return json.dumps(
        {
            key: "Bounce",
            "bounce": {
                "bounceType": kind,
                "bounceSubType": "General",
                "bouncedRecipients": [
                    {"emailAddress": a, "status": "5.1.1", "diagnosticCode": "smtp; 550 unknown"}
                    for a in addresses
                ],
            },
            "mail": MAIL,
        }
    )


def test_a_permanent_bounce_marks_each_recipient_named():
    fb = parse_feedback(bounce("Permanent", "Admin@Devries.example", "x@y.example"))
    assert [(m.address, m.reason) for m in fb.marks] == [
        ("admin@devries.example", BOUNCE),
        ("x@y.example", BOUNCE),
    ]
    mark = fb.marks[0]
    assert mark.detail == "Permanent/General 5.1.1 smtp; 550 unknown"
    assert (mark.letter_id, mark.message_id) == ("L20260910-0123456789abcdef", "0102-abc")


def test_identity_notifications_read_the_same():
    fb = parse_feedback(bounce("Permanent", "a@b.example", key="notificationType"))
    assert [m.address for m in fb.marks] == ["a@b.example"]


@pytest.mark.parametrize("kind", ["Transient", "Undetermined"])
def test_a_transient_bounce_marks_nothing(kind):
    fb = parse_feedback(bounce(kind, "a@b.example"))
    assert fb.marks == () and fb.ignored == f"a {kind}/General bounce marks no address"


def test_a_complaint_marks_the_complaining_recipient():
    text = json.dumps(
        {
            "eventType": "Complaint",
            "complaint": {
                "complainedRecipients": [{"emailAddress": "Angry <angry@x.example>"}],
                "complaintFeedbackType": "abuse",
            },
            "mail": MAIL,
        }
    )
    (mark,) = parse_feedback(text).marks
    assert (mark.address, mark.reason, mark.detail) == ("angry@x.example", COMPLAINT, "abuse")


def test_deliveries_and_other_events_mark_nothing():
    fb = parse_feedback(json.dumps({"eventType": "Delivery", "delivery": {}, "mail": MAIL}))
    assert fb.marks == () and fb.ignored == "Delivery events mark no address"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "SES feedback is not JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"hello": 1}', "neither eventType nor notificationType"),
        ('{"eventType": "Bounce"}', "without a 'bounce' object"),
        (
            '{"eventType": "Bounce", "bounce": {"bounceType": "Permanent"}}',
            "without a 'bouncedRecipients' list",
        ),
        (
            '{"eventType": "Complaint", "complaint": {"complainedRecipients": [{"x": 1}]}}',
            "every entry needs an emailAddress",
        ),
    ],
)
def test_what_is_not_ses_feedback_is_refused_with_a_reason(text, message):
    with pytest.raises(FeedbackError, match=message):
        parse_feedback(text)


def test_an_invalid_address_in_feedback_is_not_marked():
    fb = parse_feedback(bounce("Permanent", "no address at all"))
    assert fb.marks == () and fb.ignored == "no valid recipient named"


def test_the_sample_event_of_the_bounces_function_marks_its_recipient():
    events = Path(__file__).parents[3] / "events" / "bounces.json"
    (record,) = SNSEvent(json.loads(events.read_text())).records
    (mark,) = parse_feedback(record.sns.message).marks
    assert (mark.address, mark.letter_id) == (
        "crediteuren@vandermeulenbouw.example",  # NL1001 of examples/
        "L20260908-70d622cc8dcd4372",
    )
