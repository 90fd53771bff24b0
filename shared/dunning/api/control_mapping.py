"""Use-case results -> the control-centre bodies of customer_schemas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import quote

from dunning.api.customer_schemas import (
    ActivityList,
    ActivityOut,
    Aging,
    BalanceOut,
    ContactOut,
    CreditOut,
    CustomerCentre,
    InvoiceCentre,
    InvoiceOut,
    LevelOut,
    NextLetterOut,
    NextLetters,
    PauseOut,
    ProfileOut,
    PromiseOut,
)
from dunning.api.schemas import LetterOut
from dunning.domain.control.balances import CurrencyBalance, days_overdue
from dunning.domain.model import Customer, Invoice, Pause, ScopeKind
from dunning.usecases.customer_view import ActivityPage, CustomerOverview, InvoiceOverview


def customer_centre(o: CustomerOverview) -> CustomerCentre:
    p, today = o.partition, o.found.today
    own_pause = [x for x in p.pauses if x.target == ScopeKind.CUSTOMER and x.active_on(today)]
    open_invoices = sorted(
        (i for i in p.invoices if i.is_open), key=lambda i: (i.due_date, i.invoice_id)
    )
    return CustomerCentre(
        as_of=today,
        dunned_as=o.next_letters.owner_id,
        profile=_profile(p.customer),
        contacts=[
            ContactOut(name=c.name, email=c.email, department=c.department, role=c.role)
            for c in p.contacts
        ],
        paused=bool(own_pause),
        balances={cur: _balance(b) for cur, b in o.balances.items()},
        invoices=[invoice_out(i, today, p.pauses) for i in open_invoices],
        credits=[
            CreditOut(
                credit_id=c.credit_id,
                currency=c.currency,
                date=c.date,
                amount_unapplied=str(c.amount_unapplied),
                kind=str(c.kind),
            )
            for c in p.credits
            if c.amount_unapplied > 0
        ],
        levels=[
            LevelOut(
                scope=s.ref.scope,
                scope_id=s.ref.scope_id,
                currency=s.ref.currency,
                level=s.level,
                last_letter_date=s.last_letter_date,
            )
            for s in p.states
        ],
        pauses=[pause_out(x, today) for x in p.pauses],
        promises=[
            PromiseOut(
                amount=str(x.amount),
                currency=x.currency,
                date=x.date,
                balance_at_promise=str(x.balance_at_promise),
                state=state,
            )
            for x, state in o.promises
        ],
        next_letter=_next(o),
        letters=[LetterOut.from_entry(e) for e in o.letters],
        activity=activity_list(o.activity),
    )


def invoice_centre(o: InvoiceOverview) -> InvoiceCentre:
    return InvoiceCentre(
        invoice=invoice_out(o.invoice, o.today, o.pauses),
        letters=[LetterOut.from_entry(e) for e in o.letters],
        pauses=[pause_out(x, o.today) for x in o.pauses],
    )


def activity_list(page: ActivityPage) -> ActivityList:
    entries = [
        ActivityOut(
            at=e.at,
            kind=e.kind,
            action=e.action,
            actor=e.actor,
            target=e.target,
            target_id=e.target_id,
            detail=e.detail,
        )
        for e in page.entries
    ]
    return ActivityList(activity=entries, count=len(entries), cursor=page.cursor)


def invoice_out(i: Invoice, today: date, pauses: tuple[Pause, ...] | list[Pause]) -> InvoiceOut:
    held = {(ScopeKind.INVOICE, i.invoice_id), (ScopeKind.INVOICE_GROUP, i.group_id)}
    paused = any((x.target, x.target_id) in held and x.active_on(today) for x in pauses)
    return InvoiceOut(
        invoice_id=i.invoice_id,
        customer_id=i.customer_id,
        number=i.number,
        issue_date=i.issue_date,
        due_date=i.due_date,
        currency=i.currency,
        amount=str(i.amount),
        amount_remaining=str(i.amount_remaining),
        status=str(i.status),
        paid_date=i.paid_date,
        department=i.department,
        group_id=i.group_id,
        procedure_id=i.procedure_id,
        days_overdue=days_overdue(i, today),
        paused=paused,
    )


def pause_out(x: Pause, today: date) -> PauseOut:
    return PauseOut(
        target=x.target,
        id=x.target_id,
        reason=x.reason,
        note=x.note,
        until=x.until,
        active=x.active_on(today),
    )


def _profile(c: Customer) -> ProfileOut:
    # The public profile is the customer's own fields, by name (tuples become lists).
    return ProfileOut.model_validate({name: getattr(c, name) for name in ProfileOut.model_fields})


def _balance(b: CurrencyBalance) -> BalanceOut:
    a = {name: str(amount) for name, amount in b.aging.items()}
    return BalanceOut(
        total=str(b.total),
        invoices=str(b.invoices_remaining),
        overdue=str(b.overdue),
        credits=str(b.credits),
        open_invoices=b.open_invoices,
        aging=Aging.model_validate(a),
    )


def _next(o: CustomerOverview) -> NextLetters:
    hand = o.next_letters
    letters = [
        NextLetterOut(
            scope=x.scope,
            scope_id=x.scope_id,
            currency=x.currency,
            level=x.level,
            amount_due=str(Decimal(x.amount_due)),
            invoice_ids=list(x.invoice_ids),
        )
        for x in hand.letters
    ]
    path = f"/customers/{quote(o.found.customer.customer_id, safe='')}/preview"
    return NextLetters(letters=letters, held_by=hand.held_by, preview=path)
