"""SPEC 2.4: pauses (customer, invoice, group) and promises to pay."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from engine_builders import (
    AS_OF,
    config,
    credit,
    customer,
    days,
    group,
    invoice,
    only_letter,
    paid,
    pause,
    promise,
    ref,
    run,
    simple,
    snapshot,
    state,
)

from dunning.domain.engine.holds import promise_deadline
from dunning.domain.engine.run import customer_balance
from dunning.domain.model import ScopeKind, ScopeState

pytestmark = pytest.mark.unit

THREE = "[{days: 10, template: a}, {days: 20, template: b}, {days: 30, template: c}]"


# --- pauses -----------------------------------------------------------------------------------


def test_a_paused_customer_gets_no_letter_and_keeps_its_state():
    snap = snapshot(
        invoice("i1", 100, 35),
        states=(state(1, AS_OF - days(30)),),
        pauses=(pause(ScopeKind.CUSTOMER, "C1"),),
    )
    result = run(simple(THREE), snap)
    assert (result.letters, result.states) == ((), ())


def test_a_pause_until_a_date_includes_that_date():
    held = snapshot(invoice("i1", 100, 15), pauses=(pause(ScopeKind.CUSTOMER, "C1", until=AS_OF),))
    over = snapshot(
        invoice("i1", 100, 15), pauses=(pause(ScopeKind.CUSTOMER, "C1", until=AS_OF - days(1)),)
    )
    assert run(simple(THREE), held).letters == ()
    assert only_letter(run(simple(THREE), over)).level == 1


def test_a_paused_invoice_leaves_both_the_letter_and_the_level():
    snap = snapshot(
        invoice("disputed", 100, 35),
        invoice("other", 100, 12),
        pauses=(pause(ScopeKind.INVOICE, "disputed"),),
    )
    letter = only_letter(run(simple(THREE), snap))
    assert (letter.level, letter.invoice_ids) == (1, ("other",))


def test_a_paused_invoice_leaves_the_overdue_balance_too():
    levels = "[{days: 10, template: a, min_total_overdue: 150}]"
    snap = snapshot(
        invoice("a", 100, 20), invoice("b", 100, 20), pauses=(pause(ScopeKind.INVOICE, "b"),)
    )
    assert run(simple(levels), snap).letters == ()


def test_a_scope_whose_every_invoice_is_paused_keeps_its_schedule():
    snap = snapshot(
        invoice("i1", 100, 35),
        states=(state(2, AS_OF - days(20)),),
        pauses=(pause(ScopeKind.INVOICE, "i1"),),
    )
    result = run(simple(THREE), snap)
    assert (result.letters, result.states) == ((), ())


def test_a_paused_group_takes_its_invoices_out_wherever_they_are_dunned():
    procedures = """
    - {id: P, levels: [{days: 10, template: a}]}
    - {id: GRP, applies_to: invoice_group, levels: [{days: 5, template: a}]}
    """
    snap = snapshot(
        invoice("g1", 100, 15, group_id="G"),
        invoice("h1", 100, 15, group_id="H"),
        invoice("plain", 100, 15),
        groups=(group("G", procedure_id="GRP"), group("H")),
        pauses=(pause(ScopeKind.INVOICE_GROUP, "G"), pause(ScopeKind.INVOICE_GROUP, "H")),
    )
    letter = only_letter(run(config(procedures), snap))
    assert letter.invoice_ids == ("plain",)


def test_resuming_evaluates_right_away_with_the_stored_schedule():
    snap = snapshot(invoice("i1", 100, 35), states=(state(1, AS_OF - days(30)),))
    paused = replace(snap, pauses=(pause(ScopeKind.CUSTOMER, "C1", until=AS_OF - days(1)),))
    assert only_letter(run(simple(THREE), paused)).level == 3


def test_pausing_a_bill_to_parent_child_takes_only_its_invoices_out():
    snap = snapshot(
        invoice("p1", 100, 15, customer_id="PARENT"),
        invoice("c1", 100, 15, customer_id="CHILD"),
        customers=(customer("PARENT"), customer("CHILD", parent_id="PARENT", bill_to_parent=True)),
        pauses=(pause(ScopeKind.CUSTOMER, "CHILD", customer_id="CHILD"),),
    )
    assert only_letter(run(simple(THREE), snap)).invoice_ids == ("p1",)


def test_a_paid_scope_resets_even_with_other_scopes_paused():
    snap = snapshot(
        paid(invoice("i1", 100, 35)),
        states=(state(2, AS_OF - days(20)),),
        pauses=(pause(ScopeKind.INVOICE, "x"),),
    )
    assert run(simple(THREE), snap).states == (ScopeState(ref(), "C1", None, AS_OF - days(20)),)


# --- promises to pay ----------------------------------------------------------------------------


def test_a_promise_pauses_the_customer_until_date_plus_grace():
    on = AS_OF - days(3)  # default grace 3 days: held up to and including AS_OF
    snap = snapshot(invoice("i1", 500, 35), promises=(promise(500, on=on, balance=500),))
    result = run(simple(THREE), snap)
    assert (result.letters, result.promises) == ((), ())


def test_the_grace_days_come_from_the_procedure():
    snap = snapshot(
        invoice("i1", 500, 35), promises=(promise(500, on=AS_OF - days(5), balance=500),)
    )
    assert run(simple(THREE, promise_grace_days=5), snap).letters == ()
    assert len(run(simple(THREE, promise_grace_days=4), snap).letters) == 1


def test_a_promise_not_kept_after_the_grace_is_broken_and_dunning_resumes():
    snap = snapshot(
        invoice("i1", 500, 35), promises=(promise(300, on=AS_OF - days(4), balance=500),)
    )
    result = run(simple(THREE), snap)
    assert only_letter(result).level == 3
    assert result.promises == (replace(snap.promises[0], broken=True),)


def test_a_promise_kept_changes_nothing_and_dunning_resumes():
    # Balance was 500, 300 promised; 200 remains open: the balance dropped by 300.
    snap = snapshot(
        invoice("i1", 500, 35, remaining=200),
        promises=(promise(300, on=AS_OF - days(4), balance=500),),
    )
    result = run(simple(THREE), snap)
    assert result.promises == ()
    assert only_letter(result).amount_due == Decimal(200)  # what is left is dunned again


def test_invoices_issued_after_the_promise_do_not_break_it():
    promised_on = AS_OF - days(4)
    later = replace(invoice("new", 900, -20), issue_date=promised_on + days(1))
    snap = snapshot(
        invoice("i1", 500, 35, remaining=200),
        later,
        promises=(promise(300, on=promised_on, balance=500),),
    )
    assert run(simple(THREE), snap).promises == ()


def test_an_unapplied_payment_counts_toward_the_promise():
    snap = snapshot(
        invoice("i1", 500, 35),
        credits=(credit("pay", 300),),
        promises=(promise(300, on=AS_OF - days(4), balance=500),),
    )
    assert run(simple(THREE), snap).promises == ()


def test_a_broken_promise_is_not_returned_again_and_holds_nothing():
    broken = replace(promise(300, on=AS_OF - days(1), balance=500), broken=True)
    result = run(simple(THREE), snapshot(invoice("i1", 500, 35), promises=(broken,)))
    assert result.promises == ()
    assert only_letter(result).level == 3


def test_customer_balance_is_what_a_promise_is_measured_against():
    snap = snapshot(
        invoice("i1", 500, 35),
        invoice("c1", 100, 5, customer_id="CHILD"),
        paid(invoice("i2", 80, 40)),
        customers=(customer(), customer("CHILD", parent_id="C1", bill_to_parent=True)),
        credits=(credit("cr", 50),),
    )
    assert customer_balance(snap, "C1", "EUR") == Decimal(550)


def test_a_promise_at_the_end_of_the_calendar_holds_until_its_last_day():
    # A grace period past date.max must not raise OverflowError in a pure rule.
    late = promise(10, on=date.max - timedelta(days=1), balance=100)
    assert promise_deadline(late, 3) == date.max
    assert promise_deadline(late, 0) == date.max - timedelta(days=1)
    early = promise(10, on=date.min, balance=100)
    assert promise_deadline(early, -1) == date.min
