"""SPEC 2.5, recipients and channels, one rule per test."""

from __future__ import annotations

import pytest
from delivery_samples import SUB, contact, customer, invoice, letter

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.delivery.routing import MAX_RECIPIENTS, letter_departments, route
from dunning.domain.model import Channel, Delivery

pytestmark = pytest.mark.unit

EMAIL, PRINT = Channel.EMAIL, Channel.PRINT


# --- Recipients ----------------------------------------------------------------------


def test_the_customers_own_emails_receive_the_letter():
    r = route(letter(), customer(emails=("a@x.example", "b@x.example")), [], SUB)
    assert r.to == ("a@x.example", "b@x.example")
    assert r.channels == (EMAIL,)


def test_excluded_customer_emails_leave_only_the_dunning_contacts():
    c = customer(exclude_customer_email=True)
    r = route(letter(), c, [contact("ar@devries.example")], SUB)
    assert r.to == ("ar@devries.example",)


def test_contacts_with_the_dunning_role_are_added_and_others_are_not():
    contacts = [
        contact("ar@devries.example"),
        contact("Boss@devries.example", role="Dunning "),
        contact("sales@devries.example", role="sales"),
        contact("nobody@devries.example", role=None),
    ]
    r = route(letter(), customer(), contacts, SUB)
    assert r.to == ("admin@devries.example", "ar@devries.example", "Boss@devries.example")


def test_a_contact_with_a_department_gets_that_departments_letters_only():
    contacts = [
        contact("north@devries.example", department="NORTH"),
        contact("south@devries.example", department="SOUTH"),
        contact("all@devries.example"),
    ]
    north = letter(department="NORTH", scope_id="C1/NORTH")
    r = route(north, customer(), contacts, SUB, departments=frozenset({"NORTH"}))
    assert r.to == ("admin@devries.example", "north@devries.example", "all@devries.example")
    plain = route(letter(), customer(), contacts, SUB, departments=frozenset())
    assert plain.to == ("admin@devries.example", "all@devries.example")


def test_a_letter_is_about_its_own_department_or_those_of_its_invoices():
    i1, i2, i3 = (
        invoice("I1", "10", department="NORTH"),
        invoice("I2", "10", department="SOUTH"),
        invoice("I3", "10"),
    )
    invoices = {i.invoice_id: i for i in (i1, i2, i3)}
    assert letter_departments(letter(i1, department="NORTH"), invoices) == {"NORTH"}
    assert letter_departments(letter(i1, i2, i3), invoices) == {"NORTH", "SOUTH"}
    assert letter_departments(letter(i3), invoices) == frozenset()


def test_addresses_are_written_to_once_whatever_their_case():
    contacts = [contact("ADMIN@devries.example"), contact(" admin@devries.example ")]
    assert route(letter(), customer(), contacts, SUB).to == ("admin@devries.example",)


@pytest.mark.parametrize(
    "bad",
    ["not-an-address", "a@b", "x@-bad-.example", "a b@x.example", "a@x.example\r\nBcc: e@v.il"],
)
def test_invalid_addresses_are_left_out(bad):
    r = route(letter(), customer(emails=(bad, "ok@x.example")), [], SUB)
    assert r.to == ("ok@x.example",)


def test_at_most_fifty_recipients_as_ses_allows():
    many = tuple(f"p{n}@x.example" for n in range(60))
    r = route(letter(), customer(emails=many, manager_email="m@acme.example"), [], SUB)
    assert len(r.addresses) == MAX_RECIPIENTS and r.to == many[:MAX_RECIPIENTS] and r.cc == ()


# --- Sender, reply-to and the dunning manager ---------------------------------------


def test_the_dunning_manager_is_reply_to_and_copied():
    r = route(letter(), customer(manager_email="anna@acme.example"), [], SUB)
    assert (r.sender, r.reply_to, r.cc) == (
        "collections@acme.example",
        "anna@acme.example",
        ("anna@acme.example",),
    )


def test_without_a_manager_the_subsidiarys_reply_to_answers():
    r = route(letter(), customer(), [], SUB)
    assert (r.reply_to, r.cc) == ("ar@acme.example", ())


def test_a_manager_who_is_also_a_recipient_is_not_copied_twice():
    c = customer(emails=("anna@acme.example",), manager_email="Anna@acme.example")
    assert route(letter(), c, [], SUB).cc == ()


def test_without_a_valid_sender_the_letter_is_printed():
    r = route(letter(), customer(), [], Subsidiary("X1", "X", "EUR", "UTC", sender=None))
    assert r.channels == (PRINT,)
    assert r.note == "no valid sender address configured for subsidiary X1"


# --- Channels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivery", "level_channels", "expected"),
    [
        (Delivery.EMAIL, (EMAIL,), (EMAIL,)),
        (Delivery.EMAIL, (EMAIL, PRINT), (EMAIL, PRINT)),
        (Delivery.EMAIL, (PRINT,), (PRINT,)),
        (Delivery.PRINT, (EMAIL,), (PRINT,)),
        (Delivery.PRINT, (EMAIL, PRINT), (PRINT,)),
        (Delivery.BOTH, (EMAIL,), (EMAIL, PRINT)),
    ],
)
def test_the_customers_delivery_decides_and_email_takes_the_levels_channels(
    delivery, level_channels, expected
):
    r = route(letter(), customer(delivery=delivery), [], SUB, level_channels=level_channels)
    assert r.channels == expected
    assert bool(r.to) == (EMAIL in expected)


def test_no_valid_address_prints_instead_of_email():
    r = route(letter(), customer(emails=()), [contact("sales@x.example", role="sales")], SUB)
    assert (r.channels, r.to, r.cc) == ((PRINT,), (), ())
    assert r.note == "no valid email address: printed instead"


def test_a_bounced_address_is_left_out_and_the_others_still_receive_it():
    c = customer(emails=("gone@x.example", "here@x.example"))
    r = route(letter(), c, [], SUB, bounced=frozenset({"gone@x.example"}))
    assert r.to == ("here@x.example",)


def test_every_address_bounced_prints_instead_of_email():
    c = customer(emails=("Gone@x.example",), manager_email="anna@acme.example")
    r = route(letter(), c, [], SUB, bounced=frozenset({"gone@x.example"}))
    assert (r.channels, r.cc) == ((PRINT,), ())
    assert r.note == "every email address bounced: printed instead"


def test_email_and_print_falls_back_to_print_only():
    r = route(letter(), customer(emails=(), delivery=Delivery.BOTH), [], SUB)
    assert r.channels == (PRINT,)


def test_a_bounced_manager_is_neither_copied_nor_reply_to():
    c = customer(manager_email="anna@acme.example")
    r = route(letter(), c, [], SUB, bounced=frozenset({"anna@acme.example"}))
    assert (r.cc, r.reply_to) == ((), "ar@acme.example")
