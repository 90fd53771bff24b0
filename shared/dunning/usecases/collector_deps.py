"""What the collector's use cases share: their repository and dependencies, the typed
refusal, and the lookups every operation starts with (the customer, its subsidiary
and local today, a letter by id)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from dunning.domain.configuration.config import Config, NotConfigured, Subsidiary
from dunning.domain.control.audit import Action, Activity
from dunning.domain.control.marks import EmailMark, PhoneMark
from dunning.domain.control.partition import CustomerPartition
from dunning.domain.control.roles import NOBODY, Caller
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.model import (
    Contact,
    Customer,
    Letter,
    LetterStatus,
    Pause,
    Promise,
    ScopeKind,
    ScopeState,
)
from dunning.ports import (
    Clock,
    ConfigSource,
    Conflict,
    DocumentReader,
    DunningError,
    NotFound,
    Queue,
    Renderer,
)
from dunning.usecases.evaluate import EvaluationRepository


class Rejected(DunningError):
    """A well-formed request that the data or the rules refuse; `field` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ActionsRepository(EvaluationRepository, Protocol):
    """What evaluation reads and writes (send now evaluates), and the collector's own.
    Each change takes the Activity that records who made it, written with it."""

    def customer(self, customer_id: str) -> Customer | None: ...
    def customer_of(self, kind: ScopeKind, target_id: str) -> str | None: ...
    def customer_of_letter(self, letter_id: str) -> str | None: ...
    def contacts(self, customer_id: str) -> list[Contact]: ...
    def invoice_ids(self, customer_id: str) -> set[str]: ...
    def customer_partition(self, customer_id: str) -> CustomerPartition | None: ...
    def put_pause(self, pause: Pause, customer: Customer, by: Activity) -> None: ...
    def get_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> Pause | None: ...
    def delete_pause(
        self, customer_id: str, target: ScopeKind, target_id: str, by: Activity
    ) -> bool: ...
    def add_promise(
        self, customer: Customer, promise: Promise, pause: Pause | None, by: Activity
    ) -> tuple[Promise, bool]: ...
    def get_letter(self, customer_id: str, letter_id: str) -> LedgerEntry | None: ...
    def change_letter(
        self,
        letter: Letter,
        from_status: LetterStatus,
        to_status: LetterStatus,
        delivery: dict[str, Any],
        by: Activity,
    ) -> None: ...
    def approve_letter(
        self, letter: Letter, state: ScopeState, delivery: dict[str, Any], by: Activity
    ) -> None: ...
    def customer_letters(self, customer_id: str, limit: int) -> list[LedgerEntry]: ...
    def with_payments(self, entry: LedgerEntry) -> LedgerEntry:
        """The entry with `payments` in its delivery record when some quoted its RF
        reference; for reading only (never written back with the letter)."""
        ...

    def letter_tracking(self, customer_id: str, letter_id: str) -> dict[str, str]: ...
    def letters_page(
        self, status: LetterStatus, since: date | None, limit: int
    ) -> tuple[list[LedgerEntry], bool]: ...
    def record_activity(self, a: Activity, pk: str | None = None) -> None: ...
    def activities(
        self, customer_id: str, limit: int, before: str | None = None
    ) -> tuple[list[Activity], bool]: ...
    def get_mark(self, address: str) -> EmailMark | None: ...
    def marks_page(self, limit: int, after: str | None) -> tuple[list[EmailMark], bool]: ...
    def clear_mark(self, address: str, by: Activity) -> bool:
        """An activity of no customer (`customer_id` empty) is kept beside the address."""
        ...

    def get_phone_mark(self, phone: str) -> PhoneMark | None: ...
    def phone_marks_page(self, limit: int, after: str | None) -> tuple[list[PhoneMark], bool]: ...
    def clear_phone_mark(self, phone: str, by: Activity) -> bool:
        """An activity of no customer (`customer_id` empty) is kept beside the number."""
        ...


@dataclass
class CollectorDeps:
    config: ConfigSource
    repo: ActionsRepository
    evaluations: Queue  # EvaluateShard messages (resume: evaluate one customer at once)
    letters: Queue  # SendLetters messages (send now, approve, reconcile not_sent)
    renderer: Renderer
    clock: Clock
    documents: DocumentReader | None = None  # the letter PDFs (GET /letters/{id}/pdf)


@dataclass
class FoundCustomer:
    """A customer found for a request, with what every operation needs about it."""

    customer: Customer
    subsidiary: Subsidiary
    root: str  # the customer it is dunned as: its shard range, its letters
    today: date


class Lookups:
    """The finding every operation starts with, and the caller it acts for (nobody,
    who may do nothing, until `acting_as` names one)."""

    def __init__(self, deps: CollectorDeps, caller: Caller = NOBODY):
        self.deps = deps
        self.caller = caller

    @property
    def actor(self) -> str:
        return self.caller.actor

    def _customer_id_of(self, target: ScopeKind, target_id: str) -> str:
        if target == ScopeKind.CUSTOMER:
            return target_id
        customer_id = self.deps.repo.customer_of(target, target_id)
        if customer_id is None:
            what = "invoice" if target == ScopeKind.INVOICE else "invoice group"
            raise NotFound(f"{what} {target_id} not found")
        return customer_id

    def _customer(self, config: Config, customer_id: str) -> FoundCustomer:
        customer = self.deps.repo.customer(customer_id)
        if customer is None:
            raise NotFound(f"customer {customer_id} not found")
        return self._found(config, customer)

    def _found(self, config: Config, customer: Customer) -> FoundCustomer:
        whose = f"customer {customer.customer_id}"
        subsidiary = subsidiary_of(config, customer.subsidiary_id, whose)
        today = subsidiary.local_date(self.deps.clock.now())
        root = customer.dunned_as_id or customer.billed_to
        return FoundCustomer(customer, subsidiary, root, today)

    def _letter(self, letter_id: str) -> LedgerEntry:
        customer_id = self.deps.repo.customer_of_letter(letter_id)
        found = self.deps.repo.get_letter(customer_id, letter_id) if customer_id else None
        if found is None:
            raise NotFound(f"letter {letter_id} not found")
        return found

    def _today(self, config: Config, subsidiary_id: str) -> date:
        subsidiary = subsidiary_of(config, subsidiary_id, "the letter")
        return subsidiary.local_date(self.deps.clock.now())

    def _activity(
        self,
        customer_id: str,
        action: Action,
        target: str,
        target_id: str,
        **detail: Any,
    ) -> Activity:
        """The record of a change the caller makes now (empty details left out)."""
        kept = {k: v for k, v in detail.items() if v not in (None, "", [], ())}
        at = self.deps.clock.now()
        return Activity(customer_id, at, action, self.actor, target, target_id, kept, activity_id())


def activity_id() -> str:
    """Increasing with the wall clock, with random bits against two writers' same tick."""
    return f"{time.time_ns():020d}{secrets.token_hex(2)}"


def subsidiary_of(config: Config, subsidiary_id: str, whose: str) -> Subsidiary:
    try:
        return config.subsidiary(subsidiary_id)
    except NotConfigured:
        raise Conflict(
            f"{whose} belongs to subsidiary {subsidiary_id}, which dunning.yaml does not define"
        ) from None


def not_before(found: FoundCustomer, day: date | None, name: str) -> None:
    if day is not None and day < found.today:
        raise Rejected(
            name,
            f"{day.isoformat()} is in the past (today is {found.today.isoformat()} "
            f"in {found.subsidiary.timezone})",
        )
