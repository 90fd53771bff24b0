"""Properties of `evaluate` over random small worlds (hypothesis).

Each world has a few customers (some billing to a parent, some split by
department, one of another subsidiary), invoices in two currencies at any age,
groups, credits, pauses, promises and stored states, under a configuration
that mixes operators, escalations, manual sending, invoice and group procedures.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from engine_builders import AS_OF, SUB, after, config, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.domain.configuration.config import Config
from dunning.domain.engine.run import Evaluation, Snapshot
from dunning.domain.model import (
    Credit,
    Customer,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
    Letter,
    Operator,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
)

pytestmark = pytest.mark.unit

CONFIG = config(
    """
- id: P
  allow_override: true
  levels:
    - {days: -5, template: upcoming, min_invoice_amount: 500}
    - {days: 10, template: friendly, min_total_overdue: {EUR: 50, default: 80}}
    - {days: 30, template: firm, min_invoice_amount: 20, min_percent_open: 20, fee: 10}
    - {days: 60, template: final, interest_rate_pa: 8, payment_plan: {instalments: 3}}
- id: STEP
  operator: or
  escalation: step
  days_between_letters: 5
  repeat_every_days: 7
  levels:
    - {days: 1, template: friendly, min_invoice_amount: 100, min_total_overdue: 300}
    - {days: 20, template: firm, min_invoice_amount: 100, min_total_overdue: 300}
    - {days: 45, template: final}
- id: STEP0
  escalation: step
  levels: [{days: 1, template: friendly}, {days: 15, template: firm}, {days: 30, template: final}]
- id: MAN
  sending: manual
  net_credits: false
  levels: [{days: 5, template: friendly}, {days: 40, template: final}]
- id: STRICT
  allow_override: false
  levels: [{days: 0, template: friendly}, {days: 25, template: firm, min_percent_open: 60}]
- id: INV
  applies_to: invoice
  levels: [{days: 3, template: friendly}, {days: 35, template: final}]
- id: GRP
  applies_to: invoice_group
  levels: [{days: 7, template: friendly}, {days: 50, template: final}]
""",
    rules="- {procedure_id: STEP, tags: [vip]}",
)
CUSTOMER_IDS = ("C1", "C2", "C3", "C4")
CURRENCIES = ("EUR", "USD")
PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

amounts = st.integers(min_value=1, max_value=200_000).map(lambda cents: Decimal(cents).scaleb(-2))
day_offsets = st.integers(min_value=-20, max_value=100)


@st.composite
def customers(draw: st.DrawFn) -> tuple[Customer, ...]:
    out = []
    for customer_id in CUSTOMER_IDS:
        child = customer_id in ("C3", "C4") and draw(st.booleans())
        out.append(
            Customer(
                customer_id,
                SUB,
                customer_id,
                parent_id="C1" if child else None,
                bill_to_parent=child,
                procedure_id=draw(
                    st.sampled_from((None, None, "STEP", "STEP0", "MAN", "STRICT", "INV", "GONE"))
                ),
                tags=draw(st.sampled_from(((), ("vip",)))),
                split_by_department=draw(st.booleans()),
            )
        )
    out.append(Customer("X1", "US01", "other subsidiary"))
    return tuple(out)


@st.composite
def invoices(draw: st.DrawFn) -> tuple[Invoice, ...]:
    out = []
    for n in range(draw(st.integers(min_value=0, max_value=12))):
        amount = draw(amounts)
        due = AS_OF - timedelta(days=draw(day_offsets))
        status = draw(st.sampled_from((InvoiceStatus.OPEN,) * 4 + (InvoiceStatus.PAID,)))
        remaining = Decimal(0) if status is InvoiceStatus.PAID else min(amount, draw(amounts))
        out.append(
            Invoice(
                invoice_id=f"I{n}",
                customer_id=draw(st.sampled_from((*CUSTOMER_IDS, "X1"))),
                number=f"N{n}",
                issue_date=due - timedelta(days=30),
                due_date=due,
                currency=draw(st.sampled_from(CURRENCIES)),
                amount=amount,
                amount_remaining=remaining,
                department=draw(st.sampled_from((None, "Sales", "Ops"))),
                group_id=draw(st.sampled_from((None, None, "G1", "G2"))),
                procedure_id=draw(st.sampled_from((None, None, None, "INV"))),
                status=status,
            )
        )
    return tuple(out)


@st.composite
def worlds(draw: st.DrawFn) -> Snapshot:
    invoice_list = draw(invoices())
    credits = tuple(
        Credit(
            f"CR{n}",
            draw(st.sampled_from(CUSTOMER_IDS)),
            draw(st.sampled_from(CURRENCIES)),
            AS_OF - timedelta(days=3),
            draw(amounts),
        )
        for n in range(draw(st.integers(min_value=0, max_value=3)))
    )
    groups = (
        InvoiceGroup("G1", "C1", draw(st.sampled_from((None, "GRP")))),
        InvoiceGroup("G2", "C2", draw(st.sampled_from((None, "GRP")))),
    )
    targets = [(ScopeKind.CUSTOMER, c) for c in CUSTOMER_IDS]
    targets += [(ScopeKind.INVOICE, i.invoice_id) for i in invoice_list]
    targets += [(ScopeKind.INVOICE_GROUP, "G1"), (ScopeKind.INVOICE_GROUP, "G2")]
    pauses = tuple(
        Pause(
            kind,
            target,
            "C1",
            PauseReason.DISPUTE,
            until=draw(st.sampled_from((None, AS_OF, AS_OF - timedelta(days=1)))),
        )
        for kind, target in draw(st.lists(st.sampled_from(targets), max_size=3, unique=True))
    )
    states = tuple(
        ScopeState(
            ScopeRef(ScopeKind.CUSTOMER, customer_id, currency),
            customer_id,
            draw(st.sampled_from((None, 1, 2, 3))),
            draw(st.sampled_from((None, AS_OF - timedelta(days=3), AS_OF - timedelta(days=30)))),
        )
        for customer_id, currency in draw(
            st.lists(
                st.tuples(st.sampled_from(CUSTOMER_IDS), st.sampled_from(CURRENCIES)),
                max_size=3,
                unique=True,
            )
        )
    )
    promises = tuple(
        Promise(
            "C1",
            draw(amounts),
            "EUR",
            AS_OF - timedelta(days=draw(st.integers(0, 10))),
            draw(amounts),
        )
        for _ in range(draw(st.integers(min_value=0, max_value=1)))
    )
    return Snapshot(
        customers=draw(customers()),
        invoices=invoice_list,
        credits=credits,
        groups=groups,
        pauses=pauses,
        states=states,
        promises=promises,
    )


def all_items(result: Evaluation) -> list[tuple[Letter, str]]:
    return [(letter, item.invoice_id) for letter in result.letters for item in letter.items]


@PROPERTY_SETTINGS
@given(worlds())
def test_no_letter_has_nothing_to_pay(world: Snapshot):
    for letter in run(CONFIG, world).letters:
        assert letter.amount_due > 0
        assert letter.items


@PROPERTY_SETTINGS
@given(worlds())
def test_a_second_run_the_same_day_adds_no_letter(world: Snapshot):
    first = run(CONFIG, world)
    second = run(CONFIG, after(world, first))
    assert second.letters == ()


@PROPERTY_SETTINGS
@given(worlds())
def test_paused_items_never_appear(world: Snapshot):
    result = run(CONFIG, world)
    active = [p for p in world.pauses if p.active_on(AS_OF)]
    held_customers = {p.target_id for p in active if p.target is ScopeKind.CUSTOMER}
    held_invoices = {p.target_id for p in active if p.target is ScopeKind.INVOICE}
    held_groups = {p.target_id for p in active if p.target is ScopeKind.INVOICE_GROUP}
    grace_end = {p.customer_id for p in world.promises if p.date + timedelta(days=3) >= AS_OF}
    by_id = {i.invoice_id: i for i in world.invoices}
    for letter, invoice_id in all_items(result):
        invoice = by_id[invoice_id]
        assert invoice_id not in held_invoices
        assert invoice.group_id not in held_groups
        assert invoice.customer_id not in held_customers | grace_end
        assert letter.customer_id not in held_customers | grace_end


@PROPERTY_SETTINGS
@given(worlds())
def test_currencies_are_never_mixed_in_a_letter(world: Snapshot):
    by_id = {i.invoice_id: i for i in world.invoices}
    credits = {c.credit_id: c for c in world.credits}
    for letter in run(CONFIG, world).letters:
        assert {by_id[i].currency for i in letter.invoice_ids} == {letter.currency}
        assert all(credits[c.credit_id].currency == letter.currency for c in letter.credits)


def highest_qualifying_level(letter: Letter, cfg: Config) -> int:
    """An independent reading of SPEC 2.2 step 1 from what the letter itself shows."""
    procedure = cfg.procedure(letter.procedure_id)
    overdue = sum((i.amount_remaining for i in letter.items if i.days_overdue > 0), Decimal(0))
    balance = overdue - letter.total_credits
    best = 0
    for item in letter.items:
        for level in procedure.levels:
            min_item = (
                level.min_invoice_amount.for_currency(letter.currency)
                if level.min_invoice_amount
                else None
            )
            min_total = (
                level.min_total_overdue.for_currency(letter.currency)
                if level.min_total_overdue
                else None
            )
            checks = []
            if min_item is not None:
                checks.append(item.amount_remaining >= min_item)
            if min_total is not None:
                checks.append(balance >= min_total)
            amounts_ok = not checks or (
                any(checks) if procedure.operator is Operator.OR else all(checks)
            )
            if item.days_overdue >= level.days and amounts_ok:
                best = max(best, level.number)
    return best


@PROPERTY_SETTINGS
@given(worlds())
def test_the_level_never_exceeds_what_an_item_qualifies_for(world: Snapshot):
    for letter in run(CONFIG, world).letters:
        assert 1 <= letter.level <= highest_qualifying_level(letter, CONFIG)


@PROPERTY_SETTINGS
@given(worlds())
def test_every_open_invoice_is_on_at_most_one_letter(world: Snapshot):
    result = run(CONFIG, world)
    listed = [invoice_id for _, invoice_id in all_items(result)]
    assert len(listed) == len(set(listed))
    open_ids = {i.invoice_id for i in world.invoices if i.is_open and i.customer_id != "X1"}
    assert set(listed) <= open_ids


@PROPERTY_SETTINGS
@given(worlds(), st.integers(min_value=1, max_value=40))
def test_daily_runs_send_at_most_one_letter_per_scope_and_day(world: Snapshot, span: int):
    snap = world
    for offset in range(0, span, 3):
        day = AS_OF + timedelta(days=offset)
        result = run(CONFIG, snap, as_of=day)
        refs = [(letter.scope, letter.scope_id, letter.currency) for letter in result.letters]
        assert len(refs) == len(set(refs))
        assert not {ScopeRef(*r) for r in refs} & snap.pending
        snap = after(snap, result)
    assert isinstance(snap.states, tuple)


def test_the_world_strategy_reaches_letters_of_every_scope_kind():
    """Guards the properties against a strategy too narrow to test anything."""
    seen: set[ScopeKind] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(worlds())
    def collect(world: Snapshot) -> None:
        seen.update(letter.scope for letter in run(CONFIG, world).letters)

    collect()
    assert seen == set(ScopeKind)
