"""The letter view: language choice, locale formatting, totals, payment link, EPC QR."""

from __future__ import annotations

import base64
import io
from datetime import date
from decimal import Decimal

import pytest
import segno
from letter_samples import TODAY, customer, full_letter, subsidiary, two_invoice_letter
from PIL import Image

from dunning.domain.letters.epc import epc_payload
from dunning.domain.letters.view import build_view, choose_language, format_locale, payment_link
from dunning.domain.patterns import normalise_iban

pytestmark = pytest.mark.unit

NBSP = "\xa0"
NNBSP = "\u202f"  # French thousands separator
ALL = ("en", "de", "fr", "nl")


# --- Language fallback: customer -> subsidiary locale -> en -----------------------------


@pytest.mark.parametrize(
    ("customer_language", "subsidiary_locale", "expected"),
    [
        ("de", "nl", "de"),
        ("de_AT", "nl", "de"),  # region falls back to its language
        ("de-CH", "nl", "de"),
        ("FR", "nl", "fr"),
        ("es", "nl", "nl"),  # no Spanish templates: the subsidiary's language
        ("es", "nl-BE", "nl"),
        ("es", "pt_PT", "en"),  # neither: English
        (None, None, "en"),
        ("", "fr", "fr"),
    ],
)
def test_choose_language_falls_back_customer_then_subsidiary_then_english(
    customer_language: str | None, subsidiary_locale: str | None, expected: str
) -> None:
    assert choose_language(customer_language, subsidiary_locale, ALL) == expected


def test_choose_language_prefers_an_exact_regional_template() -> None:
    assert choose_language("de_CH", "nl", (*ALL, "de_CH")) == "de_CH"


def test_format_locale_uses_the_most_specific_locale_of_that_language() -> None:
    assert format_locale("nl", "nl", "nl_BE") == "nl_BE"
    assert format_locale("de", "de-CH", "nl") == "de_CH"
    assert format_locale("en", "de", "nl") == "en"  # fallback letter: plain English
    assert format_locale("xx", "yy") == "en"


# --- Amounts and dates per locale --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "total", "long_date", "due_date"),
    [
        ("nl", f"€{NBSP}5.010,00", "14 maart 2025", "2 feb 2025"),
        ("de", f"5.010,00{NBSP}€", "14. März 2025", "02.02.2025"),
        ("fr", f"5{NNBSP}010,00{NBSP}€", "14 mars 2025", "2 févr. 2025"),
        ("en", "€5,010.00", "March 14, 2025", "Feb 2, 2025"),
    ],
)
def test_amounts_and_dates_follow_the_letter_language(
    language: str, total: str, long_date: str, due_date: str
) -> None:
    view = build_view(
        two_invoice_letter(), customer(language=language), subsidiary(locale=language),
        language, TODAY,
    )  # fmt: skip
    assert view.totals.total == total
    assert view.totals.amount_due == total
    assert view.pay_by == long_date
    assert view.items[1].due_date == due_date
    assert [i.days_overdue for i in view.items] == [90, 30]


def test_usd_letter_is_formatted_in_dollars_and_has_no_sepa_qr() -> None:
    view = build_view(two_invoice_letter(currency="USD"), customer(), subsidiary(), "en", TODAY)
    assert view.totals.total == "$5,010.00"
    assert view.items[0].remaining == "$10.00"
    assert view.epc_qr is None and view.epc_payload is None


def test_totals_fees_interest_and_credits() -> None:
    view = build_view(full_letter(), customer(), subsidiary(), "en", TODAY)
    t = view.totals
    assert (t.items, t.credits, t.amount_due) == ("€5,350.00", "-€420.50", "€4,929.50")
    assert (t.fees, t.interest, t.total) == ("€40.00", "€55.36", "€5,024.86")
    assert t.has_credits and t.has_fees and t.has_interest
    assert [c.kind for c in view.credits] == ["credit_memo", "payment"]
    assert [i.interest for i in view.items][:2] == ["€12.34", "€13.34"]
    assert [(p.number, p.due_date, p.amount) for p in view.payment_plan] == [
        (1, "Mar 31, 2025", "€2,000.00"),
        (2, "Apr 30, 2025", "€2,000.00"),
        (3, "May 30, 2025", "€1,162.86"),
    ]
    assert view.max_days_overdue == 123


def test_items_without_interest_show_no_interest() -> None:
    view = build_view(two_invoice_letter(), customer(), subsidiary(), "en", TODAY)
    assert [i.interest for i in view.items] == ["", ""]
    assert not (view.totals.has_fees or view.totals.has_interest or view.totals.has_credits)


def test_letterhead_recipient_and_reference() -> None:
    view = build_view(two_invoice_letter(), customer(), subsidiary(reply_to=None), "de", TODAY)
    assert view.reference == view.letter_id == "L20250304-0123456789abcdef"
    assert view.customer.name == "Globex Retail GmbH"
    # posted from the Netherlands (the subsidiary's time zone) in its language, nl
    assert view.customer.address_lines == ("Hauptstraße 5", "10115 Berlin", "DUITSLAND")
    assert view.company.name == "Acme Nederland B.V."
    assert view.company.reply_to == "collections@acme.example"  # falls back to the sender
    assert view.company.iban == "NL91 ABNA 0417 1643 00"
    assert view.date == "4. März 2025"


# --- Payment link ---------------------------------------------------------------------------


def test_payment_link_carries_the_letter_id() -> None:
    assert payment_link("https://pay.acme.example/checkout", "L1") == (
        "https://pay.acme.example/checkout?letter=L1"
    )
    assert payment_link("https://pay.acme.example/p?src=mail", "L1") == (
        "https://pay.acme.example/p?src=mail&letter=L1"
    )


@pytest.mark.parametrize(
    "url", [None, "", "javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "//x.y"]
)
def test_payment_link_only_for_web_urls(url: str | None) -> None:
    assert payment_link(url, "L1") is None


# --- SEPA EPC QR (EPC069-12) --------------------------------------------------------------


def test_epc_payload_follows_epc069_12_version_002() -> None:
    payload = epc_payload(
        name="Acme Nederland B.V.",
        iban="NL91 ABNA 0417 1643 00",
        amount=Decimal("5010"),
        remittance="L20250304-0123456789abcdef",
        bic="abnanl2a",
    )
    assert payload == "\n".join(
        [
            "BCD",
            "002",
            "1",
            "SCT",
            "ABNANL2A",
            "Acme Nederland B.V.",
            "NL91ABNA0417164300",
            "EUR5010.00",
            "",
            "",
            "L20250304-0123456789abcdef",
        ]
    )


def test_epc_payload_bic_is_optional_and_line_breaks_cannot_shift_fields() -> None:
    payload = epc_payload(
        name="Evil\nNL00BOGUS\r\nCorp", iban="NL91ABNA0417164300",
        amount=Decimal("1.5"), remittance="L1\nEUR999",
    )  # fmt: skip
    assert payload is not None
    lines = payload.split("\n")
    assert len(lines) == 11
    assert lines[4] == "" and lines[5] == "Evil NL00BOGUS Corp" and lines[7] == "EUR1.50"
    assert lines[10] == "L1 EUR999"


def test_an_rf_reference_goes_in_the_structured_field_and_the_free_text_stays_empty() -> None:
    payload = epc_payload(
        name="Acme Nederland B.V.",
        iban="NL91ABNA0417164300",
        amount=Decimal("5010"),
        remittance="L20250304-0123456789abcdef",
        reference="RF18539007547034",
    )
    assert payload is not None
    assert payload.split("\n")[8:] == ["", "RF18539007547034"]  # purpose, then the reference


def test_the_letters_qr_code_carries_its_payment_reference() -> None:
    view = build_view(two_invoice_letter(), customer(), subsidiary(), "nl", TODAY)
    assert view.epc_payload is not None
    assert view.epc_payload.split("\n")[9] == view.payment_reference.replace(" ", "")
    assert view.payment_reference.startswith("RF")


@pytest.mark.parametrize(
    ("iban", "amount"),
    [
        ("NL91ABNA0417164301", Decimal("10")),  # bad check digits
        ("not an iban", Decimal("10")),
        ("NL91ABNA0417164300", Decimal("0")),  # EPC amounts are 0.01 .. 999,999,999.99
        ("NL91ABNA0417164300", Decimal("1000000000")),
    ],
)
def test_no_epc_payload_when_it_would_be_invalid(iban: str, amount: Decimal) -> None:
    assert epc_payload(name="Acme", iban=iban, amount=amount, remittance="L1") is None


def test_epc_name_is_cut_to_70_characters() -> None:
    payload = epc_payload(
        name="A" * 100, iban="NL91ABNA0417164300", amount=Decimal(1), remittance="L1"
    )
    assert payload is not None and payload.split("\n")[5] == "A" * 70


def test_qr_code_only_for_eur_letters_with_an_iban() -> None:
    eur = build_view(two_invoice_letter(), customer(), subsidiary(), "nl", TODAY)
    assert eur.epc_payload is not None and eur.epc_payload.split("\n")[7] == "EUR5010.00"
    assert eur.epc_qr is not None and eur.epc_qr.startswith("data:image/png;base64,")
    no_iban = build_view(two_invoice_letter(), customer(), subsidiary(iban=None), "nl", TODAY)
    assert no_iban.epc_qr is None
    assert (
        build_view(two_invoice_letter(currency="CHF"), customer(), subsidiary(), "de", TODAY).epc_qr
        is None
    )


def test_the_qr_image_holds_exactly_the_epc_payload() -> None:
    view = build_view(full_letter(), customer(), subsidiary(), "en", TODAY)
    assert view.epc_qr is not None and view.epc_payload is not None
    image = Image.open(io.BytesIO(base64.b64decode(view.epc_qr.split(",", 1)[1])))
    expected = segno.make_qr(view.epc_payload.encode(), error="m", boost_error=False)
    modules = len(expected.matrix)
    assert image.size == ((modules + 8) * 4,) * 2  # 4 px per module, a 4-module quiet zone
    pixels = image.convert("L")
    read = [
        [pixels.getpixel(((4 + col) * 4 + 2, (4 + row) * 4 + 2)) < 128 for col in range(modules)]
        for row in range(modules)
    ]
    assert read == [[bool(m) for m in row] for row in expected.matrix]
    assert expected.error == "M"


def test_qr_amount_is_the_total_to_pay_including_fee_and_interest() -> None:
    view = build_view(full_letter(), customer(), subsidiary(), "en", TODAY)
    assert view.epc_payload is not None
    assert view.epc_payload.split("\n")[7] == "EUR5024.86"
    assert view.epc_payload.split("\n")[9] == "RF38202503043VIYRL200XGK0"


def test_iban_normalisation() -> None:
    assert normalise_iban(" de89 3704 0044 0532 0130 00 ") == "DE89370400440532013000"
    assert normalise_iban("DE89370400440532013001") is None
    assert normalise_iban(None) is None


def test_build_view_is_deterministic() -> None:
    args = (full_letter(), customer(), subsidiary(), "fr", date(2025, 3, 4))
    assert build_view(*args) == build_view(*args)
