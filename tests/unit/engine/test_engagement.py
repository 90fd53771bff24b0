"""SPEC 2.9: channel escalation (print_after_unanswered) and thank-you notes, on a
scope's letter cycle (domain/engine/engagement.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from engine_builders import (
    AS_OF,
    SUB,
    after,
    credit,
    customer,
    days,
    invoice,
    only_letter,
    paid,
    pause,
    ref,
    run,
    simple,
    snapshot,
)

from dunning.domain.engine.by_hand import letters_at_level
from dunning.domain.engine.engagement import (
    CycleEnd,
    Ledger,
    cycle_end,
    payment_since,
    thanks_id_for,
)
from dunning.domain.model import (
    Channel,
    Delivery,
    InvoiceStatus,
    LetterCycle,
    ScopeKind,
)

pytestmark = pytest.mark.unit

# A letter every 10 days while anything is 1 day overdue (repeat_every_days).
REPEAT = "[{days: 1, template: friendly}]"


def escalating(n: int = 2, **fields: object):
    return simple(REPEAT, repeat_every_days=10, print_after_unanswered=n, **fields)


def thanking(**fields: object):
    return simple(REPEAT, repeat_every_days=10, thank_you_template="thanks", **fields)


def void(inv):
    return replace(inv, status=InvoiceStatus.VOID, amount_remaining=Decimal(0))


def letters_over(cfg, snap, *changes):
    """Run on AS_OF, then +10, +20... days; `changes[n]` turns the stored snapshot into
    the one of run n+1 (payments, new invoices). Returns each run's letter (or None)."""
    made = []
    for n in range(len(changes) + 1):
        result = run(cfg, snap, AS_OF + days(10 * n))
        made.append(result.letters[0] if result.letters else None)
        snap = after(snap, result)
        if n < len(changes):
            snap = changes[n](snap)
    return made


def same(snap):
    return snap


def pays(amount_left: int):
    """The customer pays i1 down to `amount_left`."""
    return lambda snap: replace(snap, invoices=(invoice("i1", 100, 30, remaining=amount_left),))


# --- print_after_unanswered ------------------------------------------------------------


def test_after_n_letters_emailed_with_no_payment_the_next_is_printed_too():
    letters = letters_over(escalating(2), snapshot(invoice("i1", 100, 30)), same, same, same)
    assert [x.print_too for x in letters] == [False, False, True, True]
    assert all(x.channels == (Channel.EMAIL,) for x in letters)  # email goes on as well


def test_a_payment_in_between_starts_the_count_again():
    letters = letters_over(escalating(2), snapshot(invoice("i1", 100, 30)), same, pays(60), same)
    # two unanswered, then 40.00 paid before the third: emailed only, the fourth too
    assert [x.print_too for x in letters] == [False, False, False, False]


def test_printing_stops_once_a_payment_arrives():
    cfg = escalating(1)
    letters = letters_over(cfg, snapshot(invoice("i1", 100, 30)), same, pays(90), same)
    assert [x.print_too for x in letters] == [False, True, False, True]


def test_a_credit_memo_is_no_payment_the_letters_invoices_still_owe_as_much():
    with_credit = lambda snap: replace(snap, credits=(credit("cr1", 30),))  # noqa: E731
    letters = letters_over(escalating(1), snapshot(invoice("i1", 100, 30)), with_credit)
    assert letters[1].print_too
    assert letters[1].amount_due == Decimal(70)  # the credit nets the amount due


def test_a_voided_invoice_is_no_payment():
    def voided(snap):
        return replace(snap, invoices=(invoice("i1", 100, 30), void(invoice("i2", 50, 30))))

    two = snapshot(invoice("i1", 100, 30), invoice("i2", 50, 30))
    assert letters_over(escalating(1), two, voided)[1].print_too


def test_a_new_invoice_does_not_hide_a_payment_on_the_letters_invoices():
    def paid_and_billed_again(snap):
        return replace(snap, invoices=(invoice("i1", 100, 30, remaining=50), invoice("i2", 500, 5)))

    letters = letters_over(escalating(1), snapshot(invoice("i1", 100, 30)), paid_and_billed_again)
    assert not letters[1].print_too  # the balance rose, yet i1 was paid in part


def test_letters_only_printed_do_not_count_as_emailed():
    snap = snapshot(invoice("i1", 100, 30), customers=(customer(delivery=Delivery.PRINT),))
    letters = letters_over(escalating(1), snap, same)
    assert [x.print_too for x in letters] == [False, False]  # printed anyway, never escalated
    assert letters[1].channels == (Channel.PRINT,)


def test_without_print_after_unanswered_nothing_is_escalated():
    cfg = simple(REPEAT, repeat_every_days=10)
    letters = letters_over(cfg, snapshot(invoice("i1", 100, 30)), same, same)
    assert not any(x.print_too for x in letters)


def test_what_counts_as_a_payment_is_the_letters_invoices_owing_less():
    cycle = LetterCycle("P", (("i1", Decimal(100)), ("i2", Decimal(50))), unanswered=3)
    owed = lambda **open_: Ledger({k: Decimal(v) for k, v in open_.items()}, {})  # noqa: E731
    assert payment_since(cycle, owed(i1=99, i2=50))
    assert not payment_since(cycle, owed(i1=100, i2=50, i3=10))
    assert payment_since(cycle, Ledger({"i1": Decimal(100)}, {"i2": InvoiceStatus.PAID}))
    assert not payment_since(cycle, Ledger({"i1": Decimal(100)}, {"i2": InvoiceStatus.VOID}))
    assert not payment_since(cycle, Ledger({"i1": Decimal(100)}, {}))  # gone, no evidence


# --- thank_you_template ------------------------------------------------------------------


def lettered(cfg, *invoices):
    """A first run that sends the scope its letter; returns the stored snapshot."""
    snap = snapshot(*invoices)
    result = run(cfg, snap)
    only_letter(result)
    return after(snap, result)


def settle(snap, *now, history=()):
    return replace(snap, invoices=now, history=history)


def test_a_scope_paid_after_its_letter_gets_one_thank_you_note():
    cfg = thanking()
    snap = settle(lettered(cfg, invoice("i1", 100, 30)), history=(paid(invoice("i1", 100, 30)),))
    result = run(cfg, snap, AS_OF + days(3))
    (note,) = result.thanks
    assert (note.ref, note.customer_id, note.template) == (ref(), "C1", "thanks")
    assert (note.as_of, note.last_letter_date) == (AS_OF + days(3), AS_OF)
    assert note.thanks_id == thanks_id_for("NL01", ref(), AS_OF)
    (state,) = result.states
    assert state.cycle is None  # the cycle is over
    # the next run finds no cycle: no second note
    assert run(cfg, after(snap, result), AS_OF + days(4)).thanks == ()


def test_a_new_cycle_paid_again_gets_a_new_note():
    cfg = thanking()
    first = settle(lettered(cfg, invoice("i1", 100, 30)), history=(paid(invoice("i1", 100, 30)),))
    done = run(cfg, first, AS_OF + days(3))
    later = AS_OF + days(40)
    snap = settle(after(first, done), invoice("i2", 80, 20))
    letter = run(cfg, snap, later)
    only_letter(letter)
    snap = settle(after(snap, letter), history=(paid(invoice("i2", 80, 20)),))
    (note,) = run(cfg, snap, later + days(2)).thanks
    assert note.last_letter_date == later
    assert note.thanks_id != done.thanks[0].thanks_id


def test_a_scope_emptied_by_a_pause_gets_no_note():
    cfg = thanking()
    snap = replace(lettered(cfg, invoice("i1", 100, 30)), pauses=(pause(ScopeKind.INVOICE, "i1"),))
    result = run(cfg, snap, AS_OF + days(3))
    assert result.thanks == ()
    assert result.letters == ()
    assert result.states == ()  # the cycle goes on: i1 is still owed


def test_a_scope_whose_customer_is_paused_gets_no_note():
    cfg = thanking()
    snap = replace(lettered(cfg, invoice("i1", 100, 30)), pauses=(pause(ScopeKind.CUSTOMER, "C1"),))
    assert run(cfg, snap, AS_OF + days(3)).thanks == ()


def test_a_scope_credited_away_gets_no_note():
    cfg = thanking()
    snap = replace(lettered(cfg, invoice("i1", 100, 30)), credits=(credit("cr1", 100),))
    result = run(cfg, snap, AS_OF + days(11))
    assert result.letters == () and result.thanks == ()  # nothing due, yet i1 is open
    (stored,) = after(snap, result).states
    assert stored.cycle is not None


def test_a_scope_emptied_by_voiding_gets_no_note_and_its_cycle_ends():
    cfg = thanking()
    snap = settle(lettered(cfg, invoice("i1", 100, 30)), history=(void(invoice("i1", 100, 30)),))
    result = run(cfg, snap, AS_OF + days(3))
    assert result.thanks == ()
    assert [s.cycle for s in result.states] == [None]


def test_something_else_overdue_keeps_the_cycle_going():
    cfg = thanking()
    snap = settle(
        lettered(cfg, invoice("i1", 100, 30)),
        invoice("i2", 40, 2),  # overdue since, not on the letter yet
        history=(paid(invoice("i1", 100, 30)),),
    )
    assert run(cfg, snap, AS_OF + days(3)).thanks == ()


def test_a_not_yet_due_invoice_left_does_not_hold_the_note_back():
    cfg = thanking()
    snap = settle(
        lettered(cfg, invoice("i1", 100, 30)),
        invoice("i2", 40, -10),
        history=(paid(invoice("i1", 100, 30)),),
    )
    assert len(run(cfg, snap, AS_OF + days(3)).thanks) == 1


def test_a_procedure_without_thank_you_template_sends_none_but_ends_the_cycle():
    cfg = simple(REPEAT)
    snap = settle(lettered(cfg, invoice("i1", 100, 30)), history=(paid(invoice("i1", 100, 30)),))
    result = run(cfg, snap, AS_OF + days(3))
    assert result.thanks == ()
    assert [s.cycle for s in result.states] == [None]


def test_cycle_end_reads_like_the_spec():
    cycle = LetterCycle("P", (("i1", Decimal(100)), ("i2", Decimal(5))))
    paid_one = Ledger({}, {"i1": InvoiceStatus.PAID, "i2": InvoiceStatus.VOID})
    assert cycle_end(cycle, paid_one, overdue_left=False) == CycleEnd.PAID
    assert cycle_end(cycle, paid_one, overdue_left=True) == CycleEnd.GOES_ON
    voided = Ledger({}, {"i1": InvoiceStatus.VOID, "i2": InvoiceStatus.VOID})
    assert cycle_end(cycle, voided, overdue_left=False) == CycleEnd.CLOSED
    still_open = Ledger({"i2": Decimal(5)}, {"i1": InvoiceStatus.PAID})
    assert cycle_end(cycle, still_open, overdue_left=False) == CycleEnd.GOES_ON


def test_a_letter_sent_by_hand_at_a_level_is_escalated_like_the_daily_runs():
    cfg = escalating(1)
    snap = snapshot(invoice("i1", 100, 30))
    snap = after(snap, run(cfg, snap))  # one letter emailed, nothing paid since
    hand = letters_at_level(cfg, SUB, snap, AS_OF + days(1), "C1", 1)
    (letter,) = hand.letters
    assert letter.print_too
    (state,) = hand.states
    assert state.cycle is not None and state.cycle.unanswered == 2
