"""SPEC 2.6: just before delivery the letter is re-checked against what is stored now;
paid or paused items leave, and a letter with nothing left is dropped, never sent stale."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from delivery_samples import AS_OF, contact, customer, invoice, letter

from dunning.domain.configuration.config import Config, Level, PaymentPlan, Procedure
from dunning.domain.delivery.refresh import CustomerRecords, Terms, current_of, refresh, terms_of
from dunning.domain.engine.content import payment_plan
from dunning.domain.model import (
    Credit,
    InvoiceStatus,
    LetterCredit,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
)

pytestmark = pytest.mark.unit

TODAY = AS_OF
I1, I2 = invoice("I1", "100.00"), invoice("I2", "50.00")


def now(*invoices, credits=(), pauses=(), promises=(), children=(), **cust):
    owner = CustomerRecords(
        customer(**cust),
        contacts=(contact("ar@devries.example"),),
        invoices=tuple(invoices),
        credits=tuple(credits),
        pauses=tuple(pauses),
        promises=tuple(promises),
    )
    return current_of(owner, children)


def pause(target, target_id, until=None, customer_id="C1"):
    return Pause(target, target_id, customer_id, PauseReason.DISPUTE, "", until)


def test_nothing_changed_sends_the_letter_as_evaluated():
    evaluated = letter(I1, I2)
    r = refresh(evaluated, now(I1, I2), TODAY)
    assert r.letter == evaluated and r.changes == ()


def test_a_paid_invoice_leaves_the_letter_and_the_amount_follows():
    paid = invoice("I2", "0.00", status=InvoiceStatus.PAID)
    r = refresh(letter(I1, I2), now(I1, paid), TODAY)
    assert r.letter is not None
    assert r.letter.invoice_ids == ("I1",) and r.letter.amount_due == Decimal("100.00")
    assert r.changes == ("NR-I2 is paid",)


def test_a_partly_paid_invoice_shows_what_is_left_and_its_interest():
    level = Level(1, 1, "friendly", interest_rate_pa=Decimal("8"))
    evaluated = letter(I1)
    partly = invoice("I1", "60.00")
    r = refresh(evaluated, now(partly), TODAY, Terms(level=level))
    assert r.letter is not None
    (item,) = r.letter.items
    # 60.00 x 8 % x 40 days / 365 = 0.5260... -> 0.53
    assert (item.amount_remaining, item.interest, r.letter.interest) == (
        Decimal("60.00"),
        Decimal("0.53"),
        Decimal("0.53"),
    )
    assert r.changes == ("NR-I1 remaining 100.00 -> 60.00",)


def test_everything_paid_drops_the_letter():
    paid = [invoice(i.invoice_id, "0.00", status=InvoiceStatus.PAID) for i in (I1, I2)]
    r = refresh(letter(I1, I2), now(*paid), TODAY)
    assert r.dropped and r.changes[-1] == "nothing is left open"


def test_a_voided_or_vanished_invoice_leaves_the_letter():
    void = invoice("I1", "100.00", status=InvoiceStatus.VOID)
    r = refresh(letter(I1, I2), now(void), TODAY)
    assert r.dropped
    assert r.changes == ("NR-I1 is void", "NR-I2 is no longer on file", "nothing is left open")


def test_a_paused_customer_drops_the_letter():
    r = refresh(letter(I1), now(I1, pauses=[pause(ScopeKind.CUSTOMER, "C1")]), TODAY)
    assert r.dropped and r.changes == ("the customer is paused",)


def test_a_pause_that_ended_yesterday_holds_nothing():
    ended = pause(ScopeKind.CUSTOMER, "C1", until=TODAY - timedelta(days=1))
    assert not refresh(letter(I1), now(I1, pauses=[ended]), TODAY).dropped


def test_a_paused_invoice_or_group_leaves_the_letter():
    grouped = invoice("I2", "50.00", group_id="G1")
    pauses = [pause(ScopeKind.INVOICE, "I1"), pause(ScopeKind.INVOICE_GROUP, "G1")]
    i3 = invoice("I3", "10.00")
    r = refresh(letter(I1, grouped, i3), now(I1, grouped, i3, pauses=pauses), TODAY)
    assert r.letter is not None and r.letter.invoice_ids == ("I3",)
    assert r.changes == ("NR-I1 is paused", "NR-I2 is paused")


def test_a_promise_to_pay_holds_the_customer_within_its_grace():
    promise = Promise("C1", Decimal("150"), "EUR", TODAY - timedelta(days=2), Decimal("150"))
    assert refresh(letter(I1), now(I1, promises=[promise]), TODAY, Terms(grace_days=3)).dropped
    assert not refresh(letter(I1), now(I1, promises=[promise]), TODAY, Terms(grace_days=1)).dropped
    broken = Promise("C1", Decimal("150"), "EUR", TODAY, Decimal("150"), broken=True)
    assert not refresh(letter(I1), now(I1, promises=[broken]), TODAY).dropped


def test_a_customer_gone_from_the_data_drops_the_letter():
    gone = current_of(CustomerRecords(None))
    assert refresh(letter(I1), gone, TODAY).changes == ("the customer is no longer on file",)


def test_an_invoice_now_in_another_currency_leaves_the_letter():
    usd = invoice("I1", "100.00", currency="USD")
    assert refresh(letter(I1, I2), now(usd, I2), TODAY).changes == ("NR-I1 is now in USD",)


# --- Credits -----------------------------------------------------------------------------


def credit(credit_id, amount, customer_id="C1", currency="EUR"):
    return Credit(credit_id, customer_id, currency, date(2026, 9, 1), Decimal(amount))


def test_a_payment_on_account_since_evaluation_nets_on_the_customer_letter():
    r = refresh(letter(I1, I2), now(I1, I2, credits=[credit("P1", "30.00")]), TODAY)
    assert r.letter is not None
    assert r.letter.credits == (LetterCredit("P1", date(2026, 9, 1), Decimal("30.00")),)
    assert r.letter.amount_due == Decimal("120.00")
    assert r.changes == ("credits 0 -> 30.00",)


def test_credits_covering_everything_drop_the_letter():
    r = refresh(letter(I1), now(I1, credits=[credit("P1", "100.00")]), TODAY)
    assert r.dropped and r.changes[-1] == "credits cover what is left"


def test_credits_are_not_netted_when_the_procedure_does_not_net_them():
    r = refresh(letter(I1), now(I1, credits=[credit("P1", "30")]), TODAY, Terms(net_credits=False))
    assert r.letter is not None and r.letter.credits == ()


def test_department_and_invoice_letters_keep_their_credits_as_they_were():
    dept = letter(I1, department="NORTH", scope_id="C1/NORTH")
    r = refresh(dept, now(I1, credits=[credit("P1", "30.00")]), TODAY)
    assert r.letter is not None and r.letter.credits == ()
    inv = letter(I1, scope=ScopeKind.INVOICE, scope_id="I1")
    r = refresh(inv, now(I1, credits=[credit("P1", "30.00")]), TODAY)
    assert r.letter is not None and r.letter.credits == ()


def test_a_credit_in_another_currency_does_not_net():
    r = refresh(letter(I1), now(I1, credits=[credit("P1", "30.00", currency="USD")]), TODAY)
    assert r.letter is not None and r.letter.credits == ()


# --- Bill to parent (SPEC 2.1, 2.5) ---------------------------------------------------------


def test_a_childs_invoices_are_refreshed_on_the_parents_letter():
    kid = customer(customer_id="K1", parent_id="C1", bill_to_parent=True, emails=("k@kid.example",))
    kid_invoice = invoice("K-I1", "40.00", customer_id="K1")
    kid_paid = invoice("K-I2", "0.00", customer_id="K1", status=InvoiceStatus.PAID)
    child = CustomerRecords(
        kid,
        contacts=(contact("kid-ar@kid.example"),),
        invoices=(kid_invoice, kid_paid),
        credits=(credit("K-C1", "5.00", customer_id="K1"),),
    )
    evaluated = letter(I1, kid_invoice, invoice("K-I2", "25.00", customer_id="K1"))
    current = now(I1, children=[child])
    r = refresh(evaluated, current, TODAY)
    assert r.letter is not None
    assert r.letter.invoice_ids == ("I1", "K-I1")
    assert r.letter.amount_due == Decimal("135.00")  # 100 + 40 - the child's credit of 5
    # dunned through the parent's letter and recipients: the child's contacts stay out
    assert current.contacts == (contact("ar@devries.example"),)


def test_a_paused_child_leaves_the_parents_letter():
    kid = customer(customer_id="K1", parent_id="C1", bill_to_parent=True)
    kid_invoice = invoice("K-I1", "40.00", customer_id="K1")
    child = CustomerRecords(
        kid, invoices=(kid_invoice,), pauses=(pause(ScopeKind.CUSTOMER, "K1", customer_id="K1"),)
    )
    r = refresh(letter(I1, kid_invoice), now(I1, children=[child]), TODAY)
    assert r.letter is not None and r.letter.invoice_ids == ("I1",)


# --- Payment plan and terms ------------------------------------------------------------------


def test_a_payment_plan_is_recut_for_the_new_amount():
    plan = PaymentPlan(2, 30)
    level = Level(1, 1, "friendly", payment_plan=plan)
    evaluated = letter(I1, I2, payment_plan=payment_plan(plan, Decimal("150.00"), "EUR", AS_OF))
    assert [i.amount for i in evaluated.payment_plan] == [Decimal("75.00"), Decimal("75.00")]
    paid = invoice("I2", "0", status=InvoiceStatus.PAID)
    r = refresh(evaluated, now(I1, paid), TODAY, Terms(level=level))
    assert r.letter is not None
    assert [i.amount for i in r.letter.payment_plan] == [Decimal("50.00"), Decimal("50.00")]


def test_terms_come_from_the_letters_procedure_and_level():
    level = Level(1, 1, "friendly", interest_rate_pa=Decimal(5))
    proc = Procedure("STD", ScopeKind.CUSTOMER, (level,), net_credits=False, promise_grace_days=7)
    config = Config((), (proc,))
    assert terms_of(config, letter(I1)) == Terms(level, False, 7)
    assert terms_of(config, letter(I1, level=2)) == Terms(None, False, 7)
    assert terms_of(Config((), ()), letter(I1)) == Terms(None, False, 3)
