"""Render and deliver letters, each exactly once (SPEC 2.5, 2.6).

Per letter job: read the ledger entry with the customer's records, decide (a duplicate
or finished job does nothing, a letter found claimed goes to reconciliation, the letter
is re-checked against what is stored now), claim it, render it, store its PDF and hand
it to SES or the print queue. README's "Exactly once" section tells why each step is
safe to repeat; the outcomes of a batch are written together as it closes (Outcomes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from dunning.domain.configuration.config import Config, Subsidiary
from dunning.domain.delivery.ledger import JobResult, JobSkipped, LedgerEntry, Transition
from dunning.domain.delivery.print_queue import PrintEntry, entry_json, print_keys
from dunning.domain.delivery.refresh import (
    Current,
    CustomerRecords,
    Refresh,
    Terms,
    current_of,
    refresh,
    terms_of,
)
from dunning.domain.delivery.routing import Route, letter_departments, route
from dunning.domain.letters.statement import build_statement
from dunning.domain.model import Channel, Customer, Letter, LetterStatus
from dunning.domain.sms import SmsTooLong
from dunning.messages import LetterJob
from dunning.ports import (
    Attachment,
    Clock,
    ConfigSource,
    Conflict,
    DocumentStore,
    DunningError,
    Envelope,
    LetterTooLong,
    Mailer,
    MessageRejected,
    PdfMaker,
    Redelivery,
    RenderedLetter,
    Renderer,
    SmsText,
)
from dunning.usecases.letter_outcomes import Outcomes
from dunning.usecases.send_sms import SmsDeps, opted_out, send_texts

PDF = "application/pdf"


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
        from_status: LetterStatus | Sequence[LetterStatus],
        to_status: LetterStatus,
        delivery: dict[str, Any],
    ) -> None: ...
    def transition_letters(self, changes: Sequence[Transition]) -> frozenset[str]:
        """Each change as transition_letter would make it, in as few requests as the
        store allows; returns the ids of the letters found in another state."""
        ...

    def mark_unaddressed(self, entry: PrintEntry) -> None:
        """List a letter put in the print queue without a postal address (needs
        attention, SPEC 2.8)."""
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
    redelivery: Redelivery | None = None  # the letter queue, to postpone messages
    sms: SmsDeps | None = None  # texts (SPEC 2.9); without it no letter is texted


@dataclass(frozen=True)
class _Decision:
    """A queued letter as it stands now, re-checked against what is stored."""

    config: Config
    subsidiary: Subsidiary
    today: date
    current: Current
    terms: Terms
    checked: Refresh


def send_one(job: LetterJob, deps: SendDeps, outcomes: Outcomes, message_id: str) -> JobResult:
    """One job up to its outcome (left with `outcomes` when it is sent, printed or
    dropped); returns the letter's state after it."""
    waiting = outcomes.waiting(job.letter_id)
    if waiting is not None:  # the same job came twice in one batch: done already
        return waiting
    entry, records = deps.repo.sending_view(job.customer_id, job.letter_id)
    if entry is None:
        return JobSkipped.UNKNOWN
    if entry.status != LetterStatus.QUEUED:
        return _not_queued(entry, deps)
    decision = _decide(entry.letter, records, deps)
    fresh, customer = decision.checked.letter, decision.current.customer
    if fresh is None or customer is None:
        return _drop(entry, decision.checked, deps, outcomes, message_id)
    claimed = _claim(fresh, customer, decision, deps)
    if claimed is None:
        return JobSkipped.TAKEN  # another delivery of the same job got there first
    where, plan = claimed
    return _deliver_claimed(fresh, customer, decision, where, plan, deps, outcomes, message_id)


def _not_queued(entry: LedgerEntry, deps: SendDeps) -> JobResult:
    """A duplicate job (already done, or waiting for a collector) changes nothing; a
    letter found claimed may be in a mailbox already: it goes to reconciliation."""
    if entry.status == LetterStatus.CLAIMED:
        return _reconcile(entry, deps)
    return entry.status


def _decide(letter: Letter, records: CustomerRecords, deps: SendDeps) -> _Decision:
    config = deps.config.load()
    subsidiary = config.subsidiary(letter.subsidiary_id)
    today = subsidiary.local_date(deps.clock.now())
    current = current_of(records, _billed_to(records, deps.repo))
    terms = terms_of(config, letter)
    checked = refresh(letter, current, today, terms)
    return _Decision(config, subsidiary, today, current, terms, checked)


def _claim(
    letter: Letter, customer: Customer, decision: _Decision, deps: SendDeps
) -> tuple[Route, dict[str, Any]] | None:
    """queued -> claimed with the route and plan it will be sent with, routed again
    without any recipient found marked bounced meanwhile; None if another delivery of
    the same job holds it."""
    current, terms = decision.current, decision.terms
    departments = letter_departments(letter, current.invoices)
    bounced: frozenset[str] = frozenset()
    asked: set[str] = set()  # phones SNS was asked about (opted out?)
    channels = terms.level.channels if terms.level else letter.channels
    if deps.sms is None:
        channels = tuple(c for c in channels if c is not Channel.SMS) or (Channel.PRINT,)
    while True:  # each round leaves out at least one more marked address: it ends
        where = route(
            letter,
            customer,
            current.contacts,
            decision.subsidiary,
            departments=departments,
            bounced=bounced,
            level_channels=channels,
        )
        new_phones = [p for p in where.phones if p not in asked]
        if new_phones and deps.sms is not None:
            asked.update(new_phones)
            found = opted_out(letter, new_phones, deps.sms, deps.clock)
            if found:  # marked now: route again without them
                bounced |= found
                continue
        plan = _planned(where, decision.checked, decision.today)
        try:
            marked = deps.repo.claim_letter(letter, plan, where.marks)
        except Conflict:
            return None
        if not marked:
            return where, plan
        if marked <= bounced:  # the route already left these out: a broken repository
            raise RuntimeError(f"letter {letter.letter_id}: claim reports addresses not routed")
        bounced |= marked


def _deliver_claimed(
    letter: Letter,
    customer: Customer,
    decision: _Decision,
    where: Route,
    plan: dict[str, Any],
    deps: SendDeps,
    outcomes: Outcomes,
    message_id: str,
) -> JobResult:
    """Render and send a claimed letter. A known failure before the hand-over to SES
    releases it for SQS to retry (or ends it `failed` if SES will never take it); after
    the hand-over an unknown outcome leaves the claim in place."""
    attempt = _Attempt(plan)
    try:
        final = _deliver(letter, customer, decision, where, deps, attempt)
    except Exception as e:
        if attempt.handed_over:
            raise  # unknown outcome: stays claimed -> reconciliation on redelivery
        # SES or SNS will never take it, or the letter (or its text) is too long: retrying
        # cannot help
        if isinstance(e, MessageRejected | LetterTooLong | SmsTooLong):
            failed = attempt.record | {"error": str(e)[:500]}
            deps.repo.transition_letter(letter, LetterStatus.CLAIMED, LetterStatus.FAILED, failed)
            return LetterStatus.FAILED
        released = attempt.record | {"released": f"{type(e).__name__}: {e}"[:500]}
        deps.repo.transition_letter(letter, LetterStatus.CLAIMED, LetterStatus.QUEUED, released)
        raise
    # From needs_reconciliation too: a duplicate delivery may have flagged this very
    # attempt while it was sending; now the outcome is known.
    after = (LetterStatus.CLAIMED, LetterStatus.NEEDS_RECONCILIATION)
    outcomes.add(Transition(letter, after, final, attempt.record), message=message_id)
    return final


@dataclass
class _Attempt:
    record: dict[str, Any]  # what the ledger will say about this delivery
    handed_over: bool = False  # the email is with SES, or may be


def _deliver(
    letter: Letter,
    customer: Customer,
    decision: _Decision,
    where: Route,
    deps: SendDeps,
    attempt: _Attempt,
) -> LetterStatus:
    today = decision.today
    language, rendered = deps.renderer.render(letter, customer, decision.config, today)
    pdf = deps.pdf.render_document(rendered.print_html)
    attempt.record |= {"language": language, "pages": pdf.pages}
    text = _text(letter, customer, decision, where, language, deps)  # before any hand-over
    attachments = [Attachment(rendered.pdf_name, pdf.data, PDF)]
    statement = _statement(letter, customer, decision, language, deps)
    if statement is not None:
        attachments.append(statement)
    if where.printed:  # one object is both the print room's copy and the archive
        pdf_key, entry_key = print_keys(today, letter.subsidiary_id, letter.letter_id)
        statement_key = _store_statement(statement, pdf_key, deps, attempt)
        entry = _print_entry(letter, customer, decision, where, language, pdf.pages)
        entry = replace(entry, statement_key=statement_key)
        attempt.record |= {"pdf_key": pdf_key, "print_entry": entry_key}
        deps.documents.put(pdf_key, pdf.data, PDF)
        deps.documents.put(entry_key, entry_json(entry), "application/json")  # last: complete
        if not entry.has_address:
            deps.repo.mark_unaddressed(entry)  # the print room cannot post it: a person must
    else:
        attempt.record["pdf_key"] = archive_key(letter)
        deps.documents.put(attempt.record["pdf_key"], pdf.data, PDF)
        _store_statement(statement, attempt.record["pdf_key"], deps, attempt)
    if where.emailed:
        _email(letter, decision.subsidiary.name, where, rendered, attachments, deps, attempt)
    if text is not None and deps.sms is not None:  # after the email: see send_sms
        send_texts(letter, where.phones, text, deps.sms, deps.clock, attempt)
    return LetterStatus.SENT if where.emailed or where.texted else LetterStatus.PRINTED


def _text(
    letter: Letter,
    customer: Customer,
    decision: _Decision,
    where: Route,
    language: str,
    deps: SendDeps,
) -> SmsText | None:
    """The letter's text message when it is texted (SmsTooLong over the bound)."""
    if not where.texted or deps.sms is None:
        return None
    return deps.sms.renderer.render_sms(letter, customer, decision.config, language, decision.today)


def _print_entry(
    letter: Letter,
    customer: Customer,
    decision: _Decision,
    where: Route,
    language: str,
    pages: int,
) -> PrintEntry:
    """What the print room needs to know of a letter. `customer` is the dunned one:
    a bill_to_parent child's letter is its parent's, and goes to the parent's address."""
    address, today = customer.address, decision.today
    return PrintEntry(
        day=today,
        letter_id=letter.letter_id,
        subsidiary_id=letter.subsidiary_id,
        customer_id=customer.customer_id,
        customer_name=customer.name,
        address_lines=decision.subsidiary.envelope_lines(address),
        pages=pages,
        level=letter.level,
        language=language,
        currency=letter.currency,
        amount_due=str(letter.amount_due),
        also_emailed=where.emailed,
        pdf_key=print_keys(today, letter.subsidiary_id, letter.letter_id)[0],
        country=address.country if address else None,
        postal_code=address.postal_code if address else None,
    )


def _email(
    letter: Letter,
    sender_name: str,
    where: Route,
    rendered: RenderedLetter,
    attachments: Sequence[Attachment],
    deps: SendDeps,
    attempt: _Attempt,
) -> None:
    """Hand the email to the mailer, From the subsidiary by name."""
    assert where.sender is not None, "route() names a sender for every emailed letter"
    envelope = Envelope(
        letter.letter_id, where.sender, where.reply_to, where.to, where.cc, sender_name
    )
    attempt.handed_over = True
    try:
        attempt.record["message_id"] = deps.mailer.send(envelope, rendered, attachments)
    except DunningError:
        attempt.handed_over = False  # SES answered with an error: nothing was sent
        raise


def _statement(
    letter: Letter, customer: Customer, decision: _Decision, language: str, deps: SendDeps
) -> Attachment | None:
    """The statement of account PDF when the letter's level attaches one (SPEC 2.8):
    every open item and credit of the customer (and of those billed to it) in the
    letter's currency, as stored now."""
    level = decision.terms.level
    if level is None or not level.attach_statement:
        return None
    current = decision.current
    statement = build_statement(
        letter.customer_id,
        letter.currency,
        decision.today,
        current.invoices.values(),
        current.credits,
    )
    name, html = deps.renderer.render_statement(
        statement, letter, customer, decision.config, language, decision.today
    )
    return Attachment(name, deps.pdf.render_document(html).data, PDF)


def _store_statement(
    statement: Attachment | None, letter_key: str, deps: SendDeps, attempt: _Attempt
) -> str:
    """Stored next to the letter's PDF (the print room prints both); its key or ""."""
    if statement is None:
        return ""
    key = statement_key(letter_key)
    deps.documents.put(key, statement.data, PDF)
    attempt.record["statement_key"] = key
    return key


def statement_key(letter_key: str) -> str:
    return letter_key.removesuffix(".pdf") + "-statement.pdf"


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
    if where.phones:
        record["phones"] = list(where.phones)
    if checked.changes:
        record["changes"] = list(checked.changes)
    return record


def _reconcile(entry: LedgerEntry, deps: SendDeps) -> JobResult:
    """Found claimed: an earlier attempt may have handed it to SES. Never send blindly."""
    note = {"reconcile": "found claimed on redelivery: it may have been sent"}
    try:
        deps.repo.transition_letter(
            entry.letter,
            LetterStatus.CLAIMED,
            LetterStatus.NEEDS_RECONCILIATION,
            entry.delivery | note,
        )
    except Conflict:
        return JobSkipped.TAKEN  # the attempt in flight finished meanwhile
    return LetterStatus.NEEDS_RECONCILIATION


def _drop(
    entry: LedgerEntry,
    checked: Refresh,
    deps: SendDeps,
    outcomes: Outcomes,
    message_id: str,
) -> LetterStatus:
    """Nothing left to ask for. A print entry left by an earlier, released attempt is
    withdrawn first, so the print room never prints a letter that was dropped. The drop
    is written with the other outcomes; lost, the letter stays queued and the message
    coming back decides again."""
    stored = ("print_entry", "pdf_key", "statement_key")
    for key in (entry.delivery.get(name) for name in stored):
        if key and str(key).startswith("print-queue/"):
            deps.documents.delete(str(key))
    record = {"reason": "; ".join(checked.changes), "changes": list(checked.changes)}
    drop = Transition(entry.letter, (LetterStatus.QUEUED,), LetterStatus.DROPPED, record)
    outcomes.add(drop, JobSkipped.TAKEN, message_id)
    return LetterStatus.DROPPED


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
