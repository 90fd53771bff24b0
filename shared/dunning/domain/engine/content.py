"""What goes on a letter (SPEC 2.3 content, 2.5 fees, interest, payment plan)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from dunning.domain.bounds import MAX_INTEREST_DAYS
from dunning.domain.configuration.config import Level, PaymentPlan, Procedure
from dunning.domain.model import (
    Channel,
    Credit,
    Customer,
    Delivery,
    Instalment,
    Invoice,
    Letter,
    LetterCredit,
    LetterItem,
    ScopeRef,
    ScopeState,
    letter_id_for,
)
from dunning.domain.money import DAYS_PER_YEAR, HUNDRED, ZERO, round_money, split_evenly


def item_interest(
    remaining: Decimal, rate_pa: Decimal | None, days_overdue: int, currency: str
) -> Decimal:
    """remaining x rate/100 x days/365, rounded half up to the minor unit; 0 when not overdue.

    Days count up to MAX_INTEREST_DAYS: an invoice overdue for longer earns no more.
    """
    if days_overdue <= 0 or not rate_pa:
        return ZERO
    days = min(days_overdue, MAX_INTEREST_DAYS)
    return round_money(remaining * rate_pa * days / (HUNDRED * DAYS_PER_YEAR), currency)


def level_fee(level: Level, currency: str) -> Decimal:
    amount = level.fee.for_currency(currency) if level.fee is not None else None
    return ZERO if amount is None else round_money(amount, currency)


def payment_plan(
    plan: PaymentPlan, amount_due: Decimal, currency: str, as_of: date
) -> tuple[Instalment, ...]:
    """Equal instalments of amount_due (the last absorbs rounding), one interval apart."""
    amounts = split_evenly(amount_due, plan.instalments, currency)
    return tuple(
        Instalment(due_date=as_of + timedelta(days=plan.interval_days * (n + 1)), amount=amount)
        for n, amount in enumerate(amounts)
    )


def letter_channels(delivery: Delivery, level_channels: tuple[Channel, ...]) -> tuple[Channel, ...]:
    """The customer's delivery decides: email takes the level's channels."""
    if delivery == Delivery.PRINT:
        return (Channel.PRINT,)
    if delivery == Delivery.BOTH:
        return (Channel.EMAIL, Channel.PRINT)
    return level_channels


def listed_items(
    invoices: Sequence[Invoice], days: Sequence[int], levels: Sequence[int]
) -> list[Invoice]:
    """Items with days_overdue > 0, plus not-yet-due items that qualify for a level."""
    return [
        invoice
        for invoice, d, level in zip(invoices, days, levels, strict=True)
        if d > 0 or level > 0
    ]


_LETTER_ORDER = attrgetter("due_date", "number", "invoice_id")  # oldest first


def _item_constructor() -> Callable[..., LetterItem]:
    """A positional LetterItem constructor that fills the slots directly.

    A frozen dataclass's __init__ sets every field through object.__setattr__;
    writing the slots makes the same object in about half the time, and a
    first run builds hundreds of thousands of items. Falls back to the class
    itself should LetterItem ever get a __post_init__ or other fields.
    """
    names = tuple(f.name for f in fields(LetterItem))
    if hasattr(LetterItem, "__post_init__") or len(names) != 8:
        return LetterItem
    s0, s1, s2, s3, s4, s5, s6, s7 = (getattr(LetterItem, name).__set__ for name in names)
    new = object.__new__

    def construct(
        invoice_id: str,
        number: str,
        issue_date: date,
        due_date: date,
        amount: Decimal,
        amount_remaining: Decimal,
        days_overdue: int,
        interest: Decimal,
    ) -> LetterItem:
        item = new(LetterItem)
        s0(item, invoice_id)
        s1(item, number)
        s2(item, issue_date)
        s3(item, due_date)
        s4(item, amount)
        s5(item, amount_remaining)
        s6(item, days_overdue)
        s7(item, interest)
        return item

    return construct


new_letter_item = _item_constructor()


def _letter_items(
    invoices: Sequence[Invoice], as_of: date, rate: Decimal | None, currency: str
) -> tuple[LetterItem, ...]:
    as_of_ordinal = as_of.toordinal()
    ordered = sorted(invoices, key=_LETTER_ORDER) if len(invoices) > 1 else invoices
    # One comprehension (`for days in (...,)` names a per-item value): this runs
    # for every item of every letter, half a million on a big first run.
    return tuple(
        [
            new_letter_item(
                invoice.invoice_id,
                invoice.number,
                invoice.issue_date,
                invoice.due_date,
                invoice.amount,
                invoice.amount_remaining,
                days,
                item_interest(invoice.amount_remaining, rate, days, currency) if rate else ZERO,
            )
            for invoice in ordered
            for days in (as_of_ordinal - invoice.due_date.toordinal(),)
        ]
    )


def _letter_credits(credits: Sequence[Credit]) -> tuple[LetterCredit, ...]:
    if not credits:
        return ()
    return tuple(
        LetterCredit(c.credit_id, c.date, c.amount_unapplied, c.kind)
        for c in sorted(credits, key=attrgetter("date", "credit_id"))
    )


def _amount_due(items: Sequence[Invoice], credits: Sequence[Credit]) -> Decimal:
    total = ZERO
    for invoice in items:
        total += invoice.amount_remaining
    for credit in credits:
        total -= credit.amount_unapplied
    return total


def build_letter(
    *,
    subsidiary_id: str,
    as_of: date,
    ref: ScopeRef,
    owner: Customer,
    procedure: Procedure,
    level_number: int,
    items: Sequence[Invoice],
    credits: Sequence[Credit],
    department: str | None,
    previous: ScopeState | None = None,
) -> Letter | None:
    """The letter for one scope, or None when nothing is owed (amount_due <= 0);
    `previous`, the scope's stored state, names the letter before it."""
    currency = ref.currency
    total = _amount_due(items, credits)
    if not items or total <= ZERO:
        return None
    level = procedure.levels[level_number - 1]
    letter_items = _letter_items(items, as_of, level.interest_rate_pa, currency)
    interest = ZERO
    for item in letter_items:
        interest += item.interest
    return Letter(
        letter_id=letter_id_for(subsidiary_id, ref, as_of),
        as_of=as_of,
        subsidiary_id=subsidiary_id,
        customer_id=owner.customer_id,
        scope=ref.scope,
        scope_id=ref.scope_id,
        procedure_id=procedure.procedure_id,
        level=level_number,
        template=level.template,
        currency=currency,
        items=letter_items,
        credits=_letter_credits(credits),
        fees=level_fee(level, currency),
        interest=interest,
        channels=letter_channels(owner.delivery, level.channels),
        sending=procedure.sending,
        department=department,
        payment_plan=()
        if level.payment_plan is None
        else payment_plan(level.payment_plan, total, currency, as_of),
        previous_date=previous.last_letter_date if previous else None,
        previous_level=previous_level(previous),
    )


def previous_level(state: ScopeState | None) -> int | None:
    """The level of the scope's last letter; a state written before that was recorded
    gives its stored level, the best knowledge there is."""
    if state is None or state.last_letter_date is None:
        return None
    return state.last_letter_level if state.last_letter_level is not None else state.level
