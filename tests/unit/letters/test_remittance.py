"""The remittance reference (SPEC 2.8): an ISO 11649 RF creditor reference per letter."""

from __future__ import annotations

from datetime import date

import pytest

from dunning.domain.model import ScopeKind, ScopeRef, letter_id_for
from dunning.domain.remittance import (
    InvalidReference,
    check_digits,
    creditor_reference,
    letter_of_reference,
    letter_reference,
    normalise_reference,
    printed,
)


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        # ISO 11649's own example, and the same body padded with zeros (EPC guidance).
        ("539007547034", "RF18539007547034"),
        ("000000000539007547034", "RF18000000000539007547034"),
    ],
)
def test_the_check_digits_are_those_of_the_published_examples(body: str, reference: str) -> None:
    assert creditor_reference(body) == reference


def test_check_digits_are_iso_7064_mod_97_10_over_the_body_then_rf00() -> None:
    # "RF00" reads 271500; the remainder of body + 271500 by 97, taken from 98.
    assert int("539007547034" + "271500") % 97 == 80
    assert check_digits("539007547034") == "18"
    # Letters count as 10..35: "RF" + check + body mod 97 is 1 for a valid reference.
    assert int("539007547034" + "2715" + "18") % 97 == 1


def test_a_reference_read_from_a_file_may_be_printed_in_groups_or_in_lower_case() -> None:
    assert normalise_reference("RF18 5390 0754 7034") == "RF18539007547034"
    assert normalise_reference("rf18539007547034") == "RF18539007547034"


@pytest.mark.parametrize(
    "text",
    ["RF19539007547034", "RF18539007547035", "XX18539007547034", "RF1", "RF18", "RF18" + "1" * 22],
)
def test_a_reference_with_wrong_check_digits_or_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidReference):
        normalise_reference(text)


def test_a_printed_reference_is_shown_in_groups_of_four() -> None:
    assert printed("RF18539007547034") == "RF18 5390 0754 7034"


def test_the_same_letter_always_gets_the_same_reference_and_it_names_the_letter_back() -> None:
    ref = ScopeRef(ScopeKind.CUSTOMER, "C-1", "EUR")
    letter_id = letter_id_for("NL01", ref, date(2026, 9, 1))
    reference = letter_reference(letter_id)
    assert reference is not None
    assert reference == letter_reference(letter_id)
    assert reference.startswith("RF") and len(reference) <= 25
    assert normalise_reference(reference) == reference
    assert letter_of_reference(printed(reference)) == letter_id


def test_different_letters_get_different_references() -> None:
    ref = ScopeRef(ScopeKind.CUSTOMER, "C-1", "EUR")
    days = [date(2026, 9, d) for d in range(1, 29)]
    ids = {letter_id_for("NL01", ref, d) for d in days}
    ids |= {letter_id_for("NL01", ScopeRef(ScopeKind.INVOICE, "C-1", "EUR"), d) for d in days}
    assert len({letter_reference(i) for i in ids}) == len(ids)


def test_the_largest_digest_still_fits_in_21_characters() -> None:
    reference = letter_reference("L20991231-ffffffffffffffff")
    assert reference is not None and len(reference) == 25
    assert letter_of_reference(reference) == "L20991231-ffffffffffffffff"


def test_a_valid_reference_made_elsewhere_names_no_letter() -> None:
    assert letter_of_reference("RF18539007547034") is None
    assert letter_reference("not-a-letter-id") is None


def test_a_payment_quoting_a_letters_reference_is_matched_to_that_letter() -> None:
    from decimal import Decimal

    from dunning.domain.letters.payments import payment_matches, payments_record
    from dunning.domain.model import Credit, CreditKind

    letter_id = letter_id_for("NL01", ScopeRef(ScopeKind.CUSTOMER, "C-1", "EUR"), date(2026, 9, 1))
    reference = letter_reference(letter_id)
    day = date(2026, 9, 9)
    credits = [
        Credit("P1", "C-1", "EUR", day, Decimal("25.00"), CreditKind.PAYMENT, reference),
        Credit("P2", "C-1", "EUR", day, Decimal("5.00"), CreditKind.PAYMENT, "RF18539007547034"),
        Credit("P3", "C-1", "EUR", day, Decimal("5.00"), CreditKind.PAYMENT),
        Credit("M1", "C-1", "EUR", day, Decimal("5.00"), CreditKind.CREDIT_MEMO, reference),
    ]
    (match,) = payment_matches(credits)
    assert (match.letter_id, match.credit_id) == (letter_id, "P1")
    assert payments_record([match]) == [
        {"credit_id": "P1", "amount": "25.00", "date": "2026-09-09"}
    ]
