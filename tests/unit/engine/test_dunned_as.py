"""SPEC 2.1 and 2.5: a customer with bill_to_parent has no scope of its own; it is
dunned as its parent, and through a parent that bills upward too, as the customer
at the end of that chain."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import AS_OF, SUB, customer, invoice, only_letter, run, simple, snapshot

from dunning.domain.engine.by_hand import letters_now, owner_of
from dunning.domain.model import Customer, dunned_as

pytestmark = pytest.mark.unit

GRANDPARENT = customer("G1")
PARENT = customer("P1", parent_id="G1", bill_to_parent=True)
GRANDCHILD = customer("C1", parent_id="P1", bill_to_parent=True)


def known(*customers: Customer) -> dict[str, Customer]:
    return {c.customer_id: c for c in customers}


def test_a_customer_without_bill_to_parent_is_billed_and_dunned_as_itself():
    child = customer("C1", parent_id="P1")  # a parent, but its own bills
    assert child.billed_to == "C1"
    assert dunned_as(child, known(child, customer("P1")).get) == "C1"


def test_a_bill_to_parent_customer_is_billed_to_and_dunned_as_its_parent():
    child = customer("C1", parent_id="P1", bill_to_parent=True)
    assert child.billed_to == "P1"
    assert dunned_as(child, known(child, customer("P1")).get) == "P1"


def test_a_grandchild_is_billed_to_its_parent_but_dunned_as_its_grandparent():
    family = known(GRANDPARENT, PARENT, GRANDCHILD)
    assert GRANDCHILD.billed_to == "P1"  # one step: where its bills go
    assert dunned_as(GRANDCHILD, family.get) == "G1"  # the chain: whose letters list them


def test_a_chain_ends_at_the_last_customer_known():
    assert dunned_as(GRANDCHILD, known(PARENT, GRANDCHILD).get) == "P1"
    assert dunned_as(GRANDCHILD, known(GRANDCHILD).get) == "C1"


def test_a_cycle_of_bill_to_parent_customers_still_dunns_each_of_them():
    a = customer("A", parent_id="B", bill_to_parent=True)
    b = customer("B", parent_id="A", bill_to_parent=True)
    family = known(a, b)
    assert (dunned_as(a, family.get), dunned_as(b, family.get)) == ("B", "A")


def test_bill_to_parent_without_a_parent_id_bills_the_customer_itself():
    orphan = customer("C1", bill_to_parent=True)
    assert orphan.billed_to == "C1"
    assert dunned_as(orphan, known(orphan).get) == "C1"


def test_a_grandchilds_invoices_are_on_its_grandparents_letter():
    snap = snapshot(
        invoice("g1", 100, 20, customer_id="G1"),
        invoice("p1", 40, 20, customer_id="P1"),
        invoice("c1", 10, 20, customer_id="C1"),
        customers=(GRANDPARENT, PARENT, GRANDCHILD),
    )
    letter = only_letter(run(simple(), snap))
    assert (letter.customer_id, letter.scope_id) == ("G1", "G1")
    assert set(letter.invoice_ids) == {"g1", "p1", "c1"}
    assert letter.amount_due == Decimal(150)


def test_a_collector_sending_for_a_grandchild_sends_its_grandparents_letter():
    snap = snapshot(
        invoice("g1", 100, 20, customer_id="G1"),
        invoice("c1", 10, 20, customer_id="C1"),
        customers=(GRANDPARENT, PARENT, GRANDCHILD),
    )
    assert owner_of(snap, "C1") == "G1"
    hand = letters_now(simple(), SUB, snap, AS_OF, "C1")
    (letter,) = hand.letters
    assert (hand.owner_id, letter.customer_id, set(letter.invoice_ids)) == (
        "G1",
        "G1",
        {"g1", "c1"},
    )
