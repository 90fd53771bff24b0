"""Render and deliver one letter, exactly once (SPEC 2.5, 2.6; ENGINEERING reliability).

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
   SES in one attempt; the ledger records `sent` or `printed`.

A known failure before the hand-over to SES (rendering, S3, SES refusing with an
error) puts the letter back to `queued` for SQS to retry; SES refusing for good ends
it `failed`. After the hand-over an unknown outcome leaves the claim in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Protocol

from dunning.domain.delivery import (
    FINAL,
    CustomerRecords,
    Ledger,
    Refresh,
    Route,
    current_of,
    letter_departments,
    refresh,
    route,
    terms_of,
)
from dunning.domain.model import Config, Customer, Letter, Subsidiary
from dunning.domain.print_queue import PrintEntry, entry_json, print_keys
from dunning.messages import SendLetter
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
)

LedgerEntry = tuple[Letter, str, dict[str, Any]]  # the letter, its state, its delivery record
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
        from_status: str | Sequence[str],
        to_status: str,
        delivery: dict[str, Any],
    ) -> None: ...


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


def send_letter(msg: SendLetter, deps: SendDeps) -> str:
    """Returns the letter's ledger state after this delivery attempt."""
    entry, records = deps.repo.sending_view(msg.customer_id, msg.letter_id)
    if entry is None:
        return "unknown"
    letter, status, delivery = entry
    if status in FINAL or status == Ledger.PENDING_APPROVAL:
        return status  # a duplicate job: already done, or waiting for a collector
    if status == Ledger.CLAIMED:
        return _reconcile(letter, delivery, deps)
    if status != Ledger.QUEUED:
        return status
    today = deps.clock.now().date()
    config = deps.config.load()
    current = current_of(records, _billed_to(records, deps.repo))
    terms = terms_of(config, letter)
    checked = refresh(letter, current, today, terms)
    if checked.letter is None or current.customer is None:
        return _drop(letter, delivery, checked, deps)
    fresh, customer = checked.letter, current.customer
    subsidiary = _subsidiary(config, fresh)
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
        return _deliver(fresh, customer, config, where, today, deps, attempt)
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
    final = Ledger.SENT if where.emailed else Ledger.PRINTED
    # From needs_reconciliation too: a duplicate delivery may have flagged this very
    # attempt while it was sending; now the outcome is known.
    deps.repo.transition_letter(
        letter, (Ledger.CLAIMED, Ledger.NEEDS_RECONCILIATION), final, attempt.record
    )
    return final


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


def _drop(letter: Letter, delivery: dict[str, Any], checked: Refresh, deps: SendDeps) -> str:
    """Nothing left to ask for. A print entry left by an earlier, released attempt is
    withdrawn first, so the print room never prints a letter that was dropped."""
    for key in (delivery.get("print_entry"), delivery.get("pdf_key")):
        if key and str(key).startswith("print-queue/"):
            deps.documents.delete(str(key))
    record = {"reason": "; ".join(checked.changes), "changes": list(checked.changes)}
    try:
        deps.repo.transition_letter(letter, Ledger.QUEUED, Ledger.DROPPED, record)
    except Conflict:
        return "taken"
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
        if child is None or not child.bill_to_parent or child.parent_id not in seen:
            continue
        seen.add(customer_id)
        found.append(records)
        todo.extend(records.children)
    return found


def _subsidiary(config: Config, letter: Letter) -> Subsidiary:
    for sub in config.subsidiaries:
        if sub.subsidiary_id == letter.subsidiary_id:
            return sub
    raise LookupError(
        f"letter {letter.letter_id}: subsidiary {letter.subsidiary_id} is not in dunning.yaml"
    )
