"""SPEC 2.9: every shipped text template, in every language, says the amount due, the
date and the payment link, and stays within the segment bound even for the longest
names, amounts and links the configuration lets through; a text over the bound is
refused, never cut."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from letter_samples import TEMPLATES, TODAY, customer, full_letter, subsidiary, two_invoice_letter

from dunning.adapters.jinja_renderer import LetterTemplateError
from dunning.adapters.sms_renderer import JinjaSmsRenderer
from dunning.domain.configuration.config import Config
from dunning.domain.model import LetterItem
from dunning.domain.sms import MAX_LINK_CHARS, MAX_SEGMENTS, SmsTooLong, link_length, segments

pytestmark = pytest.mark.unit

LEVELS = ("upcoming", "friendly", "firm", "final")
LANGUAGES = ("en", "de", "fr", "nl")


def config(**sub: object) -> Config:
    return Config(subsidiaries=(subsidiary(**sub),), procedures=(), assignment_rules=())


@pytest.fixture(scope="module")
def texts() -> JinjaSmsRenderer:
    return JinjaSmsRenderer([TEMPLATES])


def test_each_level_the_letters_have_has_a_text_in_each_language(texts: JinjaSmsRenderer):
    # `thanks` is the thank-you email (SPEC 2.9), not a level: it has no text.
    letters = {p.name for p in (TEMPLATES / "letters").iterdir() if p.is_dir()} - {"thanks"}
    assert set(LEVELS) <= letters
    for level in letters:
        assert texts.available_languages(level) == set(LANGUAGES), level


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_text_says_the_amount_the_date_and_the_link(
    texts: JinjaSmsRenderer, level: str, language: str
):
    letter = two_invoice_letter(template=level)
    sms = texts.render_sms(letter, customer(language=language), config(), language, TODAY)
    assert sms.language == language
    amount = {"en": "€5,010.00", "de": "5.010,00 €", "fr": "5 010,00 €", "nl": "€ 5.010,00"}
    assert amount[language] in sms.text
    assert "https://pay.acme.example/checkout?ref=RF" in sms.text
    dates = {  # upcoming: the earliest due date; the others: pay by (10 days on)
        "en": ("Dec 4, 2024", "Mar 14, 2025"),
        "de": ("04.12.2024", "14.03.2025"),
        "fr": ("4 déc. 2024", "14 mars 2025"),
        "nl": ("4 dec 2024", "14 mrt 2025"),
    }
    due, pay_by = dates[language]
    assert (due if level == "upcoming" else pay_by) in sms.text
    found = segments(sms.text)
    assert found.encoding == "gsm7", sms.text  # no character forces UCS-2
    assert sms.segments == found.count <= 2
    assert "\n" not in sms.text and "  " not in sms.text


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_longest_names_amounts_and_links_still_fit_the_bound(
    texts: JinjaSmsRenderer, level: str, language: str
):
    # a payment page as long as the configuration check allows with the reference
    url = "https://pay.acme.example/"
    url += "p" * (MAX_LINK_CHARS - link_length(url))
    assert link_length(url) == MAX_LINK_CHARS
    item = LetterItem(
        "I-1", "N-1", TODAY, TODAY, Decimal("999999999.99"), Decimal("999999999.99"), 1
    )
    letter = replace(full_letter(level), items=(item,), fees=Decimal("99999.99"))
    sub = {"name": "Łódź Świętokrzyska Spółka " * 10, "payment_url": url}  # GSM lacks ł ó ź ś
    sms = texts.render_sms(letter, customer(language=language), config(**sub), language, TODAY)
    assert sms.segments <= MAX_SEGMENTS
    assert url in sms.text


def test_the_letters_language_falls_back_as_letters_do(texts: JinjaSmsRenderer):
    letter = two_invoice_letter()
    sms = texts.render_sms(letter, customer(language="pl"), config(), "pl", TODAY)
    assert sms.language == "nl"  # the subsidiary's locale


def test_without_a_payment_page_the_text_quotes_the_reference(texts: JinjaSmsRenderer):
    letter = two_invoice_letter()
    sms = texts.render_sms(letter, customer(), config(payment_url=None), "en", TODAY)
    assert "ref. RF" in sms.text and "http" not in sms.text


def write(folder: Path, body: str) -> Path:
    (folder / "sms" / "friendly").mkdir(parents=True)
    (folder / "sms" / "friendly" / "en.j2").write_text(body, encoding="utf-8")
    return folder


def test_an_override_over_the_bound_is_refused_not_cut(tmp_path: Path):
    long = write(tmp_path, "{{ v.company }}: " + "please pay " * 50)
    texts = JinjaSmsRenderer([long, TEMPLATES])
    with pytest.raises(SmsTooLong, match="at most 3"):
        texts.render_sms(two_invoice_letter(), customer(), config(), "en", TODAY)


def test_an_override_runs_in_the_sandbox(tmp_path: Path):
    evil = write(tmp_path, "{{ v.__class__.__init__.__globals__ }}")
    texts = JinjaSmsRenderer([evil, TEMPLATES])
    with pytest.raises(LetterTemplateError):
        texts.render_sms(two_invoice_letter(), customer(), config(), "en", TODAY)


def test_a_senders_accents_that_gsm_lacks_are_dropped_not_sent_as_ucs2(
    texts: JinjaSmsRenderer,
):
    letter = two_invoice_letter()
    sub = config(name="Łódź Spółka z o.o.")
    sms = texts.render_sms(letter, customer(), sub, "en", TODAY)
    assert sms.text.startswith("Lodz Spolka z o.o.: ") and segments(sms.text).encoding == "gsm7"
    greek = texts.render_sms(letter, customer(), config(name="Ωμέγα ΑΕ"), "en", TODAY)
    assert segments(greek.text).encoding == "ucs2"  # no Latin form: sent as it is


@pytest.mark.parametrize("month", range(1, 13))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_months_dates_stay_gsm(texts: JinjaSmsRenderer, month: int, language: str):
    # French "août" has a û, which GSM lacks: the date is written "aout"
    day = date(2026, month, 15)
    item = LetterItem("I-1", "N-1", day, day, Decimal("10.00"), Decimal("10.00"), 1)
    letter = replace(two_invoice_letter(template="upcoming"), items=(item,))
    sms = texts.render_sms(letter, customer(), config(), language, day)
    assert segments(sms.text).encoding == "gsm7", sms.text
