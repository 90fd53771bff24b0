"""The send_letter use case's decisions, with an in-memory ledger that keeps the real
contract (conditional transitions, a claim that checks bounce marks). The same paths
run against the embedded AWS in tests/integration/test_delivery.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from delivery_samples import AS_OF, SUB, customer, invoice, letter

from dunning.domain.delivery import CustomerRecords
from dunning.domain.model import (
    Channel,
    Config,
    InvoiceStatus,
    Letter,
    Level,
    Procedure,
    ScopeKind,
)
from dunning.messages import SendLetter
from dunning.ports import Conflict, MessageRejected, Pdf, RenderedLetter, TransientError
from dunning.usecases.send_letter import SendDeps, for_one_batch, send_letter

pytestmark = pytest.mark.unit

I1 = invoice("I1", "100.00")
CONFIG = Config((SUB,), (Procedure("STD", ScopeKind.CUSTOMER, (Level(1, 1, "friendly"),)),))


@dataclass
class Ledger:
    entries: dict[str, list[Any]] = field(default_factory=dict)  # id -> [letter, status, record]
    records: dict[str, CustomerRecords] = field(default_factory=dict)
    marks: set[str] = field(default_factory=set)
    history: list[str] = field(default_factory=list)

    def sending_view(self, customer_id: str, letter_id: str) -> Any:
        found = self.entries.get(letter_id)
        entry = tuple(found) if found else None
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

    def transition_letter(self, letter: Letter, from_status: Any, to: str, record: dict) -> None:
        allowed = [from_status] if isinstance(from_status, str) else list(from_status)
        if self.entries[letter.letter_id][1] not in allowed:
            raise Conflict(f"no longer {from_status}")
        self.entries[letter.letter_id] = [letter, to, record]
        self.history.append(to)


class Renderer:
    def render(self, letter: Letter, customer: Any, config: Any, today: Any) -> Any:
        return "en", RenderedLetter("Reminder", "<p>html</p>", "text", "<p>print</p>")


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

    def send(self, envelope: Any, letter: Any, pdf: bytes | None) -> str:
        if self.during:
            self.during()
        if self.fail:
            raise self.fail
        self.sent.append(envelope)
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


JOB = SendLetter("C1", letter(I1).letter_id)


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
    entry, pdf = "print-queue/2026-09-10/L.json", "print-queue/2026-09-10/L.pdf"
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
