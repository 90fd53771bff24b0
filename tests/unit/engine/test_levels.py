"""SPEC 2.2: the level of a scope, including every worked case of the spec."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import (
    after,
    config,
    credit,
    invoice,
    only_letter,
    run,
    simple,
    snapshot,
    state,
)

from dunning.domain.engine.levels import level_rules, scope_level

pytestmark = pytest.mark.unit

ZERO_MINIMUMS = "min_invoice_amount: 0, min_total_overdue: 0, min_percent_open: 0"
LEVELS_15_30_60 = "[{days: 15, template: a}, {days: 30, template: b}, {days: 60, template: c}]"


# --- worked case 1: 10.00 EUR at 90 days + 5,000.00 EUR at 30 days -------------------------


def case_1_invoices():
    return invoice("small", "10.00", 90), invoice("big", "5000.00", 30)


@pytest.mark.parametrize(
    "levels",
    [
        LEVELS_15_30_60,
        LEVELS_15_30_60.replace("}", f", {ZERO_MINIMUMS}}}"),
    ],
    ids=["minimums unset", "minimums 0"],
)
def test_case_1_all_minimums_zero_gives_one_letter_at_level_3(levels):
    letter = only_letter(run(simple(levels), snapshot(*case_1_invoices())))
    assert letter.level == 3
    assert letter.amount_due == Decimal("5010.00")
    assert set(letter.invoice_ids) == {"small", "big"}


def test_case_1_level_3_min_invoice_amount_25_with_and_gives_level_2():
    levels = (
        "[{days: 15, template: a}, {days: 30, template: b},"
        " {days: 60, template: c, min_invoice_amount: 25}]"
    )
    letter = only_letter(run(simple(levels, operator="and"), snapshot(*case_1_invoices())))
    assert letter.level == 2
    assert set(letter.invoice_ids) == {"small", "big"}
    assert letter.amount_due == Decimal("5010.00")


def test_case_1_level_3_min_percent_open_10_gives_level_2():
    levels = (
        "[{days: 15, template: a}, {days: 30, template: b},"
        " {days: 60, template: c, min_percent_open: 10}]"
    )
    letter = only_letter(run(simple(levels), snapshot(*case_1_invoices())))
    assert letter.level == 2
    assert set(letter.invoice_ids) == {"small", "big"}
    assert letter.amount_due == Decimal("5010.00")


# --- worked case 2: 10 invoices of 10.00 USD, 5 days overdue -----------------------------------

CASE_2_LEVELS = (
    "[{days: 1, template: a, min_invoice_amount: 10, min_total_overdue: 100},"
    " {days: 3, template: b, min_invoice_amount: 30, min_total_overdue: 100}]"
)


def case_2_invoices():
    return tuple(invoice(f"u{n}", "10.00", 5, currency="USD") for n in range(10))


def test_case_2_operator_and_gives_level_1():
    letter = only_letter(run(simple(CASE_2_LEVELS, operator="and"), snapshot(*case_2_invoices())))
    assert (letter.level, letter.currency, letter.amount_due) == (1, "USD", Decimal("100.00"))


def test_case_2_operator_or_gives_level_2():
    letter = only_letter(run(simple(CASE_2_LEVELS, operator="or"), snapshot(*case_2_invoices())))
    assert letter.level == 2


# --- worked case 3: fees never count toward a threshold ---------------------------------------

CASE_3_LEVELS = (
    "[{days: 10, template: a, min_total_overdue: 25, fee: 10},"
    " {days: 30, template: b, min_total_overdue: 25, fee: 10}]"
)


def test_case_3_residual_15_plus_a_10_fee_makes_no_letter():
    # Level 1 was sent earlier with its 10.00 fee; 15.00 of the invoice is still open.
    snap = snapshot(invoice("i1", "100.00", 40, remaining="15.00"), states=(state(1, None),))
    result = run(simple(CASE_3_LEVELS), snap)
    assert result.letters == ()


def test_case_3_residual_25_makes_a_letter():
    snap = snapshot(invoice("i1", "100.00", 40, remaining="25.00"), states=(state(1, None),))
    letter = only_letter(run(simple(CASE_3_LEVELS), snap))
    assert letter.level == 2
    assert letter.amount_due == Decimal("25.00")
    assert letter.fees == Decimal("10.00")  # shown apart, never part of amount_due


# --- the item rule -------------------------------------------------------------------------------


def test_every_threshold_is_inclusive_so_a_missed_run_catches_up():
    at_15 = run(simple(), snapshot(invoice("i1", 100, 15)))
    at_14 = run(simple(), snapshot(invoice("i1", 100, 14)))
    assert only_letter(at_15).level == 1
    assert at_14.letters == ()


def test_with_no_minimum_set_the_amount_condition_holds_for_either_operator():
    for operator in ("and", "or"):
        letter = only_letter(run(simple(operator=operator), snapshot(invoice("i1", "0.01", 20))))
        assert letter.level == 1


def test_an_unset_minimum_is_left_out_of_an_or_condition():
    # Only min_total_overdue is set: with operator or, a big invoice alone does not qualify.
    levels = "[{days: 1, template: a, min_total_overdue: 500}]"
    result = run(simple(levels, operator="or"), snapshot(invoice("i1", 400, 5)))
    assert result.letters == ()


def test_overdue_balance_counts_only_items_already_due():
    levels = "[{days: -5, template: a, min_total_overdue: 100}]"
    # 60 overdue + 80 not yet due: the overdue balance is 60, below 100.
    snap = snapshot(invoice("late", 60, 3), invoice("soon", 80, -3))
    assert run(simple(levels), snap).letters == ()


def test_overdue_balance_nets_open_credits_when_net_credits_is_on():
    levels = "[{days: 1, template: a, min_total_overdue: 100}]"
    snap = snapshot(invoice("i1", 120, 5), credits=(credit("cr1", 30),))
    assert run(simple(levels), snap).letters == ()
    letter = only_letter(run(simple(levels, net_credits=False), snap))
    assert letter.credits == ()  # not netted: not listed either
    assert letter.amount_due == Decimal(120)


def test_an_amount_map_looks_up_the_scope_currency_then_default():
    levels = "[{days: 1, template: a, min_invoice_amount: {EUR: 50, default: 500}}]"
    snap = snapshot(invoice("e", 100, 5), invoice("u", 100, 5, currency="USD"))
    letters = run(simple(levels), snap).letters
    assert [letter.currency for letter in letters] == ["EUR"]


def test_fees_of_earlier_letters_never_enter_the_level():
    # The fee is configured on the level but is not an item: 20.00 alone stays below 25.
    levels = "[{days: 1, template: a, min_total_overdue: 25, fee: 10}]"
    assert run(simple(levels), snapshot(invoice("i1", 20, 5))).letters == ()


# --- minimum percentage (SAP) ----------------------------------------------------------------


def test_min_percent_drops_items_level_by_level():
    levels = (
        "[{days: 10, template: a}, {days: 20, template: b, min_percent_open: 50},"
        " {days: 30, template: c, min_percent_open: 50}]"
    )
    # 100 at level 3 is 10% of 1000, fails 50%; then 100 + 100 at level 2 is 20%: fails too.
    snap = snapshot(invoice("old", 100, 35), invoice("mid", 100, 25), invoice("new", 800, 12))
    assert only_letter(run(simple(levels), snap)).level == 1


def test_min_percent_counts_not_yet_due_items_in_the_whole():
    levels = "[{days: -10, template: a}, {days: 10, template: b, min_percent_open: 50}]"
    snap = snapshot(invoice("late", 100, 15), invoice("future", 300, -5))
    letter = only_letter(run(simple(levels), snap))
    assert letter.level == 1  # 100 of 400 = 25 % < 50 %


def test_scope_level_works_on_plain_lists():
    cfg = simple(LEVELS_15_30_60)
    rules = level_rules(cfg.procedures[0], "EUR")
    result = scope_level(rules, [90, 30, -2], [Decimal(10), Decimal(5000), Decimal(7)])
    assert result.level == 3
    assert result.item_levels == [3, 2, 0]
    assert result.overdue_balance == Decimal(5010)


def test_a_second_run_of_the_same_worked_case_adds_nothing():
    snap = snapshot(*case_1_invoices())
    first = run(simple(LEVELS_15_30_60), snap)
    assert run(simple(LEVELS_15_30_60), after(snap, first)).letters == ()


def test_levels_are_numbered_in_list_order_from_one():
    levels = "[{days: -3, template: a}, {days: 0, template: b}, {days: 5, template: c}]"
    cfg = config(f"- {{id: P, levels: {levels}}}")
    assert [(lv.number, lv.days) for lv in cfg.procedures[0].levels] == [(1, -3), (2, 0), (3, 5)]
