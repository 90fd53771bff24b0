"""Render and deliver one letter, exactly once (SPEC 2.5, 2.6; ENGINEERING reliability).

The ledger item is claimed (queued -> claimed) with a conditional write before
anything leaves. A known failure before the hand-over puts it back to queued for
SQS to retry; a letter found still claimed on redelivery may already be in a
mailbox, so it is marked for reconciliation and never sent blindly again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from dunning.domain.delivery import FINAL, Ledger, refresh, route
from dunning.domain.model import Channel, Letter
from dunning.messages import SendLetter
from dunning.ports import (
    Clock,
    ConfigSource,
    Conflict,
    DocumentStore,
    DunningError,
    Envelope,
    Mailer,
    PdfMaker,
    Renderer,
)


class LedgerRepository(Protocol):
    def get_letter(
        self, customer_id: str, letter_id: str
    ) -> tuple[Letter, str, dict[str, Any]] | None: ...
    def transition_letter(
        self, letter: Letter, from_status: str, to_status: str, delivery: dict[str, Any]
    ) -> None: ...
    def customer_view(self, customer_id: str) -> dict[str, Any]: ...


@dataclass
class SendDeps:
    config: ConfigSource
    repo: LedgerRepository
    renderer: Renderer
    pdf: PdfMaker
    mailer: Mailer
    documents: DocumentStore
    clock: Clock


def send_letter(msg: SendLetter, deps: SendDeps) -> str:
    """Returns the letter's ledger state after this delivery attempt."""
    found = deps.repo.get_letter(msg.customer_id, msg.letter_id)
    if found is None:
        return "unknown"
    letter, status, _ = found
    if status in FINAL or status in (Ledger.PENDING_APPROVAL,):
        return status  # a duplicate job: already done, or waiting for a collector
    if status == Ledger.CLAIMED:
        deps.repo.transition_letter(
            letter,
            Ledger.CLAIMED,
            Ledger.NEEDS_RECONCILIATION,
            {"reason": "found claimed on redelivery"},
        )
        return Ledger.NEEDS_RECONCILIATION
    try:
        deps.repo.transition_letter(letter, Ledger.QUEUED, Ledger.CLAIMED, {})
    except Conflict:
        return "taken"  # another delivery of the same job got there first
    handing_over = [False]
    try:
        return _deliver(letter, deps, handing_over)
    except DunningError:
        # A known outcome: nothing was accepted for delivery. Free it for SQS to retry.
        deps.repo.transition_letter(letter, Ledger.CLAIMED, Ledger.QUEUED, {})
        raise
    except Exception:
        if not handing_over[0]:  # failed before anything was handed to SES
            deps.repo.transition_letter(letter, Ledger.CLAIMED, Ledger.QUEUED, {})
        raise  # else: unknown outcome, stays claimed -> reconciliation on redelivery


def _deliver(letter: Letter, deps: SendDeps, handing_over: list[bool]) -> str:
    today = deps.clock.now().date()
    view = deps.repo.customer_view(letter.customer_id)
    fresh = refresh(letter, view["invoices"], view["pauses"], today)
    if fresh is None or view["customer"] is None:
        deps.repo.transition_letter(
            letter, Ledger.CLAIMED, Ledger.DROPPED, {"reason": "paid or paused since evaluation"}
        )
        return Ledger.DROPPED
    config = deps.config.load()
    customer = view["customer"]
    where = route(fresh, customer, view["contacts"])
    language, rendered = deps.renderer.render(fresh, customer, config, today)
    pdf = deps.pdf.render(rendered.print_html)
    pdf_key = _archive(fresh, pdf, where.channels, deps.documents)
    delivery: dict[str, Any] = {
        "channels": [str(c) for c in where.channels],
        "recipients": list(where.to),
        "cc": list(where.cc),
        "language": language,
        "pdf_key": pdf_key,
        "sent_on": today.isoformat(),
    }
    if Channel.EMAIL in where.channels:
        sub = config.subsidiary(fresh.subsidiary_id)
        sender = sub.sender or "dunning@localhost"
        envelope = Envelope(
            fresh.letter_id, sender, sub.reply_to or customer.manager_email, where.to, where.cc
        )
        handing_over[0] = True
        delivery["message_id"] = deps.mailer.send(envelope, rendered, pdf)
    final = Ledger.SENT if Channel.EMAIL in where.channels else Ledger.PRINTED
    deps.repo.transition_letter(fresh, Ledger.CLAIMED, final, delivery)
    return final


def _archive(
    letter: Letter, pdf: bytes, channels: tuple[Channel, ...], store: DocumentStore
) -> str:
    """Every letter's PDF is kept; printed ones also go to the print room's queue."""
    key = f"letters/{letter.subsidiary_id}/{letter.as_of.isoformat()}/{letter.letter_id}.pdf"
    store.put(key, pdf, "application/pdf")
    if Channel.PRINT in channels:
        store.put(
            f"print-queue/{letter.as_of.isoformat()}/{letter.letter_id}.pdf", pdf, "application/pdf"
        )
    return key
