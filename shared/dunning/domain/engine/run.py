"""The daily dunning decision for one subsidiary (or one shard of it).

`evaluate` is a pure function of the configuration, what is stored (the
snapshot) and the day: it says which letters to make and which stored states
and promises change. It never reads a clock, a table or the environment.

Flow: pauses and promises -> open invoices bucketed by (dunning customer,
currency) -> scopes -> per scope: level (levels.py), state step (schedule.py),
letter (letters.py) -> states of scopes with nothing open reset to none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext

from dunning.domain.configuration.config import Config, Procedure
from dunning.domain.engine.content import build_letter, listed_items
from dunning.domain.engine.engagement import (
    CycleEnd,
    Ledger,
    ThankYou,
    cycle_after,
    cycle_end,
    escalate,
    thank_you,
    unanswered_before,
)
from dunning.domain.engine.holds import Holds, active_holds, review_promises
from dunning.domain.engine.levels import LevelRules, apply_min_percent, item_levels, level_rules
from dunning.domain.engine.schedule import next_step
from dunning.domain.engine.scopes import (
    ProcedureBook,
    Scope,
    ScopeBuilder,
    ScopeKey,
    bucket_open_invoices,
    dunning_owners,
)
from dunning.domain.figures.figures import FigureRow
from dunning.domain.figures.paid_within import LetterWatch
from dunning.domain.gc_pause import cyclic_gc_paused
from dunning.domain.model import (
    Credit,
    Customer,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
    Letter,
    LetterCycle,
    Pause,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
    Sending,
)
from dunning.domain.money import MONEY_CONTEXT, ZERO


@dataclass(frozen=True)
class Snapshot:
    """Everything stored for the customers being evaluated (one shard of one subsidiary)."""

    customers: Sequence[Customer]
    invoices: Sequence[Invoice]
    credits: Sequence[Credit]
    groups: Sequence[InvoiceGroup]
    pauses: Sequence[Pause]
    states: Sequence[ScopeState]
    promises: Sequence[Promise] = ()
    # Scopes holding a letter pending approval: nothing else is made for them.
    pending: frozenset[ScopeRef] = field(default_factory=frozenset)
    # For the dashboard's figures only, never evaluated: invoices no longer open that
    # were issued or paid lately, and the figures the previous run stored.
    history: Sequence[Invoice] = ()
    figures: Sequence[FigureRow] = ()
    # Letters whose invoices are not all known paid yet (figures.paid_within).
    watches: Sequence[LetterWatch] = ()


@dataclass(frozen=True)
class Evaluation:
    letters: tuple[Letter, ...]  # letters to make today
    states: tuple[ScopeState, ...]  # only the scope states that changed (to be written)
    promises: tuple[Promise, ...]  # only promises that changed (now broken)
    # Thank-you notes of letter cycles that ended paid today (engagement.py).
    thanks: tuple[ThankYou, ...] = ()


def _key(ref: ScopeRef) -> ScopeKey:
    return (ref.scope, ref.scope_id, ref.currency)


def _open_credits(
    credits: Iterable[Credit], owners: Mapping[str, str]
) -> dict[tuple[str, str], list[Credit]]:
    """Open credits by (dunning customer, currency): a bill_to_parent child's go to its parent."""
    out: dict[tuple[str, str], list[Credit]] = {}
    for credit in credits:
        owner = owners.get(credit.customer_id)
        if owner is not None and credit.amount_unapplied > ZERO:
            out.setdefault((owner, credit.currency), []).append(credit)
    return out


def family_balance(
    customer_id: str,
    currency: str,
    invoices: Iterable[Invoice],
    credits: Iterable[Credit],
    owners: Mapping[str, str],
    issued_by: date | None = None,
) -> Decimal:
    """Open invoices less unapplied credits of a customer and the customers billed to it.

    `issued_by` leaves out invoices issued later: a promise is about what was
    owed when it was made, not about invoices that came after it.
    """

    def in_family(cid: str) -> bool:
        return cid == customer_id or owners.get(cid) == customer_id

    owed = sum(
        (
            i.amount_remaining
            for i in invoices
            if i.currency == currency
            and i.status == InvoiceStatus.OPEN
            and i.amount_remaining > ZERO
            and (issued_by is None or i.issue_date <= issued_by)
            and in_family(i.customer_id)
        ),
        ZERO,
    )
    credit = sum(
        (
            c.amount_unapplied
            for c in credits
            if c.currency == currency and c.amount_unapplied > ZERO and in_family(c.customer_id)
        ),
        ZERO,
    )
    return owed - credit


def customer_balance(snapshot: Snapshot, customer_id: str, currency: str) -> Decimal:
    """The balance a promise to pay is measured against (store it as balance_at_promise)."""
    customers = {c.customer_id: c for c in snapshot.customers}
    owners = dunning_owners(customers)
    return family_balance(customer_id, currency, snapshot.invoices, snapshot.credits, owners)


class _DaysOverdue(dict[date, int]):
    """due date -> days overdue on as_of, computed once per distinct due date."""

    def __init__(self, as_of: date) -> None:
        super().__init__()
        self._as_of = as_of.toordinal()

    def __missing__(self, due: date) -> int:
        days = self[due] = self._as_of - due.toordinal()
        return days


class Run:
    """One evaluation: the lookups built once, then a pass over the scopes (the daily
    run's and, scope by scope, the letters made by hand in domain.by_hand)."""

    def __init__(self, config: Config, subsidiary_id: str, snapshot: Snapshot, as_of: date) -> None:
        self.subsidiary_id = subsidiary_id
        self.snapshot = snapshot
        self.as_of = as_of
        self.customers = {
            c.customer_id: c for c in snapshot.customers if c.subsidiary_id == subsidiary_id
        }
        self.owners = dunning_owners(self.customers)
        self.book = ProcedureBook(config, subsidiary_id)
        self.states = {_key(s.ref): s for s in snapshot.states if s.customer_id in self.customers}
        self.pending = {_key(ref) for ref in snapshot.pending}
        self.credits = _open_credits(snapshot.credits, self.owners)
        self.rules: dict[tuple[str, str], LevelRules] = {}
        self.days_overdue = _DaysOverdue(as_of)
        self.letters: list[Letter] = []
        self.changed_states: list[ScopeState] = []
        self.thanks: list[ThankYou] = []
        self._ledger: Ledger | None = None
        self._settled: Mapping[str, InvoiceStatus] | None = None

    # --- holds ---

    def holds(self) -> tuple[Holds, tuple[Promise, ...]]:
        promises = [p for p in self.snapshot.promises if p.customer_id in self.customers]
        holds = active_holds(self.snapshot.pauses, self.as_of)
        if not promises:
            return holds, ()
        review = review_promises(promises, self.as_of, self.grace_days, self._balance)
        return holds.with_customers(review.paused_customers), review.broken

    def _balance(self, promise: Promise) -> Decimal:
        return family_balance(
            promise.customer_id,
            promise.currency,
            self.snapshot.invoices,
            self.snapshot.credits,
            self.owners,
            issued_by=promise.date,
        )

    def grace_days(self, promise: Promise) -> int:
        """The grace of the promise's procedure (the one of the customer it is dunned as)."""
        customer = self.customers[self.owners[promise.customer_id]]
        return self.book.promise_grace_days(
            customer, promise.currency, lambda: promise.balance_at_promise
        )

    # --- scopes ---

    def build_scopes(self, holds: Holds) -> dict[ScopeKey, Scope]:
        builder = ScopeBuilder(self.book, self.snapshot.groups, holds)
        buckets = bucket_open_invoices(self.snapshot.invoices, self.owners)
        for (owner_id, currency), invoices in buckets.items():
            if owner_id in holds.customers:
                continue  # the whole customer is paused: its scopes keep their state
            builder.add_bucket(self.customers[owner_id], currency, invoices)
        return builder.scopes

    def level_rules(self, procedure: Procedure, currency: str) -> LevelRules:
        key = (procedure.procedure_id, currency)
        rules = self.rules.get(key)
        if rules is None:
            rules = self.rules[key] = level_rules(procedure, currency)
        return rules

    def measure(self, invoices: Sequence[Invoice]) -> tuple[list[int], list[Decimal], Decimal]:
        """Days overdue and remaining amount per item, and the sum of those already due."""
        days_overdue = self.days_overdue
        days = [days_overdue[invoice.due_date] for invoice in invoices]
        remaining = [invoice.amount_remaining for invoice in invoices]
        due_total = sum([r for d, r in zip(days, remaining, strict=True) if d > 0], ZERO)
        return days, remaining, due_total

    def scope_credits(self, scope: Scope) -> list[Credit]:
        """Credits net only on the customer's own letter (the one without a department)."""
        kind, _, currency = scope.key
        if (
            kind != ScopeKind.CUSTOMER
            or not scope.procedure.net_credits
            or scope.department is not None
        ):
            return []
        return self.credits.get((scope.owner.customer_id, currency), [])

    def evaluate_scope(self, scope: Scope) -> None:
        invoices = scope.invoices
        if scope.key in self.pending:
            return  # a letter awaits approval: the scope is held as it is
        if not invoices:
            if not scope.held:  # nothing open any more
                self.store(scope, None, self.states.get(scope.key))
            return  # everything open is paused: keep the schedule
        procedure = scope.procedure
        currency = scope.key[2]
        days, remaining, due_total = self.measure(invoices)
        credits = self.scope_credits(scope)
        for credit in credits:
            due_total -= credit.amount_unapplied  # overdue_balance nets credits (net_credits)
        rules = self.level_rules(procedure, currency)
        levels = item_levels(rules, days, remaining, due_total)
        level = apply_min_percent(rules, levels, remaining)
        state = self.states.get(scope.key)
        stored = state.level if state else None
        last = state.last_letter_date if state else None
        step = next_step(procedure, stored, last, level, self.as_of)
        if step.letter_level is None:
            if step.stored_level != stored:
                self.store(scope, step.stored_level, state)
            return
        ref = ScopeRef(*scope.key)
        letter = build_letter(
            subsidiary_id=self.subsidiary_id,
            as_of=self.as_of,
            ref=ref,
            owner=scope.owner,
            procedure=procedure,
            level_number=step.letter_level,
            items=listed_items(invoices, days, levels),
            credits=credits,
            department=scope.department,
            previous=state,
        )
        if letter is None:
            return  # nothing owed after credits: no letter, nothing changes
        cycle = state.cycle if state else None
        unanswered = 0
        if cycle is not None:
            unanswered = unanswered_before(cycle, self.ledger_for(scope, cycle))
            letter = escalate(letter, unanswered, procedure.print_after_unanswered)
        self.letters.append(letter)
        if procedure.sending == Sending.AUTOMATIC:
            # A manual letter waits for approval; approving it updates the state.
            self.changed_states.append(self.state_after(letter, unanswered))

    def state_after(self, letter: Letter, unanswered: int) -> ScopeState:
        """The scope's state once today's letter is sent: its cycle goes on with it."""
        ref = ScopeRef(letter.scope, letter.scope_id, letter.currency)
        cycle = cycle_after(letter, unanswered)
        return ScopeState(ref, letter.customer_id, letter.level, self.as_of, letter.level, cycle)

    def unanswered(self, ref: ScopeRef) -> int:
        """Letters of the scope emailed since its last payment (engagement.py)."""
        state = self.states.get(_key(ref))
        return unanswered_before(state.cycle, self.ledger) if state and state.cycle else 0

    @property
    def ledger(self) -> Ledger:
        """The invoices as they stand today, built once (one pass) when a cycle needs
        more than its own scope's invoices."""
        if self._ledger is None:
            open_remaining: dict[str, Decimal] = {}
            settled = dict(self.settled)
            for i in self.snapshot.invoices:
                if i.status == InvoiceStatus.OPEN:
                    if i.amount_remaining > ZERO:
                        open_remaining[i.invoice_id] = i.amount_remaining
                else:
                    settled[i.invoice_id] = i.status
            self._ledger = Ledger(open_remaining, settled)
        return self._ledger

    @property
    def settled(self) -> Mapping[str, InvoiceStatus]:
        """Invoices no longer open (paid or void) of the shard's history, built once."""
        if self._settled is None:
            self._settled = {i.invoice_id: i.status for i in self.snapshot.history if not i.is_open}
        return self._settled

    def ledger_for(self, scope: Scope | None, cycle: LetterCycle) -> Ledger:
        """What a cycle's invoices stand at, from its own scope's open invoices and the
        history when they tell all (the usual case), else from the whole shard's."""
        local = {i.invoice_id: i.amount_remaining for i in scope.invoices} if scope else {}
        settled = self.settled
        if all(i in local or i in settled for i, _ in cycle.owed):
            return Ledger(local, settled)
        return self.ledger

    def end_cycles(self, scopes: Mapping[ScopeKey, Scope], holds: Holds) -> None:
        """Cycles whose scope has nothing overdue left end today; paid ones are thanked
        (SPEC 2.9). A scope held (pending approval, customer paused) or written to today
        keeps its cycle."""
        written = {_key(s.ref): n for n, s in enumerate(self.changed_states)}
        lettered = {(x.scope, x.scope_id, x.currency) for x in self.letters}
        for key, state in self.states.items():
            if state.cycle is None or key in self.pending or key in lettered:
                continue
            if state.customer_id in holds.customers:
                continue
            scope = scopes.get(key)
            if scope is not None and any(self.days_overdue[i.due_date] > 0 for i in scope.invoices):
                continue  # still overdue: the cycle goes on (the usual case, no ledger needed)
            end = cycle_end(state.cycle, self.ledger_for(scope, state.cycle), overdue_left=False)
            if end == CycleEnd.GOES_ON:
                continue
            if end == CycleEnd.PAID:
                procedure = self.book.get(state.cycle.procedure_id)
                template = procedure.thank_you_template if procedure else None
                note = thank_you(state, self.subsidiary_id, self.as_of, template)
                if note is not None:
                    self.thanks.append(note)
            if key in written:
                n = written[key]
                self.changed_states[n] = replace(self.changed_states[n], cycle=None)
            else:
                self.changed_states.append(replace(state, cycle=None))

    def store(self, scope: Scope, level: int | None, state: ScopeState | None) -> None:
        """Record a new level without a letter (the last letter date stays)."""
        if state is None and level is None:
            return
        if state is not None and state.level == level:
            return
        last = state.last_letter_date if state else None
        last_level = state.last_letter_level if state else None
        cycle = state.cycle if state else None
        ref = ScopeRef(*scope.key)
        owner = scope.owner.customer_id
        self.changed_states.append(ScopeState(ref, owner, level, last, last_level, cycle))

    def reset_vanished(self, scopes: Mapping[ScopeKey, Scope], holds: Holds) -> None:
        """A stored level whose scope has nothing open (or no procedure) any more resets to none."""
        for key, state in self.states.items():
            if state.level is None or key in scopes or key in self.pending:
                continue
            if state.customer_id in holds.customers:
                continue  # paused customer: keep the schedule for when it resumes
            self.changed_states.append(replace(state, level=None))


def evaluate(config: Config, subsidiary_id: str, snapshot: Snapshot, as_of: date) -> Evaluation:
    """Letters to make on `as_of` and the states and promises that change (SPEC 2.1-2.4)."""
    with cyclic_gc_paused(), localcontext(MONEY_CONTEXT):
        run = Run(config, subsidiary_id, snapshot, as_of)
        holds, changed_promises = run.holds()
        scopes = run.build_scopes(holds)
        for scope in scopes.values():
            run.evaluate_scope(scope)
        run.reset_vanished(scopes, holds)
        run.end_cycles(scopes, holds)
    return Evaluation(
        letters=tuple(run.letters),
        states=tuple(run.changed_states),
        promises=changed_promises,
        thanks=tuple(run.thanks),
    )
