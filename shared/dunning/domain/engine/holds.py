"""Pauses and promises to pay (SPEC 2.4): what is held from dunning today."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from dunning.domain.model import Pause, Promise, ScopeKind


@dataclass(frozen=True, slots=True)
class Holds:
    """Ids paused today, by kind of target."""

    customers: frozenset[str] = frozenset()
    invoices: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def with_customers(self, customer_ids: Iterable[str]) -> Holds:
        return replace(self, customers=self.customers | frozenset(customer_ids))


def active_holds(pauses: Iterable[Pause], as_of: date) -> Holds:
    """Pauses in force on `as_of` (`until` is the last paused day, inclusive)."""
    by_kind: dict[ScopeKind, set[str]] = {kind: set() for kind in ScopeKind}
    for pause in pauses:
        if pause.active_on(as_of):
            by_kind[ScopeKind(pause.target)].add(pause.target_id)
    return Holds(
        customers=frozenset(by_kind[ScopeKind.CUSTOMER]),
        invoices=frozenset(by_kind[ScopeKind.INVOICE]),
        groups=frozenset(by_kind[ScopeKind.INVOICE_GROUP]),
    )


def promise_deadline(promise: Promise, grace_days: int) -> date:
    """The last day the promise holds dunning back.

    A promise dated near the end of the calendar holds until its last day rather
    than raising: the API and the configuration keep dates and grace days within
    their bounds, but a rule on dates must not fail on a date it was given.
    """
    try:
        return promise.date + timedelta(days=grace_days)
    except OverflowError:
        return date.max if grace_days > 0 else date.min


def promise_kept(promise: Promise, balance_now: Decimal) -> bool:
    """Kept when the open balance dropped by at least the promised amount."""
    return promise.balance_at_promise - balance_now >= promise.amount


@dataclass(frozen=True, slots=True)
class PromiseReview:
    paused_customers: frozenset[str]
    broken: tuple[Promise, ...]  # newly broken, to be stored


def review_promises(
    promises: Iterable[Promise],
    as_of: date,
    grace_days: Callable[[Promise], int],
    balance_now: Callable[[Promise], Decimal],
) -> PromiseReview:
    """Pause customers within their promise's grace; judge the promises past it.

    A promise past its grace no longer holds anything. One not kept is
    returned once as broken; a kept one changes nothing (its balance only
    counts what was owed when it was made, so it stays kept).
    """
    paused: set[str] = set()
    broken: list[Promise] = []
    for promise in promises:
        if promise.broken:
            continue
        if as_of <= promise_deadline(promise, grace_days(promise)):
            paused.add(promise.customer_id)
        elif not promise_kept(promise, balance_now(promise)):
            broken.append(replace(promise, broken=True))
    return PromiseReview(paused_customers=frozenset(paused), broken=tuple(broken))
