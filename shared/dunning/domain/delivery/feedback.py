"""SES feedback (SPEC 2.5: "SES bounces and complaints mark the address").

SES publishes bounce and complaint events of the letters' configuration set to SNS
(`eventType`); identity notifications carry the same data as `notificationType`.
A permanent bounce or a complaint marks each recipient it names; a transient bounce
(mailbox full, out of office) marks nothing, and other events are ignored. Marked
addresses are left out of later letters, which fall back to print when nobody is
left to write to.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dunning.domain.delivery.routing import address_key
from dunning.domain.patterns import is_email

BOUNCE = "bounce"
COMPLAINT = "complaint"
LETTER_ID_HEADER = "X-Dunning-Letter-Id"
_ANGLED = re.compile(r"<([^<>]+)>\s*$")
_MAX_DETAIL = 500


class FeedbackError(ValueError):
    """A message on the feedback topic that is not SES feedback we can read."""


@dataclass(frozen=True)
class AddressMark:
    address: str  # address_key: trimmed, lower case
    reason: str  # bounce | complaint
    detail: str  # what SES said, for a person looking at the mark
    letter_id: str | None  # the letter that bounced, from its X-Dunning-Letter-Id header
    message_id: str | None  # SES's message id


@dataclass(frozen=True)
class Feedback:
    event: str  # Bounce, Complaint, Delivery...
    marks: tuple[AddressMark, ...]
    ignored: str | None = None  # why nothing is marked, when nothing is


def parse_feedback(text: str) -> Feedback:
    """One SNS message body from SES -> the addresses to mark."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise FeedbackError(f"SES feedback is not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise FeedbackError("SES feedback must be a JSON object")
    event = doc.get("eventType") or doc.get("notificationType")
    if not isinstance(event, str) or not event:
        raise FeedbackError("SES feedback has neither eventType nor notificationType")
    mail = doc.get("mail")
    mail = mail if isinstance(mail, dict) else {}
    letter_id, message_id = letter_id_of(mail), _text(mail.get("messageId"))
    if event == "Bounce":
        bounce = _section(doc, "bounce")
        kind = f"{bounce.get('bounceType', '?')}/{bounce.get('bounceSubType', '?')}"
        if bounce.get("bounceType") != "Permanent":
            return Feedback(event, (), f"a {kind} bounce marks no address")
        recipients = _recipients(bounce, "bouncedRecipients")
        marks = tuple(
            AddressMark(
                address,
                BOUNCE,
                _detail(kind, r.get("status"), r.get("diagnosticCode")),
                letter_id,
                message_id,
            )
            for address, r in recipients
        )
        return Feedback(event, marks, None if marks else "no valid recipient named")
    if event == "Complaint":
        complaint = _section(doc, "complaint")
        kind = _text(complaint.get("complaintFeedbackType")) or "complaint"
        recipients = _recipients(complaint, "complainedRecipients")
        marks = tuple(
            AddressMark(address, COMPLAINT, _detail(kind), letter_id, message_id)
            for address, _ in recipients
        )
        return Feedback(event, marks, None if marks else "no valid recipient named")
    return Feedback(event, (), f"{event} events mark no address")


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    section = doc.get(name)
    if not isinstance(section, dict):
        raise FeedbackError(f"SES {name} event without a {name!r} object")
    return section


def _recipients(section: dict[str, Any], field: str) -> list[tuple[str, dict[str, Any]]]:
    listed = section.get(field)
    if not isinstance(listed, list):
        raise FeedbackError(f"SES feedback without a {field!r} list")
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("emailAddress"), str):
            raise FeedbackError(f"{field}: every entry needs an emailAddress")
        raw = entry["emailAddress"].strip()
        angled = _ANGLED.search(raw)  # 'Name <addr>' -> addr
        address = address_key(angled.group(1) if angled else raw)
        if is_email(address) and address not in seen:
            seen.add(address)
            found.append((address, entry))
    return found


def letter_id_of(mail: dict[str, Any]) -> str | None:
    """The letter an SES event is about: its X-Dunning-Letter-Id header, if any."""
    headers = mail.get("headers")
    if not isinstance(headers, list):
        return None
    for header in headers:
        name = str(header.get("name", "")) if isinstance(header, dict) else ""
        if name.lower() == LETTER_ID_HEADER.lower():
            return _text(header.get("value"))
    return None


def _text(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _detail(*parts: Any) -> str:
    text = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return " ".join(text.split())[:_MAX_DETAIL]
