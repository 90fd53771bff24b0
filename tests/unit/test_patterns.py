"""One grammar for e-mail addresses, IBANs and BICs, wherever they are read."""

from __future__ import annotations

import pytest

from dunning.domain.patterns import is_bic, is_email, normalise_bic, normalise_iban

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "address", ["ar@acme.example", "first.last+tag@mail.acme.co.uk", "o'brien@x.example"]
)
def test_an_address_the_mime_builder_takes_is_an_email(address):
    assert is_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "ar@localhost",  # one label only
        "a..b@acme.example",
        ".a@acme.example",
        "ré@acme.example",  # not ASCII
        "Acme AR <ar@acme.example>",  # a mailbox, not an address
        "a@b.example\n",
        "x" * 65 + "@acme.example",  # local part over 64 characters
        "a@" + ".".join(["b" * 61] * 4) + ".example",  # over 254 characters
    ],
)
def test_anything_else_is_not_an_email(address):
    assert not is_email(address)


def test_an_iban_is_compacted_and_its_check_digits_verified():
    assert normalise_iban("de89 3704\t0044 0532 0130 00") == "DE89370400440532013000"
    assert normalise_iban("DE89370400440532013001") is None


def test_a_bic_is_8_or_11_letters_and_digits():
    assert is_bic("DEUTDEFF") and is_bic("DEUTDEFF500")
    assert not is_bic("deutdeff") and not is_bic("DEUTDEF")
    assert normalise_bic(" deut deff ") == "DEUTDEFF"
