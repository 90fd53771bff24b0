"""SPEC 2.3 letter content and 2.5 fees, interest, payment plan and channels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import (
    AS_OF,
    SUB,
    credit,
    customer,
    days,
    invoice,
    only_letter,
    ref,
    run,
    simple,
    snapshot,
)

from dunning.domain.engine.content import item_interest, letter_channels, new_letter_item
from dunning.domain.model import Channel, Delivery, Instalment, LetterItem, ScopeKind, letter_id_for

pytestmark = pytest.mark.unit


def test_the_letter_lists_every_overdue_item_even_below_the_first_level():
    snap = snapshot(invoice("old", 100, 20), invoice("young", 50, 2), invoice("future", 70, -4))
    letter = only_letter(run(simple("[{days: 15, template: a}]"), snap))
    assert letter.invoice_ids == ("old", "young")  # oldest due date first
    assert [i.days_overdue for i in letter.items] == [20, 2]


def test_not_yet_due_items_are_listed_when_they_qualify_for_a_level():
    levels = "[{days: -5, template: upcoming, min_invoice_amount: 1000}, {days: 15, template: a}]"
    snap = snapshot(invoice("big", 2000, -3), invoice("small", 50, -3))
    letter = only_letter(run(simple(levels), snap))
    assert (letter.level, letter.template, letter.invoice_ids) == (1, "upcoming", ("big",))


def test_customer_letters_list_open_credits_and_net_them():
    snap = snapshot(invoice("i1", 100, 20), credits=(credit("cr1", 30), credit("cr0", 0)))
    letter = only_letter(run(simple(), snap))
    assert [c.credit_id for c in letter.credits] == ["cr1"]
    assert letter.amount_due == Decimal(70)


def test_credits_in_another_currency_are_not_netted():
    snap = snapshot(invoice("i1", 100, 20), credits=(credit("cr1", 30, currency="USD"),))
    assert only_letter(run(simple(), snap)).amount_due == Decimal(100)


def test_no_letter_when_credits_cover_the_items():
    snap = snapshot(invoice("i1", 100, 20), credits=(credit("cr1", 100),))
    result = run(simple(), snap)
    assert (result.letters, result.states) == ((), ())


def test_the_letter_carries_scope_procedure_template_and_a_deterministic_id():
    letter = only_letter(run(simple(), snapshot(invoice("i1", 100, 20))))
    assert (letter.subsidiary_id, letter.customer_id, letter.scope, letter.scope_id) == (
        SUB,
        "C1",
        ScopeKind.CUSTOMER,
        "C1",
    )
    assert (letter.procedure_id, letter.level, letter.template, letter.as_of) == (
        "P",
        1,
        "friendly",
        AS_OF,
    )
    assert letter.letter_id == letter_id_for(SUB, ref(), AS_OF)


def test_the_fee_of_the_level_in_the_letter_currency():
    levels = "[{days: 10, template: a, fee: {EUR: 10, default: 12.5}}]"
    snap = snapshot(invoice("e", 100, 20), invoice("u", 100, 20, currency="USD"))
    fees = {letter.currency: letter.fees for letter in run(simple(levels), snap).letters}
    assert fees == {"EUR": Decimal("10"), "USD": Decimal("12.50")}


def test_interest_per_item_rounds_half_up_and_the_letter_sums_it():
    levels = "[{days: 10, template: a, interest_rate_pa: 10}]"
    # 365.00 x 10 % x 73 / 365 = 7.30; 100.00 x 10 % x 30 / 365 = 0.8219... -> 0.82
    snap = snapshot(invoice("a", "365.00", 73), invoice("b", "100.00", 30))
    letter = only_letter(run(simple(levels), snap))
    assert [i.interest for i in letter.items] == [Decimal("7.30"), Decimal("0.82")]
    assert letter.interest == Decimal("8.12")
    assert letter.amount_due == Decimal("465.00")  # interest is shown, never added


def test_item_interest_rounds_a_tie_up():
    # 73.00 x 5 % x 5 / 365 = 0.05 exactly; 36.50 x 1 % x 5 / 365 = 0.005 -> 0.01
    assert item_interest(Decimal("73.00"), Decimal(5), 5, "EUR") == Decimal("0.05")
    assert item_interest(Decimal("36.50"), Decimal(1), 5, "EUR") == Decimal("0.01")
    assert item_interest(Decimal("36.50"), Decimal(1), 5, "JPY") == Decimal("0")
    assert item_interest(Decimal("100"), Decimal(8), 0, "EUR") == Decimal("0")


def test_interest_runs_for_at_most_ten_years_of_days_overdue():
    # 365.00 x 10 % x 3650 / 365 = 365.00: an invoice due in 1900 earns no more than that.
    ten_years = item_interest(Decimal("365.00"), Decimal(10), 3650, "EUR")
    assert ten_years == Decimal("365.00")
    assert item_interest(Decimal("365.00"), Decimal(10), 46_000, "EUR") == ten_years
    assert item_interest(Decimal("365.00"), Decimal(10), 3649, "EUR") == Decimal("364.90")


def test_a_payment_plan_splits_the_amount_due_the_last_instalment_absorbing_rounding():
    levels = "[{days: 10, template: a, payment_plan: {instalments: 3, interval_days: 14}}]"
    letter = only_letter(run(simple(levels), snapshot(invoice("i1", 100, 20))))
    assert letter.payment_plan == (
        Instalment(AS_OF + days(14), Decimal("33.33")),
        Instalment(AS_OF + days(28), Decimal("33.33")),
        Instalment(AS_OF + days(42), Decimal("33.34")),
    )


def test_channels_come_from_the_level_and_the_customers_delivery():
    levels = "[{days: 10, template: a, channels: [email, print]}]"
    snap = snapshot(invoice("i1", 100, 20), customers=(customer(delivery=Delivery.PRINT),))
    assert only_letter(run(simple(levels), snap)).channels == (Channel.PRINT,)
    assert letter_channels(Delivery.EMAIL, (Channel.EMAIL, Channel.PRINT)) == (
        Channel.EMAIL,
        Channel.PRINT,
    )
    assert letter_channels(Delivery.BOTH, (Channel.EMAIL,)) == (Channel.EMAIL, Channel.PRINT)


def test_letter_amounts_are_exact_decimals():
    snap = snapshot(invoice("a", "0.10", 20), invoice("b", "0.20", 20))
    assert only_letter(run(simple(), snap)).amount_due == Decimal("0.30")


def test_the_fast_item_constructor_makes_the_same_item_as_the_class():
    args = (
        "i1",
        "N-1",
        AS_OF - days(40),
        AS_OF - days(10),
        Decimal("10.00"),
        Decimal("5.00"),
        10,
        Decimal("0.01"),
    )
    fast, regular = new_letter_item(*args), LetterItem(*args)
    assert fast == regular
    assert hash(fast) == hash(regular)
    assert repr(fast) == repr(regular)


def test_letter_ids_keep_their_published_format():
    assert letter_id_for(SUB, ref(), AS_OF) == "L20250301-2371b2cc0c6430d3"
    group = ref("G/7", ScopeKind.INVOICE_GROUP, "USD")
    assert letter_id_for("US01", group, AS_OF.replace(year=1999, month=12, day=31)) == (
        "L19991231-5c80bc0dd553f747"
    )
