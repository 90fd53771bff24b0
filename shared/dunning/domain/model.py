"""The nouns of dunning as plain, immutable data.

Everything here is pure: no I/O, no AWS, no templating. Money is `Decimal`,
dates are `date` in the subsidiary's time zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from dunning.domain.postal import PostalAddress


class Delivery(StrEnum):
    EMAIL = "email"
    PRINT = "print"
    BOTH = "both"


class Channel(StrEnum):
    EMAIL = "email"
    PRINT = "print"
    SMS = "sms"  # a short text to the customer's and its dunning contacts' phones (SPEC 2.9)


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


class CreditKind(StrEnum):
    CREDIT_MEMO = "credit_memo"
    PAYMENT = "payment"


class ScopeKind(StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"
    INVOICE_GROUP = "invoice_group"


class Sending(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Operator(StrEnum):
    AND = "and"
    OR = "or"


class Escalation(StrEnum):
    JUMP = "jump"
    STEP = "step"


class PauseReason(StrEnum):
    DISPUTE = "dispute"
    PAYMENT_ARRANGEMENT = "payment_arrangement"
    PROMISE_TO_PAY = "promise_to_pay"
    OTHER = "other"


class LetterStatus(StrEnum):
    """Where a letter is in its life (the ledger). Only QUEUED may be claimed; CLAIMED
    is being sent right now."""

    QUEUED = "queued"
    PENDING_APPROVAL = "pending_approval"
    CLAIMED = "claimed"
    SENT = "sent"
    PRINTED = "printed"
    DROPPED = "dropped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    NEEDS_RECONCILIATION = "needs_reconciliation"


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    subsidiary_id: str
    name: str
    emails: tuple[str, ...] = ()
    language: str = "en"
    currency: str = "EUR"
    parent_id: str | None = None
    bill_to_parent: bool = False
    procedure_id: str | None = None
    delivery: Delivery = Delivery.EMAIL
    manager_email: str | None = None
    tags: tuple[str, ...] = ()
    exclude_customer_email: bool = False
    split_by_department: bool = False
    # For the letter's window envelope (SPEC 2.8); None when the ERP has none.
    address: PostalAddress | None = None
    phone: str | None = None  # E.164, as imported
    # Who it is dunned as (the end of its bill_to_parent chain) as resolved when it was
    # stored; None on a customer read from an export.
    dunned_as_id: str | None = None

    @property
    def billed_to(self) -> str:
        return billed_to(self.customer_id, self.parent_id, self.bill_to_parent)


def billed_to(customer_id: str, parent_id: str | None, bill_to_parent: bool) -> str:
    """The customer whose bill a customer's invoices go on: its parent when it bills to
    its parent, else itself. One step only: `dunned_as` follows the whole chain."""
    return parent_id if bill_to_parent and parent_id else customer_id


def dunned_as(customer: Customer, lookup: Callable[[str], Customer | None]) -> str:
    """The id of the customer whose letters list `customer`'s invoices (SPEC 2.1).

    A bill_to_parent customer has no scope of its own, so neither has a parent that
    bills to its own parent: a grandchild is dunned as the end of the chain. A parent
    that `lookup` does not know (or a cycle) ends the chain at the last one known, so
    the customer is dunned rather than not at all.
    """
    current = customer
    seen = {customer.customer_id}
    while (parent_id := current.billed_to) not in seen:
        parent = lookup(parent_id)
        if parent is None:
            break
        seen.add(parent_id)
        current = parent
    return current.customer_id


@dataclass(frozen=True, slots=True)
class Contact:
    customer_id: str
    name: str
    email: str
    department: str | None = None
    role: str | None = None
    phone: str | None = None  # E.164, as imported


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_id: str
    customer_id: str
    number: str
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    amount_remaining: Decimal
    department: str | None = None
    group_id: str | None = None
    procedure_id: str | None = None
    status: InvoiceStatus = InvoiceStatus.OPEN
    paid_date: date | None = None

    @property
    def is_open(self) -> bool:
        return self.status is InvoiceStatus.OPEN and self.amount_remaining > 0


@dataclass(frozen=True, slots=True)
class Credit:
    credit_id: str
    customer_id: str
    currency: str
    date: date
    amount_unapplied: Decimal
    kind: CreditKind = CreditKind.CREDIT_MEMO
    # The RF reference the payer quoted (payments only), normalised: it names a letter.
    payment_reference: str | None = None


@dataclass(frozen=True, slots=True)
class InvoiceGroup:
    group_id: str
    customer_id: str
    procedure_id: str | None = None


@dataclass(frozen=True, slots=True)
class ScopeRef:
    """What one letter is about, in one currency."""

    scope: ScopeKind
    scope_id: str
    currency: str


@dataclass(frozen=True, slots=True)
class LetterCycle:
    """A scope's letters since it last had nothing overdue (SPEC 2.9): what its last
    letter asked for, and how many letters were emailed since the last payment.
    The rules that read and move it: domain/engine/engagement.py."""

    procedure_id: str  # the last letter's procedure (its thank_you_template)
    owed: tuple[tuple[str, Decimal], ...]  # (invoice id, remaining) on the last letter
    unanswered: int = 0  # letters emailed with no payment since


@dataclass(frozen=True, slots=True)
class ScopeState:
    """The level and date of the last letter of a (scope, currency)."""

    ref: ScopeRef
    customer_id: str
    level: int | None = None
    last_letter_date: date | None = None
    # The level of the last letter itself: `level` may since have dropped or reset.
    last_letter_level: int | None = None
    # None: no letter since the scope last had nothing overdue (or from before cycles).
    cycle: LetterCycle | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    target: ScopeKind  # customer, invoice or invoice_group
    target_id: str
    customer_id: str
    reason: PauseReason
    note: str = ""
    until: date | None = None  # paused up to and including this date

    def active_on(self, day: date) -> bool:
        return self.until is None or day <= self.until


@dataclass(frozen=True, slots=True)
class Promise:
    customer_id: str
    amount: Decimal
    currency: str
    date: date
    balance_at_promise: Decimal
    broken: bool = False


@dataclass(frozen=True, slots=True)
class LetterItem:
    invoice_id: str
    number: str
    issue_date: date
    due_date: date
    amount: Decimal
    amount_remaining: Decimal
    days_overdue: int
    interest: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LetterCredit:
    credit_id: str
    date: date
    amount_unapplied: Decimal
    kind: CreditKind = CreditKind.CREDIT_MEMO


@dataclass(frozen=True, slots=True)
class Instalment:
    due_date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter decided by the engine: everything templates and the ledger need."""

    letter_id: str
    as_of: date
    subsidiary_id: str
    customer_id: str
    scope: ScopeKind
    scope_id: str
    procedure_id: str
    level: int
    template: str
    currency: str
    items: tuple[LetterItem, ...]
    credits: tuple[LetterCredit, ...] = ()
    fees: Decimal = Decimal(0)
    interest: Decimal = Decimal(0)
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    sending: Sending = Sending.AUTOMATIC
    department: str | None = None
    payment_plan: tuple[Instalment, ...] = ()
    # The scope's letter before this one in this currency; both None for a first letter.
    previous_date: date | None = None
    previous_level: int | None = None
    # Printed as well as the level's channels say (print_after_unanswered, SPEC 2.9).
    print_too: bool = False

    @property
    def is_first(self) -> bool:
        """No earlier letter went to this scope in this currency (SPEC 2.8)."""
        return self.previous_date is None

    @property
    def total_items(self) -> Decimal:
        return sum((i.amount_remaining for i in self.items), Decimal(0))

    @property
    def total_credits(self) -> Decimal:
        return sum((c.amount_unapplied for c in self.credits), Decimal(0))

    @property
    def amount_due(self) -> Decimal:
        """What the customer owes on this letter; fees and interest are shown apart."""
        return self.total_items - self.total_credits

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        return tuple(i.invoice_id for i in self.items)


def letter_id_for(subsidiary_id: str, ref: ScopeRef, as_of: date) -> str:
    """Deterministic: one (scope, currency, as_of) can only ever name one letter."""
    day = as_of.isoformat()
    key = f"{subsidiary_id}|{ref.scope}|{ref.scope_id}|{ref.currency}|{day}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    # The date as YYYYMMDD from its ISO text: strftime would cost half of this function,
    # which runs once per letter.
    return f"L{day.replace('-', '')}-{digest}"
