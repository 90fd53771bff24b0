"""Letters a collector asks for (SPEC 2.5): what one customer would get today, or a
letter of a chosen level sent by hand, and the hold that stops either.

Pure, and built on the daily run's own pass (`engine.Run`): a letter made by hand
lists the same items, credits, fees and interest as the engine's letter of that
level would, and respects the same holds (pauses, promises, letters awaiting
approval) and the rule of one letter per (scope, currency, day).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import localcontext

from dunning.domain.configuration.config import Config
from dunning.domain.engine.content import build_letter, listed_items
from dunning.domain.engine.engagement import escalate, state_after
from dunning.domain.engine.holds import promise_deadline
from dunning.domain.engine.levels import item_levels
from dunning.domain.engine.run import Run, Snapshot, evaluate
from dunning.domain.engine.scopes import Scope
from dunning.domain.model import (
    Letter,
    Pause,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
    Sending,
    dunned_as,
)
from dunning.domain.money import MONEY_CONTEXT


@dataclass(frozen=True, slots=True)
class Skipped:
    """A scope of the customer that gets no letter, and why."""

    ref: ScopeRef
    code: str  # no_such_level | awaiting_approval | sent_today | all_paused | nothing_overdue
    #            | nothing_owed
    reason: str


@dataclass(frozen=True)
class HandLetters:
    """The letters for one customer today and what sending them changes."""

    owner_id: str  # the customer whose letters these are (a bill-to-parent child's parent)
    letters: tuple[Letter, ...]
    states: tuple[ScopeState, ...]  # to store once the letters are queued
    promises: tuple[Promise, ...]  # promises the evaluation settled (kept or broken)
    skipped: tuple[Skipped, ...] = ()
    held_by: str | None = None  # why the whole customer gets nothing today


def owner_of(snapshot: Snapshot, customer_id: str) -> str:
    """The customer whose letters list `customer_id`'s invoices (`dunned_as`)."""
    customers = {c.customer_id: c for c in snapshot.customers}
    customer = customers.get(customer_id)
    return customer_id if customer is None else dunned_as(customer, customers.get)


def letters_now(
    config: Config, subsidiary_id: str, snapshot: Snapshot, as_of: date, customer_id: str
) -> HandLetters:
    """What the daily run would send the customer today, to be sent now.

    A collector sending by hand is the approval: letters of a manual procedure
    are sent at once, and their scope states are stored like an automatic one's.
    """
    owner = owner_of(snapshot, customer_id)
    held = hold_of(config, subsidiary_id, snapshot, as_of, owner)
    if held is not None:
        return HandLetters(owner, (), (), (), held_by=held)
    result = evaluate(config, subsidiary_id, snapshot, as_of)
    letters = tuple(x for x in result.letters if x.customer_id == owner)
    # A cycle that ends thanked is left to the daily run, which sends the note.
    thanked = {t.ref for t in result.thanks}
    states = [s for s in result.states if s.ref not in thanked]
    stored = {s.ref: s for s in snapshot.states}
    for letter in letters:
        if letter.sending is Sending.MANUAL:
            ref = ScopeRef(letter.scope, letter.scope_id, letter.currency)
            states.append(state_after(stored.get(ref), letter, as_of))
    return HandLetters(owner, letters, tuple(states), result.promises)


def letters_at_level(
    config: Config,
    subsidiary_id: str,
    snapshot: Snapshot,
    as_of: date,
    customer_id: str,
    level: int,
) -> HandLetters:
    """A letter of `level` for each of the customer's scopes with something overdue.

    The level's thresholds are not applied (the collector chose it); everything
    else is as on the engine's letter of that level. A scope whose procedure has
    fewer levels, that awaits approval, that already had its letter today or whose
    open items are all paused is skipped, with the reason.
    """
    owner = owner_of(snapshot, customer_id)
    with localcontext(MONEY_CONTEXT):
        run = Run(config, subsidiary_id, snapshot, as_of)
        holds, _ = run.holds()
        if owner in holds.customers:
            held = hold_of(config, subsidiary_id, snapshot, as_of, owner)
            return HandLetters(owner, (), (), (), held_by=held or "paused")
        letters: list[Letter] = []
        states: list[ScopeState] = []
        skipped: list[Skipped] = []
        for scope in run.build_scopes(holds).values():
            if scope.owner.customer_id != owner:
                continue
            ref = ScopeRef(*scope.key)
            made = _why_not(run, scope, ref, level) or _letter(run, scope, ref, level)
            if isinstance(made, Skipped):
                skipped.append(made)
            else:
                unanswered = run.unanswered(ref)
                made = escalate(made, unanswered, scope.procedure.print_after_unanswered)
                letters.append(made)
                states.append(run.state_after(made, unanswered))
    return HandLetters(owner, tuple(letters), tuple(states), (), tuple(skipped))


def _why_not(run: Run, scope: Scope, ref: ScopeRef, level: int) -> Skipped | None:
    levels = len(scope.procedure.levels)
    if level > levels:
        procedure = scope.procedure.procedure_id
        return Skipped(ref, "no_such_level", f"procedure {procedure} has {levels} level(s)")
    if scope.key in run.pending:
        return Skipped(ref, "awaiting_approval", "a letter awaits approval")
    if not scope.invoices:
        return Skipped(ref, "all_paused", "every open item is paused")
    state = run.states.get(scope.key)
    last = state.last_letter_date if state else None
    if last is not None and last >= run.as_of:
        return Skipped(ref, "sent_today", f"a letter already went out on {last.isoformat()}")
    return None


def _letter(run: Run, scope: Scope, ref: ScopeRef, level: int) -> Letter | Skipped:
    """The letter of `level` for the scope, or why there is none."""
    days, remaining, due_total = run.measure(scope.invoices)
    credits = run.scope_credits(scope)
    for credit in credits:
        due_total -= credit.amount_unapplied
    levels = item_levels(run.level_rules(scope.procedure, ref.currency), days, remaining, due_total)
    items = listed_items(scope.invoices, days, levels)
    if not items:
        return Skipped(ref, "nothing_overdue", "nothing is overdue yet")
    letter = build_letter(
        subsidiary_id=run.subsidiary_id,
        as_of=run.as_of,
        ref=ref,
        owner=scope.owner,
        procedure=scope.procedure,
        level_number=level,
        items=items,
        credits=credits,
        department=scope.department,
        previous=run.states.get(scope.key),
    )
    if letter is None:
        return Skipped(ref, "nothing_owed", "nothing is owed: credits cover the overdue items")
    return letter


def hold_of(
    config: Config, subsidiary_id: str, snapshot: Snapshot, as_of: date, owner: str
) -> str | None:
    """Why the whole customer `owner` is held today (a pause or a promise), or None."""
    for pause in _customer_pauses(snapshot, owner):
        if pause.active_on(as_of):
            until = f"until {pause.until.isoformat()}" if pause.until else "with no end date"
            return f"customer {owner} is paused ({pause.reason}) {until}"
    with localcontext(MONEY_CONTEXT):
        run = Run(config, subsidiary_id, snapshot, as_of)
        holds, _ = run.holds()
        if owner not in holds.customers:
            return None
        for promise in snapshot.promises:
            if promise.customer_id == owner and not promise.broken:
                end = promise_deadline(promise, run.grace_days(promise))
                if as_of <= end:
                    return (
                        f"customer {owner} promised to pay {promise.amount} {promise.currency} "
                        f"by {promise.date.isoformat()}: held until {end.isoformat()}"
                    )
    return f"customer {owner} is paused"


def _customer_pauses(snapshot: Snapshot, owner: str) -> Sequence[Pause]:
    return [p for p in snapshot.pauses if p.target == ScopeKind.CUSTOMER and p.target_id == owner]
