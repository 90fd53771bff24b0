"""What a collector does through the API (SPEC 2.4, 2.5, 3.3): pause and resume a
customer, an invoice or an invoice group, record a promise to pay, send a letter
now, preview the next letter, approve or cancel letters, read letter history.

Every operation is safe to repeat: pausing twice leaves one pause, approving
twice sends the letter once (the ledger's claim), cancelling twice cancels once.
"today" is the calendar date in the subsidiary's time zone, from the clock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from dunning.domain.configuration.config import Config
from dunning.domain.control.audit import Action
from dunning.domain.control.roles import PREVIEW, READ, Caller
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.delivery.routing import route
from dunning.domain.engine.by_hand import HandLetters, letters_at_level, letters_now
from dunning.domain.engine.engagement import state_after
from dunning.domain.engine.holds import promise_deadline
from dunning.domain.engine.run import customer_balance
from dunning.domain.engine.scopes import ProcedureBook
from dunning.domain.model import (
    Letter,
    LetterStatus,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
)
from dunning.messages import EvaluateShard, LetterJob, SendLetters, pack_jobs
from dunning.ports import Conflict, NotFound
from dunning.usecases.collector_deps import (
    ActionsRepository,
    CollectorDeps,
    FoundCustomer,
    Rejected,
    not_before,
)
from dunning.usecases.collector_results import (
    HandResult,
    Paused,
    Preview,
    PromiseRecorded,
    Resumed,
)
from dunning.usecases.customer_view import CustomerViews

__all__ = ["ActionsRepository", "CollectorActions", "CollectorDeps", "Rejected"]


class CollectorActions(CustomerViews):
    """The changes (each recorded with who made it, SPEC 2.10) and the reads."""

    def acting_as(self, caller: Caller) -> CollectorActions:
        """The same use case acting for the caller of one request. Every caller must at
        least read (viewer); each change checks its own group (SPEC 2.10), so the JSON
        routes and the pages are held to the same rules."""
        caller.require(READ)
        return CollectorActions(self.deps, caller)

    # --- pause and resume ---

    def pause(
        self,
        target: ScopeKind,
        target_id: str,
        reason: PauseReason,
        note: str,
        until: date | None,
    ) -> Paused:
        self.caller.require(Action.PAUSE)
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(target, target_id))
        not_before(found, until, "until")
        pause = Pause(target, target_id, found.customer.customer_id, reason, note, until)
        existing = self.deps.repo.get_pause(found.customer.customer_id, target, target_id)
        if existing == pause:
            return Paused(pause, changed=False)
        by = self._activity(
            pause.customer_id,
            Action.PAUSE,
            str(target),
            target_id,
            reason=str(reason),
            note=note,
            until=until.isoformat() if until else None,
        )
        self.deps.repo.put_pause(pause, found.customer, by)
        return Paused(pause, changed=True)

    def resume(self, target: ScopeKind, target_id: str) -> Resumed:
        """Delete the pause and evaluate that customer at once (one evaluation message)."""
        self.caller.require(Action.RESUME)
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(target, target_id))
        customer_id = found.customer.customer_id
        by = self._activity(customer_id, Action.RESUME, str(target), target_id)
        was_paused = self.deps.repo.delete_pause(customer_id, target, target_id, by)
        message = EvaluateShard(found.subsidiary.subsidiary_id, found.today, found.root, found.root)
        self.deps.evaluations.send_all([message.to_json()])
        return Resumed(target, target_id, customer_id, was_paused, message)

    # --- promises ---

    def promise(
        self, customer_id: str, amount: Decimal, currency: str, promised: date
    ) -> PromiseRecorded:
        self.caller.require(Action.PROMISE)
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        customer = found.customer
        not_before(found, promised, "date")
        if found.root != customer_id:
            raise Conflict(
                f"customer {customer_id} is billed to its parent {found.root}: "
                f"record the promise on {found.root}, whose letters list its invoices"
            )
        sub_id = found.subsidiary.subsidiary_id
        snapshot = self.deps.repo.load_shard(sub_id, found.root, found.root)
        balance = customer_balance(snapshot, customer_id, currency)
        if balance <= 0:
            raise Conflict(f"customer {customer_id} has no open balance in {currency}")
        if amount > balance:
            raise Rejected(
                "amount",
                f"{amount} {currency} is more than the open balance of {balance} {currency}",
            )
        book = ProcedureBook(config, sub_id)
        grace = book.promise_grace_days(customer, currency, lambda: balance)
        promise = Promise(customer_id, amount, currency, promised, balance)
        until = promise_deadline(promise, grace)
        pause = self._promise_pause(customer_id, promise, until)
        by = self._activity(
            customer_id,
            Action.PROMISE,
            str(ScopeKind.CUSTOMER),
            customer_id,
            amount=str(amount),
            currency=currency,
            date=promised.isoformat(),
            paused_until=until.isoformat(),
        )
        stored, created = self.deps.repo.add_promise(found.customer, promise, pause, by)
        if not created and (stored.amount != amount or stored.broken):
            raise Conflict(
                f"a promise of {stored.amount} {currency} by {promised.isoformat()} is already "
                f"recorded for customer {customer_id}" + (" and broken" if stored.broken else "")
            )
        return PromiseRecorded(stored, created, until)

    def _promise_pause(self, customer_id: str, promise: Promise, until: date) -> Pause | None:
        """The pause a promise brings, unless a pause that lasts longer is in place."""
        existing = self.deps.repo.get_pause(customer_id, ScopeKind.CUSTOMER, customer_id)
        if existing is not None and (existing.until is None or existing.until >= until):
            return None
        note = f"promise to pay {promise.amount} {promise.currency} by {promise.date.isoformat()}"
        return Pause(
            ScopeKind.CUSTOMER, customer_id, customer_id, PauseReason.PROMISE_TO_PAY, note, until
        )

    # --- letters by hand ---

    def send_now(self, customer_id: str, level: int | None) -> HandResult:
        """Evaluate the customer now and send what is due, or a letter of `level`."""
        self.caller.require(Action.SEND_NOW)
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        hand = self._hand(config, found, level)
        repo, sub_id = self.deps.repo, found.subsidiary.subsidiary_id
        letters = list(hand.letters)
        fresh = repo.record_letters(letters, {x.letter_id: LetterStatus.QUEUED for x in letters})
        jobs = (LetterJob(x.customer_id, x.letter_id) for x in fresh)
        self.deps.letters.send_all(m.to_json() for m in pack_jobs(jobs))
        repo.save_states(sub_id, [found.customer], hand.states)
        repo.save_promises(sub_id, hand.promises)
        if fresh:
            ids = [x.letter_id for x in fresh]
            target = (str(ScopeKind.CUSTOMER), customer_id)
            repo.record_activity(
                self._activity(customer_id, Action.SEND_NOW, *target, level=level, letters=ids)
            )
        entries = tuple(
            repo.get_letter(x.customer_id, x.letter_id) or LedgerEntry(x, LetterStatus.QUEUED, {})
            for x in letters
        )
        return HandResult(
            customer_id,
            hand.owner_id,
            found.today,
            letters=entries,
            skipped=hand.skipped,
            message=_message(hand, level, sent=True),
        )

    def preview(self, customer_id: str, level: int | None) -> HandResult:
        """The letters send_now would send, rendered; nothing is written or queued."""
        self.caller.require(PREVIEW)
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        hand = self._hand(config, found, level)
        previews: list[Preview] = []
        if hand.letters:
            owner = self.deps.repo.customer(hand.owner_id) or found.customer
            contacts = self.deps.repo.contacts(hand.owner_id)
            for letter in hand.letters:
                language, rendered = self.deps.renderer.render(letter, owner, config, found.today)
                departments = frozenset({letter.department}) if letter.department else frozenset()
                where = route(letter, owner, contacts, found.subsidiary, departments=departments)
                previews.append(
                    Preview(
                        letter,
                        language,
                        rendered.subject,
                        rendered.text,
                        rendered.html,
                        where.to,
                        where.cc,
                        tuple(str(c) for c in where.channels),
                    )
                )
        return HandResult(
            customer_id,
            hand.owner_id,
            found.today,
            previews=tuple(previews),
            skipped=hand.skipped,
            message=_message(hand, level, sent=False),
        )

    def _hand(self, config: Config, found: FoundCustomer, level: int | None) -> HandLetters:
        sub_id = found.subsidiary.subsidiary_id
        snapshot = self.deps.repo.load_shard(sub_id, found.root, found.root)
        customer_id = found.customer.customer_id
        if level is None:
            hand = letters_now(config, sub_id, snapshot, found.today, customer_id)
        else:
            hand = letters_at_level(config, sub_id, snapshot, found.today, customer_id, level)
        if hand.held_by is not None:
            raise Conflict(f"{hand.held_by}: resume it before sending a letter")
        no_such_level = [s for s in hand.skipped if s.code == "no_such_level"]
        if no_such_level and not hand.letters and len(no_such_level) == len(hand.skipped):
            raise Rejected("level", "; ".join(sorted({s.reason for s in no_such_level})))
        return hand

    # --- approval ---

    def approve(self, letter_id: str) -> LedgerEntry:
        """pending_approval -> queued, the scope's state set to the approval date, and a
        send job. Approving again re-sends the job (the ledger's claim makes sure the
        letter goes out once); a cancelled letter cannot be approved."""
        self.caller.require(Action.APPROVE)
        letter, status, delivery = _parts(self._letter(letter_id))
        if status == LetterStatus.PENDING_APPROVAL:
            today = self._today(self.deps.config.load(), letter.subsidiary_id)
            # No run checked for a payment: the cycle restarts its count (engagement.py).
            state = state_after(None, letter, today)
            delivery |= {"approved_on": today.isoformat(), "approved_by": self.actor}
            by = self._letter_activity(letter, Action.APPROVE)
            try:
                self.deps.repo.approve_letter(letter, state, delivery, by)
                status = LetterStatus.QUEUED
            except Conflict:
                letter, status, delivery = _parts(self._letter(letter_id))  # someone else got there
        if status == LetterStatus.CANCELLED:
            raise Conflict(f"letter {letter_id} was cancelled: it cannot be approved")
        if status == LetterStatus.QUEUED:
            job = LetterJob(letter.customer_id, letter_id)
            self.deps.letters.send_all([SendLetters((job,)).to_json()])
        return LedgerEntry(letter, status, delivery)

    def cancel(self, letter_id: str, reason: str = "") -> LedgerEntry:
        self.caller.require(Action.CANCEL)
        letter, status, delivery = _parts(self._letter(letter_id))
        if status == LetterStatus.PENDING_APPROVAL:
            today = self._today(self.deps.config.load(), letter.subsidiary_id)
            done = {"cancelled_on": today.isoformat(), "cancelled_by": self.actor}
            delivery = delivery | done | ({"cancel_reason": reason} if reason else {})
            by = self._letter_activity(letter, Action.CANCEL, reason=reason)
            try:
                self.deps.repo.change_letter(
                    letter, LetterStatus.PENDING_APPROVAL, LetterStatus.CANCELLED, delivery, by
                )
                status = LetterStatus.CANCELLED
            except Conflict:
                letter, status, delivery = _parts(self._letter(letter_id))
        if status != LetterStatus.CANCELLED:
            raise Conflict(
                f"letter {letter_id} is {status}: only a letter pending approval can be cancelled"
            )
        return LedgerEntry(letter, status, delivery)

    # --- reconciliation and bounce marks ---

    def reconcile(self, letter_id: str, sent: bool, note: str = "") -> LedgerEntry:
        """A letter whose outcome was unknown (needs_reconciliation), settled by a person
        who checked: sent -> sent; not sent -> queued again with a send job, which the
        ledger's claim (queued -> claimed) lets go out once."""
        self.caller.require(Action.RECONCILE)
        letter, status, delivery = _parts(self._letter(letter_id))
        if status != LetterStatus.NEEDS_RECONCILIATION:
            raise Conflict(
                f"letter {letter_id} is {status}: only a letter needing reconciliation "
                "can be reconciled"
            )
        outcome = "sent" if sent else "not_sent"
        today = self._today(self.deps.config.load(), letter.subsidiary_id)
        settled = {"outcome": outcome, "by": self.actor, "on": today.isoformat(), "note": note}
        delivery = delivery | {"reconciled": {k: v for k, v in settled.items() if v}}
        to = LetterStatus.SENT if sent else LetterStatus.QUEUED
        by = self._letter_activity(letter, Action.RECONCILE, outcome=outcome, note=note)
        self.deps.repo.change_letter(letter, LetterStatus.NEEDS_RECONCILIATION, to, delivery, by)
        if not sent:
            job = LetterJob(letter.customer_id, letter_id)
            self.deps.letters.send_all([SendLetters((job,)).to_json()])
        return LedgerEntry(letter, to, delivery)

    def clear_mark(self, address: str) -> None:
        """The address is mailed again from the next letter on; recorded in the log of the
        customer whose letter bounced (else beside the address)."""
        self.caller.require(Action.CLEAR_MARK)
        mark = self.deps.repo.get_mark(address)
        if mark is None:
            raise NotFound(f"no bounce or complaint mark for {address}")
        customer_id = self.deps.repo.customer_of_letter(mark.letter_id) if mark.letter_id else None
        detail = {"reason": mark.reason, "letter_id": mark.letter_id}
        by = self._activity(customer_id or "", Action.CLEAR_MARK, "email", mark.address, **detail)
        if not self.deps.repo.clear_mark(mark.address, by):
            raise NotFound(f"no bounce or complaint mark for {address}")

    def clear_phone_mark(self, phone: str) -> None:
        """The number is texted again from the next letter on (the customer opted in
        again with SNS); recorded in the log of the customer whose letter found it
        opted out (else beside the number)."""
        self.caller.require(Action.CLEAR_MARK)
        mark = self.deps.repo.get_phone_mark(phone)
        if mark is None:
            raise NotFound(f"no opt-out mark for {phone}")
        customer_id = self.deps.repo.customer_of_letter(mark.letter_id) if mark.letter_id else None
        detail = {"reason": mark.reason, "letter_id": mark.letter_id}
        by = self._activity(customer_id or "", Action.CLEAR_MARK, "phone", mark.phone, **detail)
        if not self.deps.repo.clear_phone_mark(mark.phone, by):
            raise NotFound(f"no opt-out mark for {phone}")

    def _letter_activity(self, letter: Letter, action: Action, **detail: Any) -> Any:
        return self._activity(letter.customer_id, action, "letter", letter.letter_id, **detail)


def _parts(entry: LedgerEntry) -> tuple[Letter, LetterStatus, dict[str, Any]]:
    return entry.letter, entry.status, entry.delivery


def _message(hand: HandLetters, level: int | None, *, sent: bool) -> str:
    count = len(hand.letters)
    if count:
        verb = "queued for sending" if sent else "would be sent"
        return f"{count} letter(s) {verb}"
    if level is None:
        return "no letter is due today under the customer's procedure"
    return f"no letter of level {level} can be made today"
