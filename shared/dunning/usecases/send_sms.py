"""The sms channel of render-and-send (SPEC 2.9): opted-out numbers found and marked
before the claim, the text rendered before anything is handed over, then one Publish
per phone, after the email.

Exactly once as for email: one attempt per text; a known failure before anything was
handed over (SNS throttling the letter's first text, an sms-only letter) releases the
letter for SQS to retry; once a text or the email is out, a later known failure is
recorded on the letter (retrying would send what went already); an unknown outcome
(a crash after SNS accepted) leaves the letter claimed, for reconciliation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dunning.domain.model import Letter
from dunning.ports import (
    Clock,
    MessageRejected,
    OptedOut,
    PhoneMarks,
    SmsRenderer,
    SmsText,
    Texter,
    TransientError,
)


@dataclass
class SmsDeps:
    renderer: SmsRenderer
    texter: Texter
    marks: PhoneMarks


class Attempt(Protocol):
    """What the delivery of one letter records, and whether anything is out yet."""

    record: dict[str, Any]
    handed_over: bool


def opted_out(letter: Letter, phones: Sequence[str], deps: SmsDeps, clock: Clock) -> frozenset[str]:
    """The phones SNS says opted out, each marked (as a bounce marks an address), so the
    claim leaves them out from now on."""
    found = deps.texter.opted_out(phones)
    for phone in sorted(found):
        deps.marks.mark_phone(
            phone, clock.now(), "CheckIfPhoneNumberIsOptedOut: opted out", letter.letter_id
        )
    return found


def send_texts(
    letter: Letter,
    phones: Sequence[str],
    text: SmsText,
    deps: SmsDeps,
    clock: Clock,
    attempt: Attempt,
) -> None:
    """One Publish per phone, each result recorded in attempt.record["sms"]. Raises the
    TransientError of a first hand-over (nothing is out: the letter is retried whole);
    MessageRejected when no text was taken and nothing else went (the letter fails)."""
    sent: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    attempt.record["sms"] = {
        "text": text.text,
        "segments": text.segments,
        "language": text.language,
        "sent": sent,
        "failed": failed,
    }
    for phone in phones:
        before = attempt.handed_over
        attempt.handed_over = True  # from here the text may be with SNS
        try:
            message_id = deps.texter.send_text(phone, text.text)
        except OptedOut as e:
            attempt.handed_over = before
            deps.marks.mark_phone(phone, clock.now(), str(e), letter.letter_id)
            failed.append({"phone": phone, "error": str(e)[:300]})
        except (TransientError, MessageRejected) as e:
            attempt.handed_over = before  # SNS answered with an error: nothing was sent
            if isinstance(e, TransientError) and not before:
                raise
            failed.append({"phone": phone, "error": str(e)[:300]})
        else:
            sent.append({"phone": phone, "message_id": message_id})
    if not sent and not attempt.handed_over:
        errors = "; ".join(f["error"] for f in failed)
        raise MessageRejected(f"no text was taken: {errors}")
