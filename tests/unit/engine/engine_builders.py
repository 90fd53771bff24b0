"""Small builders so engine tests read like the spec's examples.

Dates are given as days overdue on AS_OF; configurations are written in
dunning.yaml itself and go through parse_config, as they would in production.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from dunning.domain.configuration.config import Config
from dunning.domain.configuration.parse import parse_config
from dunning.domain.engine.run import Evaluation, Snapshot, evaluate
from dunning.domain.model import (
    Credit,
    Customer,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
    Letter,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
    Sending,
)

AS_OF = date(2025, 3, 1)
SUB = "NL01"


def config(procedures: str, *, default: str | None = "P", rules: str = "") -> Config:
    """A one-subsidiary (NL01, EUR) configuration around the given procedures (YAML list)."""
    default_line = f"    default_procedure: {default}\n" if default else ""
    text = (
        "subsidiaries:\n"
        "  - id: NL01\n"
        "    name: Acme Nederland B.V.\n"
        "    base_currency: EUR\n"
        "    timezone: Europe/Amsterdam\n"
        "    locale: nl\n"
        f"{default_line}"
        "  - id: US01\n"
        "    name: Acme Inc.\n"
        "    base_currency: USD\n"
        "    timezone: America/New_York\n"
        f"{default_line}"
        "procedures:\n" + textwrap.indent(textwrap.dedent(procedures).strip("\n"), "  ") + "\n"
    )
    if rules:
        text += "assignment_rules:\n" + textwrap.indent(textwrap.dedent(rules).strip("\n"), "  ")
    return parse_config(text)


def simple(
    levels: str = "[{days: 15, template: friendly}, {days: 30, template: firm}]", **fields: object
) -> Config:
    """One customer procedure P with the given levels (YAML flow list) and fields."""
    extra = "".join(f"\n  {k}: {_yaml(v)}" for k, v in fields.items())
    return config(f"- id: P\n  applies_to: customer{extra}\n  levels: {levels}")


def _yaml(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def customer(customer_id: str = "C1", *, subsidiary_id: str = SUB, **fields: Any) -> Customer:
    return Customer(customer_id, subsidiary_id, f"Customer {customer_id}", **fields)


def invoice(
    invoice_id: str,
    amount: str | int,
    days_overdue: int,
    *,
    remaining: str | int | None = None,
    customer_id: str = "C1",
    currency: str = "EUR",
    **fields: Any,
) -> Invoice:
    due = AS_OF - timedelta(days=days_overdue)
    return Invoice(
        invoice_id=invoice_id,
        customer_id=customer_id,
        number=f"N-{invoice_id}",
        issue_date=due - timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=Decimal(str(amount)),
        amount_remaining=Decimal(str(amount if remaining is None else remaining)),
        **fields,
    )


def paid(inv: Invoice) -> Invoice:
    return replace(inv, status=InvoiceStatus.PAID, amount_remaining=Decimal(0), paid_date=AS_OF)


def credit(
    credit_id: str, amount: str | int, *, customer_id: str = "C1", currency: str = "EUR"
) -> Credit:
    return Credit(credit_id, customer_id, currency, AS_OF - timedelta(days=5), Decimal(str(amount)))


def group(group_id: str, customer_id: str = "C1", procedure_id: str | None = None) -> InvoiceGroup:
    return InvoiceGroup(group_id, customer_id, procedure_id)


def pause(
    kind: ScopeKind, target_id: str, *, until: date | None = None, customer_id: str = "C1"
) -> Pause:
    return Pause(kind, target_id, customer_id, PauseReason.DISPUTE, until=until)


def promise(amount: str | int, *, on: date, balance: str | int, customer_id: str = "C1") -> Promise:
    return Promise(customer_id, Decimal(str(amount)), "EUR", on, Decimal(str(balance)))


def ref(
    scope_id: str = "C1", kind: ScopeKind = ScopeKind.CUSTOMER, currency: str = "EUR"
) -> ScopeRef:
    return ScopeRef(kind, scope_id, currency)


def state(
    level: int | None,
    last_letter: date | None,
    *,
    scope_id: str = "C1",
    kind: ScopeKind = ScopeKind.CUSTOMER,
    currency: str = "EUR",
    customer_id: str = "C1",
) -> ScopeState:
    return ScopeState(ref(scope_id, kind, currency), customer_id, level, last_letter)


def snapshot(
    *invoices: Invoice,
    customers: tuple[Customer, ...] = (),
    credits: tuple[Credit, ...] = (),
    groups: tuple[InvoiceGroup, ...] = (),
    pauses: tuple[Pause, ...] = (),
    states: tuple[ScopeState, ...] = (),
    promises: tuple[Promise, ...] = (),
    pending: frozenset[ScopeRef] = frozenset(),
) -> Snapshot:
    return Snapshot(
        customers=customers or (customer(),),
        invoices=invoices,
        credits=credits,
        groups=groups,
        pauses=pauses,
        states=states,
        promises=promises,
        pending=pending,
    )


def run(cfg: Config, snap: Snapshot, as_of: date = AS_OF, subsidiary_id: str = SUB) -> Evaluation:
    return evaluate(cfg, subsidiary_id, snap, as_of)


def only_letter(result: Evaluation) -> Letter:
    assert len(result.letters) == 1, result.letters
    return result.letters[0]


def after(snap: Snapshot, result: Evaluation) -> Snapshot:
    """What is stored after a run: changed states written, manual letters pending approval."""
    states = {s.ref: s for s in snap.states}
    states.update({s.ref: s for s in result.states})
    promises = {(p.customer_id, p.date, p.currency): p for p in snap.promises}
    promises.update({(p.customer_id, p.date, p.currency): p for p in result.promises})
    pending = snap.pending | {
        ScopeRef(letter.scope, letter.scope_id, letter.currency)
        for letter in result.letters
        if letter.sending == Sending.MANUAL
    }
    return replace(
        snap,
        states=tuple(states.values()),
        promises=tuple(promises.values()),
        pending=frozenset(pending),
    )


def days(n: int) -> timedelta:
    return timedelta(days=n)
