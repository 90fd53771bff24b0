"""Pure rules of delivery (SPEC 2.5, 2.6): the ledger's states, the letter as it stands
just before sending, who receives it and over which channel.

Nothing here reads a table or a clock: the render-and-send use case reads what is
stored (strongly consistent), passes it in, and acts on the answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from dunning.domain.holds import Holds, active_holds, promise_deadline
from dunning.domain.letters import item_interest, letter_channels, payment_plan
from dunning.domain.model import (
    Channel,
    Config,
    Contact,
    Credit,
    Customer,
    Invoice,
    InvoiceStatus,
    Letter,
    LetterCredit,
    LetterItem,
    Level,
    Pause,
    Promise,
    ScopeKind,
    Subsidiary,
)
from dunning.domain.money import ZERO, round_money


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
MAX_RECIPIENTS = 50  # SES takes at most 50 addresses (To + Cc) per message
DEFAULT_GRACE_DAYS = 3

# The address grammar the MIME builder accepts (adapters/email_message.py): an address
# that passes here can always be put in a header, so a claimed letter never fails on it.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def is_valid_email(address: str) -> bool:
    return len(address) <= 254 and bool(_EMAIL.fullmatch(address))


def address_key(address: str) -> str:
    """How an address is compared and stored (bounce marks): trimmed, lower case."""
    return address.strip().lower()


# --- What is stored now --------------------------------------------------------------


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


def held_on(current: Current, today: date, grace_days: int = DEFAULT_GRACE_DAYS) -> Holds:
    """Pauses in force today, and customers within the grace of a promise to pay."""
    holds = active_holds(current.pauses, today)
    promised = [
        p.customer_id
        for p in current.promises
        if not p.broken and today <= promise_deadline(p, grace_days)
    ]
    return holds.with_customers(promised) if promised else holds


# --- The letter as it stands now (SPEC 2.6) ----------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What the letter's procedure says about it today; None fields when the
    procedure or level has left the configuration since the letter was made."""

    level: Level | None = None
    net_credits: bool = True
    grace_days: int = DEFAULT_GRACE_DAYS


def terms_of(config: Config, letter: Letter) -> Terms:
    procedure = next((p for p in config.procedures if p.procedure_id == letter.procedure_id), None)
    if procedure is None:
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


# --- Recipients and channels (SPEC 2.5) -------------------------------------------------


def letter_departments(letter: Letter, invoices: Mapping[str, Invoice]) -> frozenset[str]:
    """The departments a letter is about: its own (one letter per department), else
    those of the invoices it lists."""
    if letter.department:
        return frozenset({letter.department})
    found = (invoices.get(item.invoice_id) for item in letter.items)
    return frozenset(inv.department for inv in found if inv is not None and inv.department)


@dataclass(frozen=True)
class Route:
    """Who receives a letter and how."""

    to: tuple[str, ...]
    cc: tuple[str, ...]
    channels: tuple[Channel, ...]
    sender: str | None  # the subsidiary's verified sender; None when not emailed
    reply_to: str | None
    note: str | None = None  # why the letter is printed instead of emailed, when it is

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.to + self.cc

    @property
    def emailed(self) -> bool:
        return Channel.EMAIL in self.channels

    @property
    def printed(self) -> bool:
        return Channel.PRINT in self.channels


def route(
    letter: Letter,
    customer: Customer,
    contacts: Sequence[Contact],
    subsidiary: Subsidiary,
    *,
    departments: frozenset[str] = frozenset(),
    bounced: frozenset[str] = frozenset(),
    level_channels: tuple[Channel, ...] | None = None,
) -> Route:
    """Recipients and channels of one letter.

    - to: the customer's own addresses unless it excludes them, then its contacts with
      the dunning role; a contact with a department only for letters about that
      department's invoices. Invalid and bounced addresses are left out; duplicates
      once.
    - channels: the customer's delivery decides (email takes the level's channels,
      print prints only, both does both); email with nobody left to write to, or no
      sender configured, is printed instead.
    - the dunning manager (the customer's manager_email) is the reply-to and is
      copied; else the subsidiary's reply_to. The sender is always the subsidiary's.
    `bounced` holds address keys (address_key).
    """
    wanted = letter_channels(
        customer.delivery, level_channels if level_channels is not None else letter.channels
    )
    to = _recipients(customer, contacts, departments, bounced)
    note = None
    sender = subsidiary.sender.strip() if subsidiary.sender else None
    if Channel.EMAIL in wanted:
        if not sender or not is_valid_email(sender):
            note = f"no valid sender address configured for subsidiary {subsidiary.subsidiary_id}"
        elif not to:
            note = _why_nobody(customer, contacts, departments, bounced)
        if note:  # print instead of email
            wanted = (*(c for c in wanted if c is not Channel.EMAIL), Channel.PRINT)
    channels = tuple(c for c in (Channel.EMAIL, Channel.PRINT) if c in wanted)
    if Channel.EMAIL not in channels:
        return Route((), (), channels, None, None, note)
    to = to[:MAX_RECIPIENTS]
    manager = _usable(customer.manager_email, bounced)
    cc: tuple[str, ...] = ()
    if manager and len(to) < MAX_RECIPIENTS and address_key(manager) not in _keys(to):
        cc = (manager,)
    reply_to = _usable(customer.manager_email, bounced) or _usable(subsidiary.reply_to, bounced)
    return Route(to, cc, channels, sender, reply_to, None)


def _keys(addresses: Iterable[str]) -> set[str]:
    return {address_key(a) for a in addresses}


def _usable(address: str | None, bounced: frozenset[str]) -> str | None:
    if not address:
        return None
    address = address.strip()
    ok = is_valid_email(address) and address_key(address) not in bounced
    return address if ok else None


def _listed(contact: Contact, departments: frozenset[str]) -> bool:
    """A dunning contact; one with a department only for that department's letters."""
    if (contact.role or "").strip().lower() != DUNNING_ROLE:
        return False
    if not contact.department or not contact.department.strip():
        return True
    wanted = {d.strip().casefold() for d in departments}
    return contact.department.strip().casefold() in wanted


def _candidates(
    customer: Customer, contacts: Sequence[Contact], departments: frozenset[str]
) -> list[str]:
    found = [] if customer.exclude_customer_email else list(customer.emails)
    found.extend(c.email for c in contacts if _listed(c, departments))
    return [a.strip() for a in found if a and a.strip()]


def _recipients(
    customer: Customer,
    contacts: Sequence[Contact],
    departments: frozenset[str],
    bounced: frozenset[str],
) -> tuple[str, ...]:
    seen: set[str] = set()
    result = []
    for address in _candidates(customer, contacts, departments):
        key = address_key(address)
        if key in seen or key in bounced or not is_valid_email(address):
            continue
        seen.add(key)
        result.append(address)
    return tuple(result)


def _why_nobody(
    customer: Customer,
    contacts: Sequence[Contact],
    departments: frozenset[str],
    bounced: frozenset[str],
) -> str:
    candidates = _candidates(customer, contacts, departments)
    valid = [a for a in candidates if is_valid_email(a)]
    if valid and all(address_key(a) in bounced for a in valid):
        return "every email address bounced: printed instead"
    return "no valid email address: printed instead"
