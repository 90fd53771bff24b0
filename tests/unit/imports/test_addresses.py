"""Postal addresses and phone numbers (SPEC 2.8, 3.2): imported, stored and written
as a window envelope shows them."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

from dunning.adapters.dynamodb import mapping
from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.schema import FileKind
from dunning.domain.imports.validation import validate_file
from dunning.domain.model import Contact, Customer
from dunning.domain.postal import PostalAddress, country_codes, home_country

pytestmark = pytest.mark.unit

CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency,phone,address_line1,address_line2,address_line3,postal_code,city,region,country
C1,NL01,Dam B.V.,,nl,EUR,+31201234567,Dam 1,t.a.v. crediteuren,,1012 JS,Amsterdam,,NL
C2,US01,Liberty Inc.,ap@liberty.example,en,USD,,200 Liberty Street,Suite 14,,10281,New York,NY,US
C3,NL01,No address B.V.,ap@none.example,nl,EUR,,,,,,,,
"""


def parsed(kind: FileKind, text: str) -> list[object]:
    data = text.encode("utf-8")
    report = validate_file(kind, io.BytesIO(data), known_customers=set, known_subsidiaries=None)
    assert report.ok, report.errors
    return list(parse_rows(kind, io.BytesIO(data)))


def test_address_cells_become_one_postal_address_and_the_phone_is_stored():
    one, two, three = parsed(FileKind.CUSTOMERS, CUSTOMERS)
    assert isinstance(one, Customer) and isinstance(two, Customer) and isinstance(three, Customer)
    assert one.phone == "+31201234567"
    assert one.address == PostalAddress(
        "Dam 1", "t.a.v. crediteuren", postal_code="1012 JS", city="Amsterdam", country="NL"
    )
    assert two.address is not None and two.address.region == "NY"
    assert three.address is None and three.phone is None


def test_a_contact_may_have_a_phone():
    text = "customer_id,name,email,phone\nC1,Jan,jan@dam.example,+31612345678\n"
    (contact,) = parsed(FileKind.CONTACTS, text)
    assert contact == Contact("C1", "Jan", "jan@dam.example", phone="+31612345678")


def test_the_address_and_phone_survive_the_table():
    one, two, three = parsed(FileKind.CUSTOMERS, CUSTOMERS)
    for customer in (one, two, three):
        assert isinstance(customer, Customer)
        stored = mapping.customer(mapping.customer_item(customer))
        # stored with who it is dunned as: the end of its chain (none: its bill-to)
        assert stored == replace(customer, dunned_as_id=customer.billed_to)
    contact = Contact("C1", "Jan", "jan@dam.example", phone="+31612345678")
    assert mapping.contact(mapping.contact_item(contact)) == contact


def test_iso_3166_has_249_codes_and_cldr_groupings_are_not_countries():
    codes = country_codes()
    assert len(codes) == 249
    assert {"NL", "DE", "US", "GB"} <= codes
    assert not {"EU", "UN", "XK", "ZZ", "UK"} & codes


def test_a_subsidiary_posts_from_the_country_of_its_time_zone():
    assert home_country("Europe/Amsterdam") == "NL"
    assert home_country("America/New_York") == "US"
    assert home_country("UTC") is None


@pytest.mark.parametrize(
    ("address", "posted_from", "language", "lines"),
    [
        (
            PostalAddress("Dam 1", postal_code="1012 JS", city="Amsterdam", country="NL"),
            "NL",
            "nl",
            ("Dam 1", "1012 JS Amsterdam"),
        ),
        (
            PostalAddress("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
            "NL",
            "nl",
            ("Hauptstraße 5", "10115 Berlin", "DUITSLAND"),
        ),
        (
            PostalAddress(
                "200 Liberty St",
                "Suite 14",
                postal_code="10281",
                city="New York",
                region="NY",
                country="US",
            ),
            "US",
            "en",
            ("200 Liberty St", "Suite 14", "New York, NY 10281"),
        ),
        (
            PostalAddress("1 Long Lane", postal_code="EC1A 9EJ", city="London", country="GB"),
            "DE",
            "de",
            ("1 Long Lane", "London", "EC1A 9EJ", "VEREINIGTES KÖNIGREICH"),
        ),
        (PostalAddress("Box 12", city="Dublin"), None, "en", ("Box 12", "Dublin")),
    ],
)
def test_lines_follow_the_destination_and_name_the_country_only_abroad(
    address: PostalAddress, posted_from: str | None, language: str, lines: tuple[str, ...]
):
    assert address.lines(posted_from=posted_from, language=language) == lines
