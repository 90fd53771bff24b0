"""SES event records as the configuration set publishes them to SNS (the shapes of
"Contents of event data that Amazon SES publishes to Amazon SNS" in the SES developer
guide), for tests and benchmarks of the feedback function: each event's own object
(delivery, open, click, bounce, complaint) with its timestamp, and the `mail` object
with SES's messageId and the email's headers (ours carry X-Dunning-Letter-Id)."""

from __future__ import annotations

import json
from typing import Any

LETTER_ID_HEADER = "X-Dunning-Letter-Id"


def mail_object(letter_id: str | None, message_id: str, sent_at: str, to: str) -> dict[str, Any]:
    headers = [
        {"name": "From", "value": "Acme Collections <collections@acme.example>"},
        {"name": "To", "value": to},
        {"name": "Subject", "value": "Payment reminder"},
        {"name": "MIME-Version", "value": "1.0"},
    ]
    if letter_id is not None:
        headers.append({"name": LETTER_ID_HEADER, "value": letter_id})
    return {
        "timestamp": sent_at,
        "source": "collections@acme.example",
        "sourceArn": "arn:aws:ses:eu-west-1:123456789012:identity/acme.example",
        "sendingAccountId": "123456789012",
        "messageId": message_id,
        "destination": [to],
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": {
            "from": ["Acme Collections <collections@acme.example>"],
            "to": [to],
            "messageId": message_id,
            "subject": "Payment reminder",
        },
        "tags": {"ses:configuration-set": ["dunning-DeliveryEvents"]},
    }


def _section(kind: str, at: str, to: str) -> dict[str, Any]:
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    if kind == "Delivery":
        return {
            "timestamp": at,
            "processingTimeMillis": 1193,
            "recipients": [to],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
        }
    if kind == "Open":
        return {"ipAddress": "192.0.2.1", "timestamp": at, "userAgent": agent}
    if kind == "Click":
        return {
            "ipAddress": "192.0.2.1",
            "link": "https://pay.acme.example/letters/L1",
            "linkTags": {},
            "timestamp": at,
            "userAgent": agent,
        }
    if kind == "Bounce":
        return {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {
                    "emailAddress": to,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
            "timestamp": at,
            "feedbackId": "0102-feedback",
            "reportingMTA": "dsn; a8-70.smtp-out.amazonses.com",
        }
    if kind == "Complaint":
        return {
            "complainedRecipients": [{"emailAddress": to}],
            "timestamp": at,
            "feedbackId": "0102-feedback",
            "userAgent": agent,
            "complaintFeedbackType": "abuse",
            "arrivalDate": at,
        }
    raise ValueError(f"no sample for SES event {kind}")


def ses_event(
    kind: str,
    letter_id: str | None,
    *,
    at: str = "2026-09-10T08:00:05.123Z",
    message_id: str = "0102018c-sample-message",
    sent_at: str = "2026-09-10T08:00:01.000Z",
    to: str = "ap@customer.example",
) -> str:
    """One event record (the SNS message body): eventType Delivery, Open, Click, Bounce
    or Complaint."""
    doc = {
        "eventType": kind,
        "mail": mail_object(letter_id, message_id, sent_at, to),
        kind.lower(): _section(kind, at, to),
    }
    return json.dumps(doc)


def sns_event(*messages: str) -> dict[str, Any]:
    """A Lambda event of SNS records, one per message body."""
    topic = "arn:aws:sns:eu-west-1:123456789012:dunning-DeliveryEventsTopic"
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic}:0000",
                "Sns": {
                    "Type": "Notification",
                    "MessageId": f"00000000-0000-4000-8000-{n:012d}",
                    "TopicArn": topic,
                    "Subject": None,
                    "Message": message,
                    "Timestamp": "2026-09-10T08:00:06.000Z",
                    "SignatureVersion": "1",
                    "Signature": "local",
                    "SigningCertUrl": "",
                    "UnsubscribeUrl": "",
                    "MessageAttributes": {},
                },
            }
            for n, message in enumerate(messages)
        ]
    }
