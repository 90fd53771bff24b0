"""What a collector does through the API (SPEC 2.4, 2.5, 3.3): pause and resume a
customer, an invoice or an invoice group, record a promise to pay, send a letter
now, preview the next letter, approve or cancel letters, read letter history.

Every operation is safe to repeat: pausing twice leaves one pause, approving
twice sends the letter once (the ledger's claim), cancelling twice cancels once.
"today" is the calendar date in the subsidiary's time zone, from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from dunning.domain.configuration.config import Config, NotConfigured, Subsidiary
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.delivery.routing import route
from dunning.domain.engine.by_hand import HandLetters, letters_at_level, letters_now
from dunning.domain.engine.holds import promise_deadline
from dunning.domain.engine.run import customer_balance
from dunning.domain.engine.scopes import ProcedureBook
from dunning.domain.model import (
    Contact,
    Customer,
    Letter,
    LetterStatus,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
)
from dunning.messages import EvaluateShard, LetterJob, SendLetters, pack_jobs
from dunning.ports import Clock, ConfigSource, Conflict, DunningError, NotFound, Queue, Renderer
from dunning.usecases.collector_results import (
    HandResult,
    LetterPage,
    Paused,
    Preview,
    PromiseRecorded,
    Resumed,
)
from dunning.usecases.evaluate import EvaluationRepository


class Rejected(DunningError):
    """A well-formed request that the data or the rules refuse; `field` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ActionsRepository(EvaluationRepository, Protocol):
    """What evaluation reads and writes (send now evaluates), and the collector's own."""

    def customer(self, customer_id: str) -> Customer | None: ...
    def customer_of(self, kind: ScopeKind, target_id: str) -> str | None: ...
    def customer_of_letter(self, letter_id: str) -> str | None: ...
    def contacts(self, customer_id: str) -> list[Contact]: ...
    def invoice_ids(self, customer_id: str) -> set[str]: ...
    def put_pause(self, pause: Pause, customer: Customer) -> None: ...
    def get_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> Pause | None: ...
    def delete_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> bool: ...
    def add_promise(
        self, customer: Customer, promise: Promise, pause: Pause | None
    ) -> tuple[Promise, bool]: ...
    def get_letter(self, customer_id: str, letter_id: str) -> LedgerEntry | None: ...
    def transition_letter(
        self,
        letter: Letter,
        from_status: LetterStatus,
        to_status: LetterStatus,
        delivery: dict[str, Any],
    ) -> None: ...
    def approve_letter(
        self, letter: Letter, state: ScopeState, delivery: dict[str, Any]
    ) -> None: ...
    def customer_letters(self, customer_id: str, limit: int) -> list[LedgerEntry]: ...
    def letters_page(
        self, status: LetterStatus, since: date | None, limit: int
    ) -> tuple[list[LedgerEntry], bool]: ...


@dataclass
class CollectorDeps:
    config: ConfigSource
    repo: ActionsRepository
    evaluations: Queue  # EvaluateShard messages (resume: evaluate one customer at once)
    letters: Queue  # SendLetters messages (send now, approve)
    renderer: Renderer
    clock: Clock


@dataclass
class _Customer:
    """A customer found for a request, with what every operation needs about it."""

    customer: Customer
    subsidiary: Subsidiary
    root: str  # the customer it is dunned as: its shard range, its letters
    today: date


class CollectorActions:
    def __init__(self, deps: CollectorDeps):
        self.deps = deps

    # --- pause and resume ---

    def pause(
        self,
        target: ScopeKind,
        target_id: str,
        reason: PauseReason,
        note: str,
        until: date | None,
    ) -> Paused:
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(target, target_id))
        _not_before(found, until, "until")
        pause = Pause(target, target_id, found.customer.customer_id, reason, note, until)
        existing = self.deps.repo.get_pause(found.customer.customer_id, target, target_id)
        if existing == pause:
            return Paused(pause, changed=False)
        self.deps.repo.put_pause(pause, found.customer)
        return Paused(pause, changed=True)

    def resume(self, target: ScopeKind, target_id: str) -> Resumed:
        """Delete the pause and evaluate that customer at once (one evaluation message)."""
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(target, target_id))
        customer_id = found.customer.customer_id
        was_paused = self.deps.repo.delete_pause(customer_id, target, target_id)
        message = EvaluateShard(found.subsidiary.subsidiary_id, found.today, found.root, found.root)
        self.deps.evaluations.send_all([message.to_json()])
        return Resumed(target, target_id, customer_id, was_paused, message)

    # --- promises ---

    def promise(
        self, customer_id: str, amount: Decimal, currency: str, promised: date
    ) -> PromiseRecorded:
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        customer = found.customer
        _not_before(found, promised, "date")
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
        stored, created = self.deps.repo.add_promise(found.customer, promise, pause)
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

    def _hand(self, config: Config, found: _Customer, level: int | None) -> HandLetters:
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
        letter, status, delivery = _parts(self._letter(letter_id))
        if status == LetterStatus.PENDING_APPROVAL:
            today = self._today(self.deps.config.load(), letter.subsidiary_id)
            ref = ScopeRef(letter.scope, letter.scope_id, letter.currency)
            state = ScopeState(ref, letter.customer_id, letter.level, today, letter.level)
            delivery = {"approved_on": today.isoformat()}
            try:
                self.deps.repo.approve_letter(letter, state, delivery)
                status = LetterStatus.QUEUED
            except Conflict:
                letter, status, delivery = _parts(self._letter(letter_id))  # someone else got there
        if status == LetterStatus.CANCELLED:
            raise Conflict(f"letter {letter_id} was cancelled: it cannot be approved")
        if status == LetterStatus.QUEUED:
            job = LetterJob(letter.customer_id, letter_id)
            self.deps.letters.send_all([SendLetters((job,)).to_json()])
        return LedgerEntry(letter, status, delivery)

    def cancel(self, letter_id: str) -> LedgerEntry:
        letter, status, delivery = _parts(self._letter(letter_id))
        if status == LetterStatus.PENDING_APPROVAL:
            today = self._today(self.deps.config.load(), letter.subsidiary_id)
            delivery = {"cancelled_on": today.isoformat()}
            try:
                self.deps.repo.transition_letter(
                    letter, LetterStatus.PENDING_APPROVAL, LetterStatus.CANCELLED, delivery
                )
                status = LetterStatus.CANCELLED
            except Conflict:
                letter, status, delivery = _parts(self._letter(letter_id))
        if status != LetterStatus.CANCELLED:
            raise Conflict(
                f"letter {letter_id} is {status}: only a letter pending approval can be cancelled"
            )
        return LedgerEntry(letter, status, delivery)

    # --- reading ---

    def letters(self, status: LetterStatus, since: date | None, limit: int) -> LetterPage:
        found, more = self.deps.repo.letters_page(status, since, limit)
        return LetterPage(found, more)

    def customer_history(self, customer_id: str, limit: int) -> LetterPage:
        """The customer's letters, newest first; a bill-to-parent child's are its parent's
        letters that list its invoices."""
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        if found.root == customer_id:
            letters = self.deps.repo.customer_letters(customer_id, limit + 1)
            return LetterPage(letters[:limit], len(letters) > limit)
        mine = self.deps.repo.invoice_ids(customer_id)
        return self._listing(found.root, lambda x: not mine.isdisjoint(x.invoice_ids), limit)

    def invoice_history(self, invoice_id: str, limit: int) -> LetterPage:
        """The letters that listed the invoice, newest first."""
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(ScopeKind.INVOICE, invoice_id))
        return self._listing(found.root, lambda x: invoice_id in x.invoice_ids, limit)

    def _listing(self, customer_id: str, keep: Any, limit: int) -> LetterPage:
        # A customer's whole ledger is small (a few letters a month): filter it here.
        every = self.deps.repo.customer_letters(customer_id, 10_000)
        kept = [e for e in every if keep(e.letter)]
        return LetterPage(kept[:limit], len(kept) > limit)

    # --- lookups ---

    def _customer_id_of(self, target: ScopeKind, target_id: str) -> str:
        if target == ScopeKind.CUSTOMER:
            return target_id
        customer_id = self.deps.repo.customer_of(target, target_id)
        if customer_id is None:
            what = "invoice" if target == ScopeKind.INVOICE else "invoice group"
            raise NotFound(f"{what} {target_id} not found")
        return customer_id

    def _customer(self, config: Config, customer_id: str) -> _Customer:
        customer = self.deps.repo.customer(customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found")
        subsidiary = _subsidiary(config, customer.subsidiary_id, f"customer {customer_id}")
        today = subsidiary.local_date(self.deps.clock.now())
        return _Customer(customer, subsidiary, customer.billed_to, today)

    def _letter(self, letter_id: str) -> LedgerEntry:
        customer_id = self.deps.repo.customer_of_letter(letter_id)
        found = self.deps.repo.get_letter(customer_id, letter_id) if customer_id else None
        if found is None:
            raise NotFound(f"letter {letter_id} not found")
        return found

    def _today(self, config: Config, subsidiary_id: str) -> date:
        subsidiary = _subsidiary(config, subsidiary_id, "the letter")
        return subsidiary.local_date(self.deps.clock.now())


def _parts(entry: LedgerEntry) -> tuple[Letter, LetterStatus, dict[str, Any]]:
    return entry.letter, entry.status, entry.delivery


def _subsidiary(config: Config, subsidiary_id: str, whose: str) -> Subsidiary:
    try:
        return config.subsidiary(subsidiary_id)
    except NotConfigured:
        raise Conflict(
            f"{whose} belongs to subsidiary {subsidiary_id}, which dunning.yaml does not define"
        ) from None


def _not_before(found: _Customer, day: date | None, name: str) -> None:
    if day is not None and day < found.today:
        raise Rejected(
            name,
            f"{day.isoformat()} is in the past (today is {found.today.isoformat()} "
            f"in {found.subsidiary.timezone})",
        )


def _message(hand: HandLetters, level: int | None, *, sent: bool) -> str:
    count = len(hand.letters)
    if count:
        verb = "queued for sending" if sent else "would be sent"
        return f"{count} letter(s) {verb}"
    if level is None:
        return "no letter is due today under the customer's procedure"
    return f"no letter of level {level} can be made today"
