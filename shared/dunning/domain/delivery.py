"""Pure rules of delivery: the ledger's states, fresh data before sending, recipients
and channels (SPEC 2.5, 2.6)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from dunning.domain.model import (
    Channel,
    Contact,
    Customer,
    Delivery,
    Invoice,
    Letter,
    Pause,
    ScopeKind,
)


class Ledger(StrEnum):
    """Where a letter is in its life. Only QUEUED may be claimed; CLAIMED is sending now."""

    QUEUED = "queued"
    PENDING_APPROVAL = "pending_approval"
    CLAIMED = "claimed"
    SENT = "sent"
    PRINTED = "printed"
    DROPPED = "dropped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    NEEDS_RECONCILIATION = "needs_reconciliation"


FINAL = frozenset(
    {
        Ledger.SENT,
        Ledger.PRINTED,
        Ledger.DROPPED,
        Ledger.CANCELLED,
        Ledger.FAILED,
        Ledger.NEEDS_RECONCILIATION,
    }
)

DUNNING_ROLE = "dunning"
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def is_valid_email(address: str) -> bool:
    return bool(_EMAIL.match(address))


def refresh(
    letter: Letter, invoices: Mapping[str, Invoice], pauses: Iterable[Pause], today: date
) -> Letter | None:
    """The letter as it stands now: paid or paused items leave, remaining amounts are
    current. None when nothing is left to ask for."""
    paused = {(p.target, p.target_id) for p in pauses if p.active_on(today)}
    if (ScopeKind.CUSTOMER, letter.customer_id) in paused:
        return None
    items = []
    for item in letter.items:
        inv = invoices.get(item.invoice_id)
        if inv is None or not inv.is_open or (ScopeKind.INVOICE, inv.invoice_id) in paused:
            continue
        if inv.group_id and (ScopeKind.INVOICE_GROUP, inv.group_id) in paused:
            continue
        items.append(replace(item, amount_remaining=inv.amount_remaining))
    fresh = replace(letter, items=tuple(items))
    if not items or fresh.amount_due <= 0:
        return None
    return fresh


@dataclass(frozen=True)
class Route:
    to: tuple[str, ...]
    cc: tuple[str, ...]
    channels: tuple[Channel, ...]


def route(
    letter: Letter,
    customer: Customer,
    contacts: Sequence[Contact],
    bounced: frozenset[str] = frozenset(),
) -> Route:
    """Who receives the letter and how: the customer's delivery preference, the level's
    channels, and print instead of email when no valid address is left."""
    to = _recipients(letter, customer, contacts, bounced)
    wanted = set(letter.channels)
    if customer.delivery is Delivery.PRINT:
        wanted = {Channel.PRINT}
    elif customer.delivery is Delivery.BOTH:
        wanted = {Channel.EMAIL, Channel.PRINT}
    if Channel.EMAIL in wanted and not to:
        wanted = (wanted - {Channel.EMAIL}) | {Channel.PRINT}
    channels = tuple(c for c in (Channel.EMAIL, Channel.PRINT) if c in wanted)
    cc = (customer.manager_email,) if customer.manager_email and Channel.EMAIL in wanted else ()
    return Route(to if Channel.EMAIL in wanted else (), cc, channels)


def _recipients(
    letter: Letter, customer: Customer, contacts: Sequence[Contact], bounced: frozenset[str]
) -> tuple[str, ...]:
    found: list[str] = []
    if not customer.exclude_customer_email:
        found.extend(customer.emails)
    for c in contacts:
        if (c.role or "").lower() != DUNNING_ROLE:
            continue
        if c.department and letter.department and c.department != letter.department:
            continue
        found.append(c.email)
    seen: set[str] = set()
    result = []
    for address in found:
        key = address.strip().lower()
        if key in seen or key in bounced or not is_valid_email(address.strip()):
            continue
        seen.add(key)
        result.append(address.strip())
    return tuple(result)
