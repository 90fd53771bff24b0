"""Thank-you notes (SPEC 2.9): the evaluation's notes of letter cycles that ended paid,
each emailed exactly once.

Each note is claimed in its ledger (a conditional write on its deterministic id)
before it is sent: a redelivered evaluation, or a second run the same day, finds
the claim and sends nothing. SES refusing to take mail for now (throttled, quota):
the claim is withdrawn and the error raised, so the evaluation comes back and the
note with it. An outcome that is unknown (SES may have taken it) leaves the claim
in place: the note is never sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from dunning.domain.configuration.config import Config
from dunning.domain.delivery.routing import email_recipients
from dunning.domain.engine.engagement import ThankYou
from dunning.domain.model import Contact, Customer
from dunning.ports import Clock, Envelope, Mailer, MessageRejected, RenderedLetter, TransientError


class ThanksLedger(Protocol):
    def claim_thanks(self, note: ThankYou, record: dict[str, Any]) -> bool: ...
    def finish_thanks(self, note: ThankYou, status: str, record: dict[str, Any]) -> None: ...
    def release_thanks(self, note: ThankYou) -> None: ...
    def contacts(self, customer_id: str) -> list[Contact]: ...
    def marked_addresses(self, addresses: Iterable[str]) -> frozenset[str]: ...


class ThanksRenderer(Protocol):
    def render_thanks(
        self, note: ThankYou, customer: Customer, config: Config, today: date
    ) -> tuple[str, RenderedLetter]: ...


@dataclass
class ThanksDeps:
    repo: ThanksLedger
    renderer: ThanksRenderer
    mailer: Mailer
    clock: Clock


@dataclass
class ThanksResult:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # claimed before: nothing done
    unsent: dict[str, str] = field(default_factory=dict)  # note id -> why


def send_thanks(
    notes: Sequence[ThankYou], customers: Mapping[str, Customer], config: Config, deps: ThanksDeps
) -> ThanksResult:
    result = ThanksResult()
    for note in notes:
        customer = customers.get(note.customer_id)
        if customer is None:  # a shard's notes are about its own customers
            result.unsent[note.thanks_id] = "customer not in the shard"
            continue
        _send_one(note, customer, config, deps, result)
    return result


def _send_one(
    note: ThankYou, customer: Customer, config: Config, deps: ThanksDeps, result: ThanksResult
) -> None:
    subsidiary = config.subsidiary(note.subsidiary_id)
    today = subsidiary.local_date(deps.clock.now())
    contacts = deps.repo.contacts(customer.customer_id)
    candidates = email_recipients(customer, contacts)
    to = email_recipients(customer, contacts, deps.repo.marked_addresses(candidates))
    language, rendered = deps.renderer.render_thanks(note, customer, config, today)
    record: dict[str, Any] = {"recipients": list(to), "language": language}
    if not deps.repo.claim_thanks(note, record):
        result.already.append(note.thanks_id)
        return
    sender = (subsidiary.sender or "").strip()
    if not to or not sender:
        why = "no valid email address" if not to else "no sender configured"
        deps.repo.finish_thanks(note, "no_recipient", record | {"why": why})
        result.unsent[note.thanks_id] = why
        return
    envelope = Envelope(
        letter_id=note.thanks_id,
        sender=sender,
        reply_to=customer.manager_email or subsidiary.reply_to,
        to=to,
        cc=(),
        sender_name=subsidiary.name,
    )
    try:
        message_id = deps.mailer.send(envelope, rendered, ())
    except TransientError:
        deps.repo.release_thanks(note)  # nothing left: the evaluation's next delivery retries
        raise
    except MessageRejected as e:
        deps.repo.finish_thanks(note, "failed", record | {"why": str(e)[:500]})
        result.unsent[note.thanks_id] = "rejected"
        return
    deps.repo.finish_thanks(note, "sent", record | {"message_id": message_id})
    result.sent.append(note.thanks_id)
