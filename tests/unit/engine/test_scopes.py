"""SPEC 2.1: which procedure, which scope, and what each scope's letter holds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_builders import (
    config,
    credit,
    customer,
    group,
    invoice,
    only_letter,
    run,
    simple,
    snapshot,
)

from dunning.domain.model import ScopeKind

pytestmark = pytest.mark.unit

PROCEDURES = """
- id: P
  applies_to: customer
  levels: [{days: 10, template: a}]
- id: OVR
  applies_to: customer
  allow_override: true
  levels: [{days: 10, template: a}]
- id: NOOVR
  applies_to: customer
  allow_override: false
  levels: [{days: 10, template: a}]
- id: INV
  applies_to: invoice
  levels: [{days: 5, template: a}, {days: 20, template: b}]
- id: GRP
  applies_to: invoice_group
  levels: [{days: 5, template: a}]
- id: VIP
  applies_to: customer
  levels: [{days: 10, template: a}]
- id: BIG
  applies_to: customer
  levels: [{days: 10, template: a}]
"""


def procedures(rules: str = "", default: str | None = "P"):
    return config(PROCEDURES, default=default, rules=rules)


# --- which procedure ---------------------------------------------------------------------


def test_the_customers_own_procedure_comes_first():
    cfg = procedures(rules="- {procedure_id: VIP}")
    snap = snapshot(invoice("i1", 100, 15), customers=(customer(procedure_id="BIG"),))
    assert only_letter(run(cfg, snap)).procedure_id == "BIG"


def test_then_the_first_matching_assignment_rule():
    rules = """
    - {procedure_id: VIP, tags: [vip]}
    - {procedure_id: BIG, tags: [vip]}
    """
    snap = snapshot(invoice("i1", 100, 15), customers=(customer(tags=("retail", "vip")),))
    assert only_letter(run(procedures(rules), snap)).procedure_id == "VIP"


def test_a_rule_matches_by_subsidiary_currency_and_amount():
    rules = """
    - {procedure_id: VIP, subsidiary_id: US01}
    - {procedure_id: BIG, currency: EUR, min_amount: 1000, max_amount: 5000}
    """
    small = snapshot(invoice("i1", 999, 15))
    large = snapshot(invoice("i1", 1000, 15))
    usd = snapshot(invoice("i1", 1000, 15, currency="USD"))
    assert only_letter(run(procedures(rules), small)).procedure_id == "P"
    assert only_letter(run(procedures(rules), large)).procedure_id == "BIG"
    assert only_letter(run(procedures(rules), usd)).procedure_id == "P"


def test_then_the_subsidiary_default_and_else_no_dunning():
    snap = snapshot(invoice("i1", 100, 15))
    assert only_letter(run(procedures(), snap)).procedure_id == "P"
    assert run(procedures(default=None), snap).letters == ()


def test_an_unknown_procedure_id_in_the_data_counts_as_not_set():
    snap = snapshot(invoice("i1", 100, 15), customers=(customer(procedure_id="GONE"),))
    assert only_letter(run(procedures(), snap)).procedure_id == "P"


def test_customers_of_other_subsidiaries_are_ignored():
    snap = snapshot(invoice("i1", 100, 15), customers=(customer(subsidiary_id="US01"),))
    assert run(procedures(), snap).letters == ()


# --- Allow Override --------------------------------------------------------------------------


def test_allow_override_takes_the_invoice_off_the_customer_letter():
    snap = snapshot(
        invoice("own", 100, 15, procedure_id="INV"),
        invoice("plain", 100, 15),
        customers=(customer(procedure_id="OVR"),),
    )
    letters = {
        (letter.scope, letter.scope_id): letter for letter in run(procedures(), snap).letters
    }
    assert letters[(ScopeKind.INVOICE, "own")].invoice_ids == ("own",)
    assert letters[(ScopeKind.INVOICE, "own")].procedure_id == "INV"
    assert letters[(ScopeKind.CUSTOMER, "C1")].invoice_ids == ("plain",)


def test_without_allow_override_the_invoice_procedure_is_ignored():
    snap = snapshot(
        invoice("own", 100, 15, procedure_id="INV"),
        invoice("plain", 100, 15),
        customers=(customer(procedure_id="NOOVR"),),
    )
    letter = only_letter(run(procedures(), snap))
    assert (letter.scope, letter.procedure_id) == (ScopeKind.CUSTOMER, "NOOVR")
    assert set(letter.invoice_ids) == {"own", "plain"}


def test_an_invoice_procedure_applies_when_the_customer_has_no_procedure():
    snap = snapshot(invoice("own", 100, 6, procedure_id="INV"))
    letter = only_letter(run(procedures(default=None), snap))
    assert (letter.scope, letter.scope_id, letter.level) == (ScopeKind.INVOICE, "own", 1)


def test_an_invoice_procedure_as_customer_procedure_duns_every_invoice_alone():
    snap = snapshot(
        invoice("a", 100, 25), invoice("b", 100, 6), customers=(customer(procedure_id="INV"),)
    )
    letters = run(procedures(), snap).letters
    assert {(x.scope_id, x.level) for x in letters} == {("a", 2), ("b", 1)}
    assert all(x.scope is ScopeKind.INVOICE and x.customer_id == "C1" for x in letters)


def test_invoice_letters_never_list_credits():
    snap = snapshot(
        invoice("own", 100, 15, procedure_id="INV"),
        customers=(customer(procedure_id="OVR"),),
        credits=(credit("cr1", 40),),
    )
    letter = only_letter(run(procedures(), snap))
    assert letter.scope is ScopeKind.INVOICE
    assert (letter.credits, letter.amount_due) == ((), Decimal(100))


# --- invoice groups ------------------------------------------------------------------------


def test_a_group_with_a_procedure_is_dunned_in_its_own_letter_only():
    snap = snapshot(
        invoice("g1", 100, 15, group_id="G"),
        invoice("g2", 50, 6, group_id="G"),
        invoice("plain", 100, 15),
        groups=(group("G", procedure_id="GRP"),),
    )
    letters = {letter.scope: letter for letter in run(procedures(), snap).letters}
    assert letters[ScopeKind.INVOICE_GROUP].scope_id == "G"
    assert set(letters[ScopeKind.INVOICE_GROUP].invoice_ids) == {"g1", "g2"}
    assert letters[ScopeKind.CUSTOMER].invoice_ids == ("plain",)


def test_a_group_without_a_procedure_stays_on_the_customer_letter():
    snap = snapshot(
        invoice("g1", 100, 15, group_id="G"), invoice("plain", 100, 15), groups=(group("G"),)
    )
    letter = only_letter(run(procedures(), snap))
    assert set(letter.invoice_ids) == {"g1", "plain"}


def test_a_group_procedure_wins_over_the_invoices_own_procedure():
    snap = snapshot(
        invoice("g1", 100, 15, group_id="G", procedure_id="INV"),
        groups=(group("G", procedure_id="GRP"),),
        customers=(customer(procedure_id="OVR"),),
    )
    letter = only_letter(run(procedures(), snap))
    assert (letter.scope, letter.scope_id) == (ScopeKind.INVOICE_GROUP, "G")


# --- currencies ----------------------------------------------------------------------------


def test_each_currency_is_its_own_scope_and_letter():
    snap = snapshot(
        invoice("e1", 100, 15),
        invoice("u1", 200, 15, currency="USD"),
        credits=(credit("cr", 10, currency="USD"),),
    )
    letters = {letter.currency: letter for letter in run(procedures(), snap).letters}
    assert letters["EUR"].amount_due == Decimal(100)
    assert letters["USD"].amount_due == Decimal(190)
    assert letters["EUR"].letter_id != letters["USD"].letter_id


# --- bill to parent and departments ----------------------------------------------------------


def test_a_bill_to_parent_child_is_dunned_in_its_parents_letter():
    snap = snapshot(
        invoice("p1", 100, 15, customer_id="PARENT"),
        invoice("c1", 50, 15, customer_id="CHILD"),
        customers=(customer("PARENT"), customer("CHILD", parent_id="PARENT", bill_to_parent=True)),
        credits=(credit("cr", 20, customer_id="CHILD"),),
    )
    letter = only_letter(run(procedures(), snap))
    assert (letter.customer_id, letter.scope_id) == ("PARENT", "PARENT")
    assert set(letter.invoice_ids) == {"p1", "c1"}
    assert letter.amount_due == Decimal(130)


def test_a_child_with_a_parent_but_without_bill_to_parent_has_its_own_letter():
    snap = snapshot(
        invoice("p1", 100, 15, customer_id="PARENT"),
        invoice("c1", 50, 15, customer_id="CHILD"),
        customers=(customer("PARENT"), customer("CHILD", parent_id="PARENT")),
    )
    assert {x.scope_id for x in run(procedures(), snap).letters} == {"PARENT", "CHILD"}


def test_split_by_department_makes_one_scope_per_department():
    snap = snapshot(
        invoice("s1", 100, 15, department="Sales"),
        invoice("s2", 100, 15, department="Sales"),
        invoice("o1", 100, 15, department="Ops"),
        invoice("n1", 100, 15),
        customers=(customer(split_by_department=True),),
        credits=(credit("cr", 30),),
    )
    letters = {letter.scope_id: letter for letter in run(procedures(), snap).letters}
    assert set(letters) == {"C1/Sales", "C1/Ops", "C1"}
    assert letters["C1/Sales"].department == "Sales"
    assert set(letters["C1/Sales"].invoice_ids) == {"s1", "s2"}
    assert letters["C1"].department is None
    # Credits have no department: they net on the customer's own letter only.
    assert letters["C1"].amount_due == Decimal(70)
    assert letters["C1/Ops"].credits == ()


def test_departments_are_ignored_without_split_by_department():
    snap = snapshot(invoice("s1", 100, 15, department="Sales"), invoice("n1", 100, 15))
    letter = only_letter(run(simple(), snap))
    assert (letter.scope_id, letter.department) == ("C1", None)
