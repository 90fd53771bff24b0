"""SPEC 2.3: when a letter goes out, and what state is stored."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from engine_builders import (
    AS_OF,
    after,
    days,
    invoice,
    only_letter,
    paid,
    ref,
    run,
    simple,
    snapshot,
    state,
)

from dunning.domain.engine.schedule import Step, next_step
from dunning.domain.model import LetterCycle, ScopeState, Sending

pytestmark = pytest.mark.unit

THREE = "[{days: 10, template: a}, {days: 20, template: b}, {days: 30, template: c}]"


def test_a_first_letter_stores_its_level_and_date():
    result = run(simple(THREE), snapshot(invoice("i1", 100, 25)))
    assert only_letter(result).level == 2
    cycle = LetterCycle("P", (("i1", Decimal(100)),), unanswered=1)  # SPEC 2.9's count
    assert result.states == (ScopeState(ref(), "C1", 2, AS_OF, 2, cycle),)


def test_no_level_resets_the_stored_level_and_keeps_the_date():
    last = AS_OF - days(9)
    result = run(simple(THREE), snapshot(invoice("i1", 100, 5), states=(state(2, last),)))
    assert result.letters == ()
    assert result.states == (ScopeState(ref(), "C1", None, last),)


def test_a_scope_with_nothing_open_any_more_resets_too():
    last = AS_OF - days(9)
    result = run(simple(THREE), snapshot(paid(invoice("i1", 100, 25)), states=(state(2, last),)))
    assert result.states == (ScopeState(ref(), "C1", None, last),)


def test_a_lower_level_is_stored_without_a_letter():
    last = AS_OF - days(40)
    result = run(simple(THREE), snapshot(invoice("i1", 100, 12), states=(state(3, last),)))
    assert result.letters == ()
    assert result.states == (ScopeState(ref(), "C1", 1, last),)


def test_a_rise_waits_for_days_between_letters():
    cfg = simple(THREE, days_between_letters=10)
    too_soon = snapshot(invoice("i1", 100, 25), states=(state(1, AS_OF - days(9)),))
    in_time = snapshot(invoice("i1", 100, 25), states=(state(1, AS_OF - days(10)),))
    waiting = run(cfg, too_soon)
    assert (waiting.letters, waiting.states) == ((), ())
    assert only_letter(run(cfg, in_time)).level == 2


def test_jump_goes_straight_to_the_computed_level():
    result = run(
        simple(THREE, escalation="jump"), snapshot(invoice("i1", 100, 35), states=(state(1, None),))
    )
    assert only_letter(result).level == 3


def test_step_raises_by_one_level_per_letter():
    cfg = simple(THREE, escalation="step")
    snap = snapshot(invoice("i1", 100, 35))
    first = run(cfg, snap)
    assert only_letter(first).level == 1
    second = run(cfg, after(snap, first), AS_OF + days(1))
    assert only_letter(second).level == 2


def test_the_same_level_is_not_sent_again_without_repeat():
    snap = snapshot(invoice("i1", 100, 25), states=(state(2, AS_OF - days(100)),))
    result = run(simple(THREE), snap)
    assert (result.letters, result.states) == ((), ())


def test_repeat_every_days_resends_the_stored_level():
    cfg = simple(THREE, repeat_every_days=14)
    due = snapshot(invoice("i1", 100, 25), states=(state(2, AS_OF - days(14)),))
    early = snapshot(invoice("i1", 100, 25), states=(state(2, AS_OF - days(13)),))
    assert only_letter(run(cfg, due)).level == 2
    assert run(cfg, early).letters == ()


def test_running_the_same_day_twice_sends_one_letter():
    cfg = simple(THREE, escalation="step")  # step would otherwise have a next level to go to
    snap = snapshot(invoice("i1", 100, 35))
    first = run(cfg, snap)
    second = run(cfg, after(snap, first))
    assert len(first.letters) == 1
    assert (second.letters, second.states) == ((), ())


def test_the_letter_id_is_the_same_for_the_same_scope_currency_and_day():
    snap = snapshot(invoice("i1", 100, 25))
    assert (
        only_letter(run(simple(THREE), snap)).letter_id
        == only_letter(run(simple(THREE), snap)).letter_id
    )


def test_a_manual_letter_leaves_the_state_to_the_approval():
    result = run(simple(THREE, sending="manual"), snapshot(invoice("i1", 100, 25)))
    assert only_letter(result).sending is Sending.MANUAL
    assert result.states == ()


def test_a_letter_pending_approval_holds_its_scope():
    cfg = simple(THREE, sending="manual")
    snap = snapshot(invoice("i1", 100, 25))
    first = run(cfg, snap)
    later = run(cfg, after(snap, first), AS_OF + days(20))
    assert (later.letters, later.states) == ((), ())


def test_a_pending_letter_holds_only_its_own_currency():
    snap = snapshot(
        invoice("e", 100, 25), invoice("u", 100, 25, currency="USD"), pending=frozenset({ref()})
    )
    assert only_letter(run(simple(THREE), snap)).currency == "USD"


@pytest.mark.parametrize(
    ("stored", "last", "computed", "expected"),
    [
        (None, None, 0, Step(None, None)),
        (2, AS_OF - days(3), 0, Step(None, None)),
        (3, AS_OF - days(3), 1, Step(None, 1)),
        (1, AS_OF - days(3), 2, Step(None, 1)),  # days_between_letters 5 not yet passed
        (1, AS_OF - days(5), 3, Step(3, 1)),
        (2, AS_OF, 3, Step(None, 2)),  # already a letter today
        (2, AS_OF - days(30), 2, Step(None, 2)),
    ],
)
def test_next_step_table(stored, last, computed, expected):
    procedure = simple(THREE, days_between_letters=5).procedures[0]
    assert next_step(procedure, stored, last, computed, AS_OF) == expected


# --- First letters (SPEC 2.8) ---------------------------------------------------------


def test_a_scopes_first_letter_goes_at_most_at_first_letter_max_level():
    result = run(simple(THREE, first_letter_max_level=1), snapshot(invoice("i1", 100, 35)))
    letter = only_letter(result)
    assert (letter.level, letter.is_first, letter.previous_level) == (1, True, None)
    assert [replace(s, cycle=None) for s in result.states] == [ScopeState(ref(), "C1", 1, AS_OF, 1)]


def test_later_letters_follow_the_usual_rules_after_a_capped_first_one():
    cfg = simple(THREE, first_letter_max_level=1, days_between_letters=10)
    first = snapshot(invoice("i1", 100, 35))
    stored = after(first, run(cfg, first))
    assert run(cfg, stored, AS_OF + days(9)).letters == ()  # the rise waits its interval
    second = only_letter(run(cfg, stored, AS_OF + days(10)))
    assert (second.level, second.previous_date, second.previous_level) == (3, AS_OF, 1)


def test_without_first_letter_max_level_a_first_letter_jumps_to_the_computed_level():
    assert only_letter(run(simple(THREE), snapshot(invoice("i1", 100, 35)))).level == 3


def test_a_scope_with_an_earlier_letter_is_not_capped_even_after_its_level_reset():
    cfg = simple(THREE, first_letter_max_level=1)
    earlier = snapshot(invoice("i1", 100, 35), states=(state(None, AS_OF - days(60)),))
    letter = only_letter(run(cfg, earlier))
    assert (letter.level, letter.is_first, letter.previous_date) == (3, False, AS_OF - days(60))


def test_the_cap_counts_per_currency():
    cfg = simple(THREE, first_letter_max_level=2)
    usd_letter_before = state(3, AS_OF - days(40), currency="USD")
    result = run(cfg, snapshot(invoice("i1", 100, 35), states=(usd_letter_before,)))
    assert only_letter(result).level == 2  # the EUR scope never had a letter


def test_a_letter_knows_the_level_of_the_letter_before_it_not_the_level_stored_since():
    earlier = ScopeState(ref(), "C1", 1, AS_OF - days(40), 3)  # level dropped since
    letter = only_letter(run(simple(THREE), snapshot(invoice("i1", 100, 25), states=(earlier,))))
    assert (letter.level, letter.previous_level, letter.previous_date) == (2, 3, AS_OF - days(40))
