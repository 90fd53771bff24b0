"""The send_letter use case's decisions, with an in-memory ledger that keeps the real
contract (conditional transitions, a claim that checks bounce marks). The same paths
run against the embedded AWS in tests/integration/test_delivery.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from delivery_samples import AS_OF, SUB, customer, invoice, letter

from dunning.domain.configuration.config import Config, Level, Procedure
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.delivery.refresh import CustomerRecords
from dunning.domain.model import Channel, InvoiceStatus, Letter, Pause, PauseReason, ScopeKind
from dunning.messages import LetterJob, SendLetters
from dunning.ports import (
    Conflict,
    LetterTooLong,
    MessageRejected,
    Pdf,
    QuotaExhausted,
    RenderedLetter,
    TransientError,
)
from dunning.usecases.letter_batch import (
    QUOTA_WAIT_SECONDS,
    RESERVE_SECONDS,
    LetterBatch,
    MessageResult,
    for_one_batch,
)
from dunning.usecases.send_letter import SendDeps

pytestmark = pytest.mark.unit


def send_letters(message: SendLetters, deps: SendDeps, seconds_left: Any = None) -> MessageResult:
    """One message delivered as a batch of its own, its outcomes written as it closes."""
    with LetterBatch(deps, seconds_left) as batch:
        result = batch.deliver(message, "m-1")
    return result


def send_letter(job: LetterJob, deps: SendDeps) -> str:
    """One job, alone in its message and batch; its state after, or what failed it."""
    result = send_letters(SendLetters((job,)), deps)
    result.raise_for_error()
    return result.outcomes[0][1]


I1 = invoice("I1", "100.00")
CONFIG = Config((SUB,), (Procedure("STD", ScopeKind.CUSTOMER, (Level(1, 1, "friendly"),)),))


@dataclass
class Ledger:
    entries: dict[str, list[Any]] = field(default_factory=dict)  # id -> [letter, status, record]
    records: dict[str, CustomerRecords] = field(default_factory=dict)
    marks: set[str] = field(default_factory=set)
    history: list[str] = field(default_factory=list)
    writes: int = 0  # calls of transition_letters: one per message
    unaddressed: list[str] = field(default_factory=list)  # letters printed without address

    def mark_unaddressed(self, entry: Any) -> None:
        self.unaddressed.append(entry.letter_id)

    def sending_view(self, customer_id: str, letter_id: str) -> Any:
        found = self.entries.get(letter_id)
        entry = LedgerEntry(*found) if found else None
        return entry, self.records.get(customer_id, CustomerRecords(None))

    def customer_records(self, customer_id: str) -> CustomerRecords:
        return self.records.get(customer_id, CustomerRecords(None))

    def claim_letter(self, letter: Letter, delivery: dict, addresses: Any) -> frozenset[str]:
        hit = frozenset(a.lower() for a in addresses) & self.marks
        if self.entries[letter.letter_id][1] != "queued":
            raise Conflict("no longer queued")
        if hit:
            return hit
        self.transition_letter(letter, "queued", "claimed", delivery)
        return frozenset()

    def transition_letters(self, changes: Any) -> frozenset[str]:
        lost = set()
        for change in changes:
            try:
                self.transition_letter(change.letter, change.allowed, change.to, change.delivery)
            except Conflict:
                lost.add(change.letter.letter_id)
        self.writes += 1
        return frozenset(lost)

    def transition_letter(self, letter: Letter, from_status: Any, to: str, record: dict) -> None:
        allowed = [from_status] if isinstance(from_status, str) else list(from_status)
        if self.entries[letter.letter_id][1] not in allowed:
            raise Conflict(f"no longer {from_status}")
        self.entries[letter.letter_id] = [letter, to, record]
        self.history.append(to)


@dataclass
class Renderer:
    fail_for: set[str] = field(default_factory=set)  # customers whose letter cannot render
    days: list[date] = field(default_factory=list)  # the `today` of each letter rendered
    statements: list[Any] = field(default_factory=list)

    def render(self, letter: Letter, customer: Any, config: Any, today: Any) -> Any:
        self.days.append(today)
        if letter.customer_id in self.fail_for:
            raise RuntimeError(f"template error for {letter.customer_id}")
        return "en", RenderedLetter(
            "Reminder", "<p>html</p>", "text", "<p>print</p>", "Reminder-2026-09-01-C1.pdf"
        )

    def render_statement(self, statement: Any, *args: Any) -> tuple[str, str]:
        self.statements.append(statement)
        return "Statement-2026-09-01-C1.pdf", "<p>statement</p>"


class PdfMaker:
    def render(self, html: str) -> bytes:
        return b"%PDF-1.7"

    def render_document(self, html: str) -> Pdf:
        return Pdf(b"%PDF-1.7", 1)


@dataclass
class Mailer:
    fail: Exception | None = None
    sent: list[Any] = field(default_factory=list)
    during: Any = None  # called while "sending": a duplicate delivery arriving meanwhile
    attachments: list[list[str]] = field(default_factory=list)  # file names, per email

    def send(self, envelope: Any, letter: Any, pdf: Any) -> str:
        if self.during:
            self.during()
        if self.fail:
            raise self.fail
        self.sent.append(envelope)
        self.attachments.append([a.filename for a in pdf])
        return f"ses-{len(self.sent)}"


@dataclass
class Documents:
    objects: dict[str, bytes] = field(default_factory=dict)

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)


class Config1:
    loads = 0

    def load(self) -> Config:
        Config1.loads += 1
        return CONFIG


class Clock:
    def now(self) -> datetime:
        return datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, tzinfo=UTC)


def setup(*, status="queued", record=None, mailer=None, **cust) -> tuple[SendDeps, Ledger]:
    evaluated = letter(I1)
    ledger = Ledger()
    ledger.entries[evaluated.letter_id] = [evaluated, status, record or {}]
    ledger.records["C1"] = CustomerRecords(customer(**cust), invoices=(I1,))
    deps = SendDeps(
        Config1(), ledger, Renderer(), PdfMaker(), mailer or Mailer(), Documents(), Clock()
    )
    return deps, ledger


JOB = LetterJob("C1", letter(I1).letter_id)


def status(ledger: Ledger) -> str:
    return ledger.entries[JOB.letter_id][1]


def test_a_letter_is_claimed_sent_and_recorded():
    deps, ledger = setup()
    assert send_letter(JOB, deps) == "sent"
    assert ledger.history == ["claimed", "sent"]
    record = ledger.entries[JOB.letter_id][2]
    assert (record["recipients"], record["message_id"], record["pages"]) == (
        ["admin@devries.example"],
        "ses-1",
        1,
    )


@pytest.mark.parametrize("final", ["sent", "printed", "dropped", "failed", "pending_approval"])
def test_a_finished_or_waiting_letter_is_left_alone(final):
    deps, ledger = setup(status=final)
    assert send_letter(JOB, deps) == final
    assert ledger.history == [] and deps.mailer.sent == []  # type: ignore[attr-defined]


def test_a_letter_found_claimed_is_flagged_never_resent():
    deps, ledger = setup(status="claimed", record={"recipients": ["a@b.example"]})
    assert send_letter(JOB, deps) == "needs_reconciliation"
    assert deps.mailer.sent == []  # type: ignore[attr-defined]
    assert ledger.entries[JOB.letter_id][2]["recipients"] == ["a@b.example"]


def test_an_unknown_outcome_keeps_the_claim():
    deps, ledger = setup(mailer=Mailer(fail=TimeoutError("read timed out")))
    with pytest.raises(TimeoutError):
        send_letter(JOB, deps)
    assert status(ledger) == "claimed"


def test_throttling_releases_the_claim_for_a_later_retry():
    deps, ledger = setup(mailer=Mailer(fail=TransientError("SES: Throttling")))
    with pytest.raises(TransientError):
        send_letter(JOB, deps)
    assert status(ledger) == "queued"
    assert ledger.entries[JOB.letter_id][2]["released"] == "TransientError: SES: Throttling"


def test_a_rendering_failure_releases_the_claim():
    deps, ledger = setup()

    def broken(html: str) -> Pdf:
        raise RuntimeError("no fonts")

    deps.pdf.render_document = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        send_letter(JOB, deps)
    assert status(ledger) == "queued"


def test_a_message_ses_refuses_for_good_ends_failed_without_retry():
    deps, ledger = setup(mailer=Mailer(fail=MessageRejected("SES: MessageRejected: bad")))
    assert send_letter(JOB, deps) == "failed"
    assert ledger.entries[JOB.letter_id][2]["error"] == "SES: MessageRejected: bad"


class TooLongPdf(PdfMaker):
    def render_document(self, html: str) -> Pdf:
        raise LetterTooLong("the letter has 31 pages, at most 20 allowed")


def test_a_letter_too_long_to_print_ends_failed_without_retry_or_mail():
    deps, ledger = setup()
    deps = replace(deps, pdf=TooLongPdf())
    assert send_letter(JOB, deps) == "failed"
    assert (
        ledger.entries[JOB.letter_id][2]["error"] == "the letter has 31 pages, at most 20 allowed"
    )
    assert deps.mailer.sent == []  # type: ignore[attr-defined]


def test_a_duplicate_that_flags_the_letter_while_it_is_sent_is_overruled_by_the_outcome():
    deps, ledger = setup()
    deps.mailer.during = lambda: send_letter(JOB, deps)  # type: ignore[attr-defined]
    assert send_letter(JOB, deps) == "sent"
    assert ledger.history == ["claimed", "needs_reconciliation", "sent"]
    assert len(deps.mailer.sent) == 1  # type: ignore[attr-defined]


def test_bounced_addresses_are_routed_around_before_the_claim():
    deps, ledger = setup(emails=("gone@x.example", "here@x.example"))
    ledger.marks = {"gone@x.example"}
    assert send_letter(JOB, deps) == "sent"
    assert list(deps.mailer.sent[0].to) == ["here@x.example"]  # type: ignore[attr-defined]


def test_all_addresses_bounced_prints_into_the_queue():
    deps, ledger = setup(emails=("gone@x.example",))
    ledger.marks = {"gone@x.example"}
    assert send_letter(JOB, deps) == "printed"
    record = ledger.entries[JOB.letter_id][2]
    assert record["channels"] == [Channel.PRINT]
    assert set(deps.documents.objects) == {record["pdf_key"], record["print_entry"]}  # type: ignore[attr-defined]


def test_a_drop_withdraws_the_print_entry_an_earlier_attempt_left():
    entry, pdf = "print-queue/2026-09-10/NL01/L.json", "print-queue/2026-09-10/NL01/L.pdf"
    deps, ledger = setup(record={"print_entry": entry, "pdf_key": pdf, "released": "x"})
    deps.documents.objects.update({entry: b"{}", pdf: b"%PDF"})  # type: ignore[attr-defined]
    ledger.records["C1"] = CustomerRecords(
        customer(), invoices=(invoice("I1", "0", status=InvoiceStatus.PAID),)
    )
    assert send_letter(JOB, deps) == "dropped"
    assert deps.documents.objects == {}  # type: ignore[attr-defined]


def test_the_configuration_is_read_once_per_batch():
    deps, _ = setup()
    batch = for_one_batch(deps)
    Config1.loads = 0
    for _ in range(3):
        batch.config.load()
    assert Config1.loads == 1


def test_a_subsidiary_missing_from_the_configuration_is_named():
    deps, ledger = setup()
    ledger.entries[JOB.letter_id][0] = letter(I1, subsidiary_id="XX9")
    with pytest.raises(LookupError, match=r"subsidiary XX9 is not in dunning\.yaml"):
        send_letter(JOB, deps)
    assert status(ledger) == "queued"


# --- Several jobs per message ----------------------------------------------------------


def add_letter(ledger: Ledger, cid: str, status: str = "queued") -> LetterJob:
    """Another customer with a letter of its own in the ledger."""
    inv = invoice(f"{cid}-I", "80.00", customer_id=cid)
    evaluated = letter(inv, letter_id=f"L20260910-{cid}", customer_id=cid, scope_id=cid)
    ledger.entries[evaluated.letter_id] = [evaluated, status, {}]
    emails = (f"ap@{cid.lower()}.example",)
    ledger.records[cid] = CustomerRecords(customer(customer_id=cid, emails=emails), invoices=(inv,))
    return LetterJob(cid, evaluated.letter_id)


def sends(deps: SendDeps) -> Counter[str]:
    return Counter(e.letter_id for e in deps.mailer.sent)  # type: ignore[attr-defined]


def test_the_outcomes_of_a_message_are_written_together_after_its_jobs():
    deps, ledger = setup()
    message = SendLetters((JOB, add_letter(ledger, "C2"), add_letter(ledger, "C3")))
    result = send_letters(message, deps)
    assert result.error is None
    assert [outcome for _, outcome in result.outcomes] == ["sent", "sent", "sent"]
    assert ledger.history == ["claimed"] * 3 + ["sent"] * 3  # each claimed before its send
    assert ledger.writes == 1


def test_a_failed_second_job_fails_the_message_and_the_first_is_sent_once_in_all():
    deps, ledger = setup()
    second, third = add_letter(ledger, "C2"), add_letter(ledger, "C3")
    message = SendLetters((JOB, second, third))
    deps.renderer.fail_for = {"C2"}  # type: ignore[attr-defined]
    result = send_letters(message, deps)
    assert isinstance(result.error, RuntimeError)  # the message is reported failed
    with pytest.raises(RuntimeError, match="template error for C2"):
        result.raise_for_error()
    assert dict(result.outcomes) == {JOB: "sent", third: "sent"}  # the others went on
    assert ledger.entries[second.letter_id][1] == "queued"  # released for the retry
    deps.renderer.fail_for = set()  # type: ignore[attr-defined]
    again = send_letters(message, deps)  # SQS brings the whole message back
    assert again.error is None
    assert dict(again.outcomes) == {JOB: "sent", second: "sent", third: "sent"}
    assert sends(deps) == {JOB.letter_id: 1, second.letter_id: 1, third.letter_id: 1}


def test_a_duplicated_message_sends_each_letter_once():
    deps, ledger = setup()
    message = SendLetters((JOB, add_letter(ledger, "C2")))
    for _ in range(2):
        assert send_letters(message, deps).error is None
    assert set(sends(deps).values()) == {1} and len(sends(deps)) == 2


def test_a_job_whose_letter_was_already_sent_is_a_no_op_among_the_others():
    deps, ledger = setup(status="sent", record={"message_id": "ses-earlier"})
    message = SendLetters((JOB, add_letter(ledger, "C2")))
    result = send_letters(message, deps)
    assert [outcome for _, outcome in result.outcomes] == ["sent", "sent"]
    assert list(sends(deps)) == ["L20260910-C2"]
    assert ledger.entries[JOB.letter_id][2] == {"message_id": "ses-earlier"}  # untouched


def test_a_crash_before_the_outcomes_are_written_marks_them_for_reconciliation_never_resends():
    deps, ledger = setup()
    second = add_letter(ledger, "C2")
    message = SendLetters((JOB, second))
    real = ledger.transition_letters

    def lost_connection(changes: Any) -> frozenset[str]:
        raise TransientError("DynamoDB: connection reset")

    ledger.transition_letters = lost_connection  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        send_letters(message, deps)  # both handed to SES, neither outcome written
    assert [ledger.entries[j.letter_id][1] for j in message.jobs] == ["claimed", "claimed"]
    ledger.transition_letters = real  # type: ignore[method-assign]
    again = send_letters(message, deps)
    assert [outcome for _, outcome in again.outcomes] == ["needs_reconciliation"] * 2
    assert sends(deps) == {JOB.letter_id: 1, second.letter_id: 1}


def test_a_drop_is_written_with_the_other_outcomes():
    deps, ledger = setup()
    paid = invoice("I1", "0", status=InvoiceStatus.PAID)
    ledger.records["C1"] = CustomerRecords(customer(), invoices=(paid,))
    result = send_letters(SendLetters((JOB, add_letter(ledger, "C2"))), deps)
    assert [outcome for _, outcome in result.outcomes] == ["dropped", "sent"]
    assert (status(ledger), ledger.writes) == ("dropped", 1)


def test_a_drop_that_loses_to_another_delivery_is_taken():
    deps, ledger = setup()
    ledger.records["C1"] = CustomerRecords(
        customer(), invoices=(invoice("I1", "0", status=InvoiceStatus.PAID),)
    )
    real = ledger.transition_letters

    def claimed_meanwhile(changes: Any) -> frozenset[str]:
        ledger.entries[JOB.letter_id][1] = "claimed"  # a duplicate delivery claimed it
        return real(changes)

    ledger.transition_letters = claimed_meanwhile  # type: ignore[method-assign]
    assert send_letters(SendLetters((JOB,)), deps).outcomes == [(JOB, "taken")]
    assert status(ledger) == "claimed"


def test_no_job_starts_without_time_for_it():
    deps, ledger = setup()
    message = SendLetters((JOB, add_letter(ledger, "C2")))
    left = iter([RESERVE_SECONDS + 30, RESERVE_SECONDS - 1])
    result = send_letters(message, deps, lambda: next(left))
    assert isinstance(result.error, TransientError) and "1 letter job(s) left" in str(result.error)
    assert result.outcomes == [(JOB, "sent")]
    assert ledger.entries["L20260910-C2"][1] == "queued"  # untouched: the retry sends it


def test_throttling_stops_the_message_the_next_jobs_wait_for_the_retry():
    deps, ledger = setup(mailer=Mailer(fail=TransientError("SES: Throttling")))
    second = add_letter(ledger, "C2")
    result = send_letters(SendLetters((JOB, second)), deps)
    assert isinstance(result.error, TransientError)
    assert result.outcomes == []
    assert [ledger.entries[j][1] for j in (JOB.letter_id, second.letter_id)] == ["queued"] * 2


def test_the_outcomes_of_a_batch_of_messages_are_written_once_as_it_closes():
    deps, ledger = setup()
    first, second = SendLetters((JOB,)), SendLetters((add_letter(ledger, "C2"),))
    batch = LetterBatch(deps)
    with batch:
        for n, message in enumerate((first, second)):
            assert batch.deliver(message, f"m{n}").error is None
        assert ledger.history == ["claimed", "claimed"]  # sent, not recorded yet
    assert ledger.history == ["claimed", "claimed", "sent", "sent"]
    assert ledger.writes == 1
    assert batch.failing_too({"batchItemFailures": []}) == {"batchItemFailures": []}


def test_a_batch_whose_outcome_is_lost_reports_that_message_failed():
    deps, ledger = setup()
    batch = LetterBatch(deps)
    with batch:
        batch.deliver(SendLetters((JOB,)), "m0")
        batch.deliver(SendLetters((add_letter(ledger, "C2"),)), "m1")
        ledger.entries[JOB.letter_id][1] = "cancelled"  # nothing does this: a broken store
    response = batch.failing_too({"batchItemFailures": [{"itemIdentifier": "m9"}]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "m9"}, {"itemIdentifier": "m0"}]}
    assert ledger.entries["L20260910-C2"][1] == "sent"


def test_the_batch_records_what_was_sent_even_when_a_message_fails_unexpectedly():
    deps, ledger = setup()
    batch = LetterBatch(deps)
    with pytest.raises(KeyboardInterrupt), batch:
        batch.deliver(SendLetters((JOB,)), "m0")
        raise KeyboardInterrupt
    assert status(ledger) == "sent"


def test_the_same_job_twice_in_one_batch_is_done_once():
    deps, ledger = setup()
    batch = LetterBatch(deps)
    with batch:
        first = batch.deliver(SendLetters((JOB,)), "m0")
        again = batch.deliver(SendLetters((JOB,)), "m1")  # SQS delivered it twice
    assert first.outcomes == again.outcomes == [(JOB, "sent")]
    assert ledger.history == ["claimed", "sent"] and sends(deps) == {JOB.letter_id: 1}


def test_a_drop_decided_twice_in_one_batch_is_written_once():
    deps, ledger = setup()
    paid = invoice("I1", "0", status=InvoiceStatus.PAID)
    ledger.records["C1"] = CustomerRecords(customer(), invoices=(paid,))
    batch = LetterBatch(deps)
    with batch:
        for n in range(2):
            assert batch.deliver(SendLetters((JOB,)), f"m{n}").outcomes == [(JOB, "dropped")]
    assert ledger.history == ["dropped"] and ledger.writes == 1


# --- The letter's day is the subsidiary's ---------------------------------------------


class LateEvening:
    """2026-09-10 13:30 UTC: already 2026-09-11 in Auckland, still the 10th in Europe."""

    def now(self) -> datetime:
        return datetime(2026, 9, 10, 13, 30, tzinfo=UTC)


def test_the_letter_is_dated_on_the_subsidiarys_calendar_not_utcs():
    deps, ledger = setup()
    auckland = replace(SUB, timezone="Pacific/Auckland")
    deps.config = StaticConfig(replace(CONFIG, subsidiaries=(auckland,)))
    deps.clock = LateEvening()
    assert send_letter(JOB, deps) == "sent"
    assert ledger.entries[JOB.letter_id][2]["sent_on"] == "2026-09-11"
    assert deps.renderer.days == [date(2026, 9, 11)]  # type: ignore[attr-defined]


def test_a_pause_until_the_utc_date_has_ended_on_the_subsidiarys_date():
    """Paused up to and including 2026-09-10: in Auckland it is the 11th, so it goes."""
    deps, ledger = setup()
    auckland = replace(SUB, timezone="Pacific/Auckland")
    deps.config = StaticConfig(replace(CONFIG, subsidiaries=(auckland,)))
    deps.clock = LateEvening()
    pause = Pause(ScopeKind.CUSTOMER, "C1", "C1", PauseReason.OTHER, "", date(2026, 9, 10))
    ledger.records["C1"] = replace(ledger.records["C1"], pauses=(pause,))
    assert send_letter(JOB, deps) == "sent"


@dataclass
class StaticConfig:
    config: Config

    def load(self) -> Config:
        return self.config


@dataclass(frozen=True)
class Received:
    message_id: str
    receipt_handle: str


@dataclass
class Redelivery:
    postponed: list[tuple[list[str], int]] = field(default_factory=list)

    def postpone(self, receipt_handles: Any, seconds: int) -> None:
        self.postponed.append((list(receipt_handles), seconds))


def test_the_daily_quota_used_up_stops_the_batch_and_the_rest_waits_hours_not_the_dlq():
    mailer = Mailer(fail=QuotaExhausted("SES: Throttling: Daily message quota exceeded."))
    deps, ledger = setup(mailer=mailer)
    deps = replace(deps, redelivery=(later := Redelivery()))
    second, third = add_letter(ledger, "C2"), add_letter(ledger, "C3")
    attempts = Counter[str]()
    deps = replace(deps, mailer=_Counting(mailer, attempts))
    with LetterBatch(deps) as batch:
        first = batch.deliver(SendLetters((JOB, second)), Received("m0", "r0"))
        rest = batch.deliver(SendLetters((third,)), Received("m1", "r1"))
    assert isinstance(first.error, QuotaExhausted) and isinstance(rest.error, QuotaExhausted)
    assert attempts == {JOB.letter_id: 1}  # nothing else was tried
    assert [ledger.entries[j.letter_id][1] for j in (JOB, second, third)] == ["queued"] * 3
    assert later.postponed == [(["r0", "r1"], QUOTA_WAIT_SECONDS)]
    assert QUOTA_WAIT_SECONDS * 4 >= 24 * 3600  # maxReceiveCount 5 outlasts SES's window


def test_a_busy_second_stops_only_its_message_and_nothing_is_postponed():
    deps, ledger = setup(mailer=Mailer(fail=TransientError("SES: Throttling")))
    deps = replace(deps, redelivery=(later := Redelivery()))
    with LetterBatch(deps) as batch:
        batch.deliver(SendLetters((JOB,)), Received("m0", "r0"))
        batch.deliver(SendLetters((add_letter(ledger, "C2"),)), Received("m1", "r1"))
    assert ledger.history.count("claimed") == 2  # the second message was tried
    assert later.postponed == []


@dataclass
class _Counting:
    real: Any
    attempts: Counter[str]

    def send(self, envelope: Any, letter: Any, pdf: Any) -> str:
        self.attempts[envelope.letter_id] += 1
        return str(self.real.send(envelope, letter, pdf))


# --- Statements of account and email polish (SPEC 2.8) --------------------------------

WITH_STATEMENT = Config(
    (SUB,),
    (Procedure("STD", ScopeKind.CUSTOMER, (Level(1, 1, "friendly", attach_statement=True),)),),
)


def test_a_level_with_attach_statement_emails_the_statement_as_a_second_pdf(monkeypatch):
    monkeypatch.setattr(Config1, "load", lambda self: WITH_STATEMENT)
    deps, ledger = setup()
    assert send_letter(JOB, deps) == "sent"
    assert deps.mailer.attachments == [  # type: ignore[attr-defined]
        ["Reminder-2026-09-01-C1.pdf", "Statement-2026-09-01-C1.pdf"]
    ]
    (statement,) = deps.renderer.statements  # type: ignore[attr-defined]
    assert [r.reference for r in statement.rows] == [I1.number]
    record = ledger.entries[JOB.letter_id][2]
    assert record["statement_key"] == record["pdf_key"].removesuffix(".pdf") + "-statement.pdf"
    assert record["statement_key"] in deps.documents.objects  # type: ignore[attr-defined]


def test_a_printed_letter_with_a_statement_stores_it_next_to_the_letter(monkeypatch):
    monkeypatch.setattr(Config1, "load", lambda self: WITH_STATEMENT)
    deps, ledger = setup(delivery="print")
    assert send_letter(JOB, deps) == "printed"
    record = ledger.entries[JOB.letter_id][2]
    assert record["statement_key"].startswith("print-queue/")
    assert record["statement_key"].endswith(f"{JOB.letter_id}-statement.pdf")
    entry = deps.documents.objects[record["print_entry"]]  # type: ignore[attr-defined]
    assert record["statement_key"].encode() in entry


def test_without_attach_statement_one_pdf_named_for_a_person_goes(monkeypatch):
    deps, _ = setup()
    send_letter(JOB, deps)
    assert deps.mailer.attachments == [["Reminder-2026-09-01-C1.pdf"]]  # type: ignore[attr-defined]
    assert deps.renderer.statements == []  # type: ignore[attr-defined]
    assert deps.mailer.sent[0].sender_name == SUB.name  # type: ignore[attr-defined]
