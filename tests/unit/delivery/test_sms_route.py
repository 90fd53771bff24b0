"""SPEC 2.9, who is texted: the customer's phone and its dunning contacts'; no phone
leaves the other channels, and a letter that was to be texted only is printed."""

from __future__ import annotations

import pytest
from delivery_samples import SUB, customer, letter

from dunning.domain.delivery.routing import route
from dunning.domain.model import Channel, Contact, Delivery

pytestmark = pytest.mark.unit

EMAIL, PRINT, SMS = Channel.EMAIL, Channel.PRINT, Channel.SMS
OWN, ANNA, BERT = "+31612345678", "+31687654321", "+31611112222"


def contact(phone: str | None, role: str = "dunning", department: str | None = None) -> Contact:
    return Contact("C1", "Anna", "anna@devries.example", department, role, phone)


def test_the_customers_phone_and_its_dunning_contacts_are_texted_once_each():
    contacts = [contact(ANNA), contact(BERT, role="billing"), contact(OWN)]
    r = route(letter(), customer(phone=OWN), contacts, SUB, level_channels=(EMAIL, SMS))
    assert r.channels == (EMAIL, SMS) and r.texted
    assert r.phones == (OWN, ANNA)  # the billing contact is not texted; OWN once
    assert r.marks == ("admin@devries.example", "anna@devries.example", OWN, ANNA)


def test_a_contact_with_a_department_is_texted_for_that_departments_letters_only():
    contacts = [contact(ANNA, department="NORTH")]
    north = route(
        letter(), customer(phone=None), contacts, SUB,
        departments=frozenset({"NORTH"}), level_channels=(SMS,),
    )  # fmt: skip
    assert north.phones == (ANNA,)
    south = route(
        letter(), customer(phone=None), contacts, SUB,
        departments=frozenset({"SOUTH"}), level_channels=(SMS,),
    )  # fmt: skip
    assert south.phones == () and south.channels == (PRINT,)


def test_no_phone_the_email_still_goes():
    r = route(letter(), customer(), [], SUB, level_channels=(EMAIL, SMS))
    assert r.channels == (EMAIL,) and r.phones == () and r.note is None


def test_no_phone_a_letter_texted_only_is_printed():
    r = route(letter(), customer(), [], SUB, level_channels=(SMS,))
    assert r.channels == (PRINT,) and r.note == "no phone to text: printed instead"


def test_a_marked_phone_is_left_out_like_a_bounced_address():
    r = route(
        letter(), customer(phone=OWN), [contact(ANNA)], SUB,
        bounced=frozenset({OWN}), level_channels=(SMS,),
    )  # fmt: skip
    assert r.phones == (ANNA,)
    every = route(
        letter(), customer(phone=OWN), [], SUB, bounced=frozenset({OWN}), level_channels=(SMS,)
    )
    assert every.channels == (PRINT,)


def test_no_email_address_the_text_goes_and_the_letter_is_printed_too():
    r = route(letter(), customer(emails=(), phone=OWN), [], SUB, level_channels=(EMAIL, SMS))
    assert r.channels == (PRINT, SMS) and r.phones == (OWN,)


def test_a_customer_who_wants_print_or_both_is_not_texted():
    for delivery, channels in ((Delivery.PRINT, (PRINT,)), (Delivery.BOTH, (EMAIL, PRINT))):
        r = route(letter(), customer(phone=OWN, delivery=delivery), [], SUB, level_channels=(SMS,))
        assert r.channels == channels and r.phones == ()


def test_a_number_that_is_not_e164_is_not_texted():
    r = route(letter(), customer(phone="0612345678"), [], SUB, level_channels=(EMAIL, SMS))
    assert r.phones == () and r.channels == (EMAIL,)
