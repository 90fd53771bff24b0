"""Letters a collector asks for (SPEC 2.5): send now by the rules, or a chosen level."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import (
    AS_OF,
    credit,
    customer,
    days,
    invoice,
    pause,
    promise,
    ref,
    run,
    simple,
    snapshot,
    state,
)

from dunning.domain.engine.by_hand import letters_at_level, letters_now
from dunning.domain.model import LetterCycle, ScopeKind, ScopeState

pytestmark = pytest.mark.unit

SUB = "NL01"
THREE = (
    "[{days: 1, template: friendly}, {days: 15, template: firm, fee: {EUR: 10}},"
    " {days: 30, template: final, interest_rate_pa: 10}]"
)


def test_a_chosen_level_lists_what_the_engines_letter_of_that_level_would():
    cfg = simple(THREE)
    snap = snapshot(invoice("I1", 100, 40), invoice("I2", 50, 3), invoice("I3", 70, -5))
    hand = letters_at_level(cfg, SUB, snap, AS_OF, "C1", 2)
    (letter,) = hand.letters
    assert (letter.level, letter.template, letter.fees) == (2, "firm", Decimal("10.00"))
    assert letter.invoice_ids == ("I1", "I2")  # overdue items; I3 is not due yet
    owed = (("I1", Decimal(100)), ("I2", Decimal(50)))
    assert hand.states == (ScopeState(ref(), "C1", 2, AS_OF, 2, LetterCycle("P", owed, 1)),)
    # the engine itself would send the final notice today (I1 is 40 days overdue)
    (engine_letter,) = run(cfg, snap).letters
    assert engine_letter.level == 3 and engine_letter.letter_id == letter.letter_id


@pytest.mark.parametrize(
    ("snap_kwargs", "code"),
    [
        ({"states": (state(1, AS_OF),)}, "sent_today"),
        ({"pending": frozenset({ref()})}, "awaiting_approval"),
        ({"pauses": (pause(ScopeKind.INVOICE, "I1"),)}, "all_paused"),
        ({"credits": (credit("K1", 100),)}, "nothing_owed"),
    ],
)
def test_scopes_that_cannot_have_a_letter_say_why(snap_kwargs: dict, code: str):
    snap = snapshot(invoice("I1", 100, 40), **snap_kwargs)
    hand = letters_at_level(simple(THREE), SUB, snap, AS_OF, "C1", 1)
    assert hand.letters == () and hand.states == ()
    assert [(s.ref, s.code) for s in hand.skipped] == [(ref(), code)]


def test_nothing_overdue_and_no_such_level():
    cfg = simple(THREE)
    not_due = letters_at_level(cfg, SUB, snapshot(invoice("I1", 100, -10)), AS_OF, "C1", 1)
    assert [s.code for s in not_due.skipped] == ["nothing_overdue"]
    too_high = letters_at_level(cfg, SUB, snapshot(invoice("I1", 100, 40)), AS_OF, "C1", 4)
    assert [s.reason for s in too_high.skipped] == ["procedure P has 3 level(s)"]


def test_a_paused_or_promising_customer_is_held_with_the_reason():
    cfg = simple(THREE, promise_grace_days=2)
    paused = snapshot(
        invoice("I1", 100, 40), pauses=(pause(ScopeKind.CUSTOMER, "C1", until=AS_OF + days(3)),)
    )
    held = letters_at_level(cfg, SUB, paused, AS_OF, "C1", 1)
    assert held.letters == ()
    assert held.held_by == "customer C1 is paused (dispute) until 2025-03-04"
    assert letters_now(cfg, SUB, paused, AS_OF, "C1").held_by == held.held_by
    promised = snapshot(
        invoice("I1", 100, 40), promises=(promise(60, on=AS_OF + days(1), balance=100),)
    )
    assert letters_now(cfg, SUB, promised, AS_OF, "C1").held_by == (
        "customer C1 promised to pay 60 EUR by 2025-03-02: held until 2025-03-04"
    )
    ended = snapshot(
        invoice("I1", 100, 40), pauses=(pause(ScopeKind.CUSTOMER, "C1", until=AS_OF - days(1)),)
    )
    assert letters_now(cfg, SUB, ended, AS_OF, "C1").held_by is None


def test_sending_now_approves_a_manual_procedures_letter():
    cfg = simple(THREE, sending="manual")
    hand = letters_now(cfg, SUB, snapshot(invoice("I1", 100, 20)), AS_OF, "C1")
    (letter,) = hand.letters
    assert letter.level == 2
    # the engine leaves a manual letter's state to its approval; by hand, it is set now
    cycle = LetterCycle("P", (("I1", Decimal(100)),), unanswered=1)  # SPEC 2.9's count
    assert ScopeState(ref(), "C1", 2, AS_OF, 2, cycle) in hand.states


def test_a_bill_to_parent_child_is_dunned_through_its_parent():
    parent, child = customer("P1"), customer("C2", parent_id="P1", bill_to_parent=True)
    snap = snapshot(
        invoice("I1", 100, 20, customer_id="P1"),
        invoice("I2", 30, 20, customer_id="C2"),
        customers=(parent, child),
    )
    hand = letters_at_level(simple(THREE), SUB, snap, AS_OF, "C2", 1)
    assert hand.owner_id == "P1"
    (letter,) = hand.letters
    assert (letter.customer_id, letter.invoice_ids) == ("P1", ("I1", "I2"))
