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
    """The last day the promise holds dunning back."""
    return promise.date + timedelta(days=grace_days)


def promise_kept(promise: Promise, balance_now: Decimal) -> bool:
    """Kept when the open balance dropped by at least the promised amount."""
    return promise.balance_at_promise - balance_now >= promise.amount


@dataclass(frozen=True, slots=True)
class PromiseReview:
    paused_customers: frozenset[str]
    changed: tuple[Promise, ...]


def review_promises(
    promises: Iterable[Promise],
    as_of: date,
    grace_days: Callable[[Promise], int],
    balance_now: Callable[[Promise], Decimal],
) -> PromiseReview:
    """Pause customers within their promise's grace; settle the promises past it.

    A settled promise (kept or broken) no longer holds anything; it is returned
    once, as changed, so the caller stores the outcome.
    """
    paused: set[str] = set()
    changed: list[Promise] = []
    for promise in promises:
        if promise.broken or promise.kept:
            continue
        if as_of <= promise_deadline(promise, grace_days(promise)):
            paused.add(promise.customer_id)
        elif promise_kept(promise, balance_now(promise)):
            changed.append(replace(promise, kept=True))
        else:
            changed.append(replace(promise, broken=True))
    return PromiseReview(paused_customers=frozenset(paused), changed=tuple(changed))
