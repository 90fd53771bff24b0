"""The sms step of render-and-send (README "Channels"): what one Publish per phone does
to the letter when SNS answers with an error, before or after something went out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning.domain.model import Letter, ScopeKind
from dunning.ports import MessageRejected, OptedOut, SmsText, TransientError
from dunning.usecases.send_sms import SmsDeps, opted_out, send_texts

pytestmark = pytest.mark.unit

A, B = "+31612345678", "+31687654321"
LETTER = Letter(
    "L20260910-0000000000000001", datetime(2026, 9, 10).date(), "NL01", "C1",
    ScopeKind.CUSTOMER, "C1", "STD", 1, "friendly", "EUR", (),
)  # fmt: skip
TEXT = SmsText("en", "Acme: EUR 10.00 open", 1)


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 9, 10, 12, tzinfo=UTC)


@dataclass
class Texter:
    answers: dict[str, Exception] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    opted: frozenset[str] = frozenset()

    def send_text(self, phone: str, text: str) -> str:
        if phone in self.answers:
            raise self.answers[phone]
        self.sent.append(phone)
        return f"m-{phone}"

    def opted_out(self, phones: Any) -> frozenset[str]:
        return self.opted & set(phones)


@dataclass
class Marks:
    marked: list[tuple[str, str | None]] = field(default_factory=list)

    def mark_phone(self, phone: str, at: datetime, detail: str, letter_id: str | None) -> None:
        self.marked.append((phone, letter_id))


@dataclass
class Attempt:
    record: dict[str, Any] = field(default_factory=dict)
    handed_over: bool = False


def deps(texter: Texter, marks: Marks | None = None) -> SmsDeps:
    return SmsDeps(renderer=None, texter=texter, marks=marks or Marks())  # type: ignore[arg-type]


def test_each_phone_gets_its_text_and_the_letter_records_the_message_ids():
    texter, attempt = Texter(), Attempt()
    send_texts(LETTER, [A, B], TEXT, deps(texter), Clock(), attempt)
    assert texter.sent == [A, B] and attempt.handed_over
    assert attempt.record["sms"]["sent"] == [
        {"phone": A, "message_id": f"m-{A}"},
        {"phone": B, "message_id": f"m-{B}"},
    ]
    assert attempt.record["sms"]["segments"] == 1


def test_throttled_before_anything_went_the_letter_is_retried_whole():
    texter, attempt = Texter({A: TransientError("SNS: Throttled")}), Attempt()
    with pytest.raises(TransientError):
        send_texts(LETTER, [A, B], TEXT, deps(texter), Clock(), attempt)
    assert not attempt.handed_over and texter.sent == []


def test_throttled_after_one_text_went_the_rest_is_recorded_not_retried():
    texter, attempt = Texter({B: TransientError("SNS: Throttled")}), Attempt()
    send_texts(LETTER, [A, B], TEXT, deps(texter), Clock(), attempt)
    assert attempt.handed_over and texter.sent == [A]
    assert attempt.record["sms"]["failed"] == [{"phone": B, "error": "SNS: Throttled"}]


def test_an_opted_out_answer_marks_the_phone_and_the_next_one_is_texted():
    marks = Marks()
    texter, attempt = Texter({A: OptedOut("SNS: OptedOut: opted out")}), Attempt()
    send_texts(LETTER, [A, B], TEXT, deps(texter, marks), Clock(), attempt)
    assert marks.marked == [(A, LETTER.letter_id)] and texter.sent == [B]


def test_no_text_taken_and_nothing_else_sent_fails_the_letter():
    texter = Texter({A: MessageRejected("SNS: InvalidParameter: bad number")})
    with pytest.raises(MessageRejected, match="no text was taken"):
        send_texts(LETTER, [A], TEXT, deps(texter), Clock(), Attempt())
    emailed = Attempt(handed_over=True)  # the email went: the letter stays sent
    send_texts(LETTER, [A], TEXT, deps(texter), Clock(), emailed)
    assert emailed.record["sms"]["sent"] == []


def test_numbers_sns_reports_opted_out_are_marked_before_the_claim():
    marks = Marks()
    found = opted_out(LETTER, [A, B], deps(Texter(opted=frozenset({B})), marks), Clock())
    assert found == {B} and marks.marked == [(B, LETTER.letter_id)]
