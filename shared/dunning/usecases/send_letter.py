"""Render and deliver letters, each exactly once (SPEC 2.5, 2.6; ENGINEERING reliability).

A letter-queue message carries several letter jobs (messages.SendLetters); each job
goes through the steps below, in turn. Per letter: re-read, claim, PDF, email (and a
print entry); the outcomes (sent, printed, dropped) of a whole batch of messages are
written together at its end (Outcomes), each on its own condition. A job that fails
fails its message after the others are done: SQS brings it back whole and the jobs
already finished find their letters final (no-ops).

1. One strongly consistent Query reads the ledger entry together with the customer's
   records (and one more per customer billed to it, bill_to_parent).
2. A finished or duplicate job changes nothing. A letter found `claimed` may already
   be in a mailbox (an earlier attempt died after handing it to SES): it is marked
   `needs_reconciliation` and never sent blindly again.
3. The letter is re-checked against what is stored now (domain.delivery.refresh):
   paid or paused items leave; with nothing left it is `dropped`, never sent stale.
4. Recipients and channels (domain.delivery.route). The claim, queued -> claimed, is
   one transaction that also checks that no recipient address is marked bounced; if
   some are, the letter is routed again without them (and printed if nobody is left).
5. HTML, text and PDF are rendered; the PDF is stored (a printed letter's PDF sits in
   the print queue with its entry and is its archive copy too); the email goes to
   SES in one attempt; the ledger records `sent` or `printed` (with the batch's other
   outcomes).

The letter's day (`today`: print queue, sent_on, the refresh's "paid or paused") is the
subsidiary's calendar date, as evaluation's as_of is.

A known failure before the hand-over to SES (rendering, S3, SES refusing with an
error) puts the letter back to `queued` for SQS to retry; SES refusing for good ends
it `failed`. After the hand-over an unknown outcome leaves the claim in place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from dunning.domain.delivery.ledger import FINAL, Ledger
from dunning.domain.delivery.print_queue import PrintEntry, entry_json, print_keys
from dunning.domain.delivery.refresh import CustomerRecords, Refresh, current_of, refresh, terms_of
from dunning.domain.delivery.routing import Route, letter_departments, route
from dunning.domain.model import Config, Customer, Letter
from dunning.messages import LetterJob, SendLetters
from dunning.ports import (
    Clock,
    ConfigSource,
    Conflict,
    DocumentStore,
    DunningError,
    Envelope,
    Mailer,
    MessageRejected,
    PdfMaker,
    Renderer,
    TransientError,
)

LedgerEntry = tuple[Letter, str, dict[str, Any]]  # the letter, its state, its delivery record
# A ledger transition: the letter, the states it may be in, the new state, its record.
LedgerChange = tuple[Letter, Sequence[str], str, dict[str, Any]]
PDF = "application/pdf"
# A job is started only with this much of the invocation left: the slowest letter (two
# pages, S3, SES) and the outcomes' write fit in it many times over.
RESERVE_SECONDS = 20.0


class LedgerRepository(Protocol):
    def sending_view(
        self, customer_id: str, letter_id: str
    ) -> tuple[LedgerEntry | None, CustomerRecords]: ...
    def customer_records(self, customer_id: str) -> CustomerRecords: ...
    def claim_letter(
        self, letter: Letter, delivery: dict[str, Any], addresses: Sequence[str]
    ) -> frozenset[str]: ...
    def transition_letter(
        self,
        letter: Letter,
        from_status: str | Sequence[str],
        to_status: str,
        delivery: dict[str, Any],
    ) -> None: ...
    def transition_letters(self, changes: Sequence[LedgerChange]) -> frozenset[str]:
        """Each change as transition_letter would make it, in as few requests as the
        store allows; returns the ids of the letters found in another state."""
        ...


@dataclass
class SendDeps:
    config: ConfigSource
    repo: LedgerRepository
    renderer: Renderer
    pdf: PdfMaker
    mailer: Mailer
    documents: DocumentStore
    clock: Clock


class _ReadOnce:
    def __init__(self, source: ConfigSource) -> None:
        self._source = source
        self._config: Config | None = None

    def load(self) -> Config:
        if self._config is None:
            self._config = self._source.load()
        return self._config


def for_one_batch(deps: SendDeps) -> SendDeps:
    """The bundle for one batch of jobs: dunning.yaml is checked once per batch, not
    once per letter (a change applies from the next batch)."""
    return replace(deps, config=_ReadOnce(deps.config))


@dataclass
class MessageResult:
    outcomes: list[tuple[LetterJob, str]] = field(default_factory=list)  # in job order
    error: Exception | None = None  # the first failure: the message is to come back

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


@dataclass(frozen=True)
class Recorded:
    taken: dict[str, str]  # letter id -> its result, for the changes that lost to another
    failed_messages: frozenset[str]  # the messages that must come back: an outcome is lost


class Outcomes:
    """Ledger outcomes (sent, printed, dropped) held back until the jobs of a message, or
    of a whole batch of messages, are done, then written together: a TransactWriteItems
    of up to 100 keeps each outcome's own condition.

    Nothing is acknowledged before they are written (SQS deletes a batch's messages only
    when the invocation returns), and a crash before leaves the sent letters claimed:
    the message coming back flags them `needs_reconciliation` and never sends them
    again, as a crash right after a send always did.
    """

    def __init__(self, repo: LedgerRepository) -> None:
        self._repo = repo
        self._changes: dict[str, LedgerChange] = {}  # letter id -> its outcome
        self._if_lost: dict[str, str | None] = {}  # letter id -> its result if lost, or fail
        self._message_of: dict[str, str] = {}  # letter id -> the message it came with

    def add(self, change: LedgerChange, if_lost: str | None = None, message: str = "") -> None:
        letter_id = change[0].letter_id
        self._changes[letter_id] = change
        self._if_lost[letter_id] = if_lost
        self._message_of[letter_id] = message

    def waiting(self, letter_id: str) -> str | None:
        """The outcome held back for this letter, if any."""
        change = self._changes.get(letter_id)
        return change[2] if change else None

    def flush(self) -> Recorded:
        """Writes every outcome it can. A letter found in another state gets its
        `if_lost` result ("taken" for a drop); a sent or printed letter found so (not
        ours any more: nothing moves a claimed letter meanwhile) fails its message.
        A failure to write at all raises: nothing of the batch is acknowledged then."""
        changes, self._changes = list(self._changes.values()), {}
        if not changes:
            return Recorded({}, frozenset())
        lost = self._repo.transition_letters(changes)
        return Recorded(
            {i: str(self._if_lost[i]) for i in lost if self._if_lost[i] is not None},
            frozenset(self._message_of[i] for i in lost if self._if_lost[i] is None),
        )


def send_letters(
    msg: SendLetters,
    deps: SendDeps,
    seconds_left: Callable[[], float] | None = None,
    outcomes: Outcomes | None = None,
    message_id: str = "",
) -> MessageResult:
    """Every job of one message, in order.

    A job that fails does not stop the others (a throttled service does: the next job
    would meet it too; nor is a job started with less than RESERVE_SECONDS left); the
    result carries the first error, for the caller to fail the message with. With
    `outcomes` the caller writes them (Outcomes.flush, once per batch); without, they
    are written before this returns.
    """
    own = outcomes is None
    pending = Outcomes(deps.repo) if outcomes is None else outcomes
    result = MessageResult()
    try:
        for n, job in enumerate(msg.jobs):
            if seconds_left is not None and seconds_left() < RESERVE_SECONDS:
                left = len(msg.jobs) - n
                result.error = result.error or TransientError(
                    f"out of time: {left} letter job(s) left for the message's next delivery"
                )
                break
            try:
                result.outcomes.append((job, _send_one(job, deps, pending, message_id)))
            except Exception as e:
                result.error = result.error or e
                if isinstance(e, TransientError):
                    break
    finally:
        recorded = pending.flush() if own else None  # also after something unexpected
    if recorded is not None:
        if recorded.failed_messages:
            raise Conflict(f"message {msg.to_json()}: a letter is no longer this delivery's")
        result.outcomes = [(j, recorded.taken.get(j.letter_id, o)) for j, o in result.outcomes]
    return result


class LetterBatch:
    """One invocation's messages: each delivered in turn (deliver), the outcomes of all
    written together as the batch closes (`with batch:`), before SQS deletes any of its
    messages; failing_too adds the messages whose outcomes were lost to the response."""

    def __init__(self, deps: SendDeps, seconds_left: Callable[[], float] | None = None):
        self._deps = deps
        self._seconds_left = seconds_left
        self._outcomes = Outcomes(deps.repo)
        self._recorded = Recorded({}, frozenset())

    def deliver(self, msg: SendLetters, message_id: str) -> MessageResult:
        return send_letters(msg, self._deps, self._seconds_left, self._outcomes, message_id)

    def __enter__(self) -> LetterBatch:
        return self

    def __exit__(self, *exc: object) -> None:
        # Also when every message failed: the letters sent meanwhile are recorded. A
        # failure to write raises, and the whole batch comes back.
        self._recorded = self._outcomes.flush()

    def failing_too(self, response: dict[str, Any]) -> dict[str, Any]:
        """An SQS batch response ({"batchItemFailures": [...]}) with the messages whose
        outcomes were lost reported failed as well."""
        failures = response.setdefault("batchItemFailures", [])
        known = {f["itemIdentifier"] for f in failures}
        for message_id in sorted(self._recorded.failed_messages - known):
            failures.append({"itemIdentifier": message_id})
        return response


def send_letter(job: LetterJob, deps: SendDeps) -> str:
    """One job on its own (a message of one); returns the letter's ledger state after
    this delivery attempt, or raises what failed it."""
    result = send_letters(SendLetters((job,)), deps)
    result.raise_for_error()
    return result.outcomes[0][1]


def _send_one(job: LetterJob, deps: SendDeps, outcomes: Outcomes, message_id: str) -> str:
    """One job up to its outcome (left with `outcomes` when it is sent, printed or
    dropped); returns the letter's state after it."""
    waiting = outcomes.waiting(job.letter_id)
    if waiting is not None:  # the same job came twice in one batch: done already
        return waiting
    entry, records = deps.repo.sending_view(job.customer_id, job.letter_id)
    if entry is None:
        return "unknown"
    letter, status, delivery = entry
    if status in FINAL or status == Ledger.PENDING_APPROVAL:
        return status  # a duplicate job: already done, or waiting for a collector
    if status == Ledger.CLAIMED:
        return _reconcile(letter, delivery, deps)
    if status != Ledger.QUEUED:
        return status
    config = deps.config.load()
    subsidiary = config.subsidiary(letter.subsidiary_id)
    today = subsidiary.local_date(deps.clock.now())
    current = current_of(records, _billed_to(records, deps.repo))
    terms = terms_of(config, letter)
    checked = refresh(letter, current, today, terms)
    if checked.letter is None or current.customer is None:
        return _drop(letter, delivery, checked, deps, outcomes, message_id)
    fresh, customer = checked.letter, current.customer
    departments = letter_departments(fresh, current.invoices)
    level_channels = terms.level.channels if terms.level else None
    bounced: frozenset[str] = frozenset()
    while True:  # each round leaves out at least one more marked address: it ends
        where = route(
            fresh,
            customer,
            current.contacts,
            subsidiary,
            departments=departments,
            bounced=bounced,
            level_channels=level_channels,
        )
        plan = _planned(where, checked, today)
        try:
            marked = deps.repo.claim_letter(fresh, plan, where.addresses)
        except Conflict:
            return "taken"  # another delivery of the same job got there first
        if not marked:
            break
        if marked <= bounced:  # the route already left these out: a broken repository
            raise RuntimeError(f"letter {fresh.letter_id}: claim reports addresses not routed")
        bounced |= marked
    attempt = _Attempt(plan)
    try:
        final = _deliver(fresh, customer, config, where, today, deps, attempt)
    except Exception as e:
        if attempt.handed_over:
            raise  # unknown outcome: stays claimed -> reconciliation on redelivery
        if isinstance(e, MessageRejected):  # SES will never take it: retrying cannot help
            failed = attempt.record | {"error": str(e)[:500]}
            deps.repo.transition_letter(fresh, Ledger.CLAIMED, Ledger.FAILED, failed)
            return Ledger.FAILED
        released = attempt.record | {"released": f"{type(e).__name__}: {e}"[:500]}
        deps.repo.transition_letter(fresh, Ledger.CLAIMED, Ledger.QUEUED, released)
        raise
    # From needs_reconciliation too: a duplicate delivery may have flagged this very
    # attempt while it was sending; now the outcome is known.
    change = (fresh, (Ledger.CLAIMED, Ledger.NEEDS_RECONCILIATION), final, attempt.record)
    outcomes.add(change, message=message_id)
    return final


@dataclass
class _Attempt:
    record: dict[str, Any]  # what the ledger will say about this delivery
    handed_over: bool = False  # the email is with SES, or may be


def _deliver(
    letter: Letter,
    customer: Customer,
    config: Config,
    where: Route,
    today: date,
    deps: SendDeps,
    attempt: _Attempt,
) -> str:
    language, rendered = deps.renderer.render(letter, customer, config, today)
    pdf = deps.pdf.render_document(rendered.print_html)
    attempt.record |= {"language": language, "pages": pdf.pages}
    if where.printed:  # one object is both the print room's copy and the archive
        pdf_key, entry_key = print_keys(today, letter.letter_id)
        entry = PrintEntry(
            day=today,
            letter_id=letter.letter_id,
            subsidiary_id=letter.subsidiary_id,
            customer_id=customer.customer_id,
            customer_name=customer.name,
            address_lines=customer.address_lines,
            pages=pdf.pages,
            level=letter.level,
            language=language,
            currency=letter.currency,
            amount_due=str(letter.amount_due),
            also_emailed=where.emailed,
            pdf_key=pdf_key,
        )
        attempt.record |= {"pdf_key": pdf_key, "print_entry": entry_key}
        deps.documents.put(pdf_key, pdf.data, PDF)
        deps.documents.put(entry_key, entry_json(entry), "application/json")  # last: complete
    else:
        attempt.record["pdf_key"] = archive_key(letter)
        deps.documents.put(attempt.record["pdf_key"], pdf.data, PDF)
    if where.emailed:
        assert where.sender is not None, "route() names a sender for every emailed letter"
        envelope = Envelope(letter.letter_id, where.sender, where.reply_to, where.to, where.cc)
        attempt.handed_over = True
        try:
            attempt.record["message_id"] = deps.mailer.send(envelope, rendered, pdf.data)
        except DunningError:
            attempt.handed_over = False  # SES answered with an error: nothing was sent
            raise
    return Ledger.SENT if where.emailed else Ledger.PRINTED


def archive_key(letter: Letter) -> str:
    return f"letters/{letter.subsidiary_id}/{letter.as_of.isoformat()}/{letter.letter_id}.pdf"


def _planned(where: Route, checked: Refresh, today: date) -> dict[str, Any]:
    record: dict[str, Any] = {
        "channels": [str(c) for c in where.channels],
        "recipients": list(where.to),
        "cc": list(where.cc),
        "reply_to": where.reply_to,
        "sent_on": today.isoformat(),
    }
    if where.note:
        record["note"] = where.note
    if checked.changes:
        record["changes"] = list(checked.changes)
    return record


def _reconcile(letter: Letter, delivery: dict[str, Any], deps: SendDeps) -> str:
    """Found claimed: an earlier attempt may have handed it to SES. Never send blindly."""
    flagged = delivery | {"reconcile": "found claimed on redelivery: it may have been sent"}
    try:
        deps.repo.transition_letter(letter, Ledger.CLAIMED, Ledger.NEEDS_RECONCILIATION, flagged)
    except Conflict:
        return "taken"  # the attempt in flight finished meanwhile
    return Ledger.NEEDS_RECONCILIATION


def _drop(
    letter: Letter,
    delivery: dict[str, Any],
    checked: Refresh,
    deps: SendDeps,
    outcomes: Outcomes,
    message_id: str,
) -> str:
    """Nothing left to ask for. A print entry left by an earlier, released attempt is
    withdrawn first, so the print room never prints a letter that was dropped. The drop
    is written with the other outcomes; lost, the letter stays queued and the message
    coming back decides again."""
    for key in (delivery.get("print_entry"), delivery.get("pdf_key")):
        if key and str(key).startswith("print-queue/"):
            deps.documents.delete(str(key))
    record = {"reason": "; ".join(checked.changes), "changes": list(checked.changes)}
    outcomes.add((letter, (Ledger.QUEUED,), Ledger.DROPPED, record), "taken", message_id)
    return Ledger.DROPPED


def _billed_to(owner: CustomerRecords, repo: LedgerRepository) -> list[CustomerRecords]:
    """The records of every customer billed to the owner (and to those, in turn)."""
    if owner.customer is None:
        return []
    seen = {owner.customer.customer_id}
    todo = list(owner.children)
    found: list[CustomerRecords] = []
    while todo:
        customer_id = todo.pop(0)
        if customer_id in seen:
            continue
        records = repo.customer_records(customer_id)
        child = records.customer
        # A marker outlives a change of parent: follow only a child that still bills up.
        if child is None or child.billed_to not in seen:
            continue
        seen.add(customer_id)
        found.append(records)
        todo.extend(records.children)
    return found
