"""The letter as it stands just before sending (SPEC 2.6): the customer's records read
strongly consistent, the holds in force today, and the letter re-checked against them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from operator import attrgetter

from dunning.domain.configuration.config import (
    DEFAULT_PROMISE_GRACE_DAYS,
    Config,
    Level,
    NotConfigured,
)
from dunning.domain.engine.content import item_interest, payment_plan
from dunning.domain.engine.holds import Holds, active_holds, promise_deadline
from dunning.domain.model import (
    Contact,
    Credit,
    Customer,
    Invoice,
    InvoiceStatus,
    Letter,
    LetterCredit,
    LetterItem,
    Pause,
    Promise,
    ScopeKind,
)
from dunning.domain.money import ZERO, round_money


@dataclass(frozen=True)
class CustomerRecords:
    """What one customer's partition holds that delivery needs."""

    customer: Customer | None
    contacts: tuple[Contact, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    credits: tuple[Credit, ...] = ()
    pauses: tuple[Pause, ...] = ()
    promises: tuple[Promise, ...] = ()
    children: tuple[str, ...] = ()  # customers billed to this one (bill_to_parent)


@dataclass(frozen=True)
class Current:
    """The letter's customer and every customer billed to it, as stored right now."""

    customer: Customer | None
    contacts: tuple[Contact, ...]
    invoices: Mapping[str, Invoice]
    credits: tuple[Credit, ...]
    pauses: tuple[Pause, ...]
    promises: tuple[Promise, ...]
    members: frozenset[str]  # the customer ids read: the owner and its billed-to children


def current_of(owner: CustomerRecords, children: Iterable[CustomerRecords] = ()) -> Current:
    """Merge the owner's records with those of the customers dunned through it.

    Contacts stay the owner's: a bill_to_parent child is dunned through its parent's
    letter and recipients (SPEC 2.5).
    """
    parts = [owner, *children]
    return Current(
        customer=owner.customer,
        contacts=owner.contacts,
        invoices={i.invoice_id: i for part in parts for i in part.invoices},
        credits=tuple(c for part in parts for c in part.credits),
        pauses=tuple(p for part in parts for p in part.pauses),
        promises=tuple(p for part in parts for p in part.promises),
        members=frozenset(p.customer.customer_id for p in parts if p.customer is not None),
    )


def held_on(current: Current, today: date, grace_days: int = DEFAULT_PROMISE_GRACE_DAYS) -> Holds:
    """Pauses in force today, and customers within the grace of a promise to pay."""
    holds = active_holds(current.pauses, today)
    promised = [
        p.customer_id
        for p in current.promises
        if not p.broken and today <= promise_deadline(p, grace_days)
    ]
    return holds.with_customers(promised) if promised else holds


@dataclass(frozen=True)
class Terms:
    """What the letter's procedure says about it today; None fields when the
    procedure or level has left the configuration since the letter was made."""

    level: Level | None = None
    net_credits: bool = True
    grace_days: int = DEFAULT_PROMISE_GRACE_DAYS


def terms_of(config: Config, letter: Letter) -> Terms:
    try:
        procedure = config.procedure(letter.procedure_id)
    except NotConfigured:
        return Terms(net_credits=bool(letter.credits))
    levels = procedure.levels
    level = levels[letter.level - 1] if 0 < letter.level <= len(levels) else None
    return Terms(level, procedure.net_credits, procedure.promise_grace_days)


@dataclass(frozen=True)
class Refresh:
    letter: Letter | None  # None: nothing is left to ask for, the letter is dropped
    changes: tuple[str, ...]  # what differs from the letter as evaluated, for the ledger

    @property
    def dropped(self) -> bool:
        return self.letter is None


def refresh(letter: Letter, current: Current, today: date, terms: Terms = Terms()) -> Refresh:
    """The letter re-checked against what is stored now (SPEC 2.6).

    Paid, voided, re-currencied or paused items leave; a partly paid item shows its
    new remaining amount (and the interest on it); a customer letter nets the open
    credits as they are now. Nothing left to ask for, or a paused customer: dropped.
    Items are never added: a new invoice waits for the next evaluation.
    """
    if current.customer is None:
        return Refresh(None, ("the customer is no longer on file",))
    holds = held_on(current, today, terms.grace_days)
    if letter.customer_id in holds.customers:
        return Refresh(None, ("the customer is paused",))
    changes: list[str] = []
    items = []
    for item in letter.items:
        why_not = _why_not_listed(item, current.invoices.get(item.invoice_id), letter, holds)
        if why_not:
            changes.append(f"{item.number} {why_not}")
            continue
        items.append(_refreshed_item(item, current.invoices[item.invoice_id], letter, terms))
        if items[-1].amount_remaining != item.amount_remaining:
            changes.append(
                f"{item.number} remaining {item.amount_remaining} -> {items[-1].amount_remaining}"
            )
    credits = _refreshed_credits(letter, current, terms)
    if credits != letter.credits:
        changes.append(f"credits {letter.total_credits} -> {sum_credits(credits)}")
    if not items:
        return Refresh(None, (*changes, "nothing is left open"))
    fresh = replace(
        letter,
        items=tuple(items),
        credits=credits,
        interest=sum((i.interest for i in items), ZERO),
    )
    if fresh.amount_due <= 0:
        return Refresh(None, (*changes, "credits cover what is left"))
    if fresh.amount_due != letter.amount_due and letter.payment_plan:
        plan = terms.level.payment_plan if terms.level else None
        if plan is None:  # the level is gone: a plan for the old amount would be wrong
            changes.append("payment plan left out")
            fresh = replace(fresh, payment_plan=())
        else:
            instalments = payment_plan(plan, fresh.amount_due, letter.currency, letter.as_of)
            fresh = replace(fresh, payment_plan=instalments)
    return Refresh(fresh, tuple(changes))


def sum_credits(credits: Iterable[LetterCredit]) -> Decimal:
    return sum((c.amount_unapplied for c in credits), ZERO)


def _why_not_listed(item: LetterItem, inv: Invoice | None, letter: Letter, holds: Holds) -> str:
    if inv is None:
        return "is no longer on file"
    if not inv.is_open:
        return "is void" if inv.status is InvoiceStatus.VOID else "is paid"
    if inv.currency != letter.currency:
        return f"is now in {inv.currency}"
    if (
        inv.invoice_id in holds.invoices
        or inv.customer_id in holds.customers
        or (inv.group_id is not None and inv.group_id in holds.groups)
    ):
        return "is paused"
    return ""


def _refreshed_item(item: LetterItem, inv: Invoice, letter: Letter, terms: Terms) -> LetterItem:
    if inv.amount_remaining == item.amount_remaining:
        return item
    if terms.level is not None:
        rate = terms.level.interest_rate_pa
        interest = item_interest(inv.amount_remaining, rate, item.days_overdue, letter.currency)
    elif item.amount_remaining > 0:  # the level is gone: keep its interest in proportion
        share = item.interest * inv.amount_remaining / item.amount_remaining
        interest = round_money(share, letter.currency)
    else:
        interest = ZERO
    return replace(item, amount_remaining=inv.amount_remaining, interest=interest)


def _refreshed_credits(letter: Letter, current: Current, terms: Terms) -> tuple[LetterCredit, ...]:
    """A customer's own letter (not a department's) nets its open credits as they are now."""
    if letter.scope != ScopeKind.CUSTOMER or letter.department is not None:
        return letter.credits
    if not terms.net_credits:
        return ()
    open_now = sorted(
        (
            c
            for c in current.credits
            if c.currency == letter.currency
            and c.amount_unapplied > 0
            and c.customer_id in current.members
        ),
        key=attrgetter("date", "credit_id"),
    )
    return tuple(LetterCredit(c.credit_id, c.date, c.amount_unapplied, c.kind) for c in open_now)
