"""A letter's bounds: at most MAX_LISTED_ITEMS items and MAX_LISTED_CREDITS credits
listed (the oldest), the rest counted in a sentence of the letter's language, totals
over everything; texts clipped as the import clips its cells."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from letter_samples import TEMPLATES, TODAY, customer, full_letter, subsidiary

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.domain.letters.view import (
    MAX_ADDRESS_LINES,
    MAX_LISTED_CREDITS,
    MAX_LISTED_ITEMS,
    MAX_TEXT_CHARS,
    build_view,
)
from dunning.domain.model import Letter, LetterCredit
from dunning.domain.postal import PostalAddress

pytestmark = pytest.mark.unit

MORE_ITEMS = {
    "en": "Further invoices not listed here: 3. The totals include them.",
    "de": "Weitere, hier nicht aufgeführte Rechnungen: 3. Sie sind in den Summen enthalten.",
    "fr": "Autres factures non détaillées ici : 3. Elles sont comprises dans les totaux.",
    "nl": "Overige, hier niet vermelde facturen: 3. Ze zijn in de totalen inbegrepen.",
}
MORE_CREDITS = {
    "en": "Further credits not listed here: 2. The totals include them.",
    "de": "Weitere, hier nicht aufgeführte Gutschriften: 2. Sie sind in den Summen enthalten.",
    "fr": "Autres avoirs non détaillés ici : 2. Ils sont compris dans les totaux.",
    "nl": "Overige, hier niet vermelde tegoeden: 2. Ze zijn in de totalen inbegrepen.",
}


def long_letter(items: int, credits: int = 2) -> Letter:
    """`items` items, the newest first, so that the oldest are not simply the first."""
    base = full_letter(lines=items)
    dated = tuple(
        replace(i, number=f"N{n:04d}", due_date=TODAY - timedelta(days=n + 1))
        for n, i in enumerate(base.items)
    )
    many = tuple(
        LetterCredit(f"CM-{n}", TODAY - timedelta(days=n), Decimal("1.00")) for n in range(credits)
    )
    return replace(base, items=dated, credits=many)


@pytest.fixture(scope="module")
def renderer() -> JinjaLetterRenderer:
    return JinjaLetterRenderer([TEMPLATES])


def test_a_letter_at_the_cap_lists_every_item_and_says_nothing_more():
    view = build_view(long_letter(MAX_LISTED_ITEMS), customer(), subsidiary(), "en", TODAY)
    assert len(view.items) == MAX_LISTED_ITEMS and view.unlisted_items == 0


def test_beyond_the_cap_the_oldest_items_are_listed_and_the_totals_cover_all():
    letter = long_letter(MAX_LISTED_ITEMS + 3)
    view = build_view(letter, customer(), subsidiary(), "en", TODAY)
    assert view.unlisted_items == 3
    listed = [i.number for i in view.items]
    oldest = sorted(letter.items, key=lambda i: i.due_date)[:MAX_LISTED_ITEMS]
    assert sorted(listed) == sorted(i.number for i in oldest)
    assert listed == [i.number for i in letter.items if i.number in set(listed)]  # letter order
    assert view.totals.items == "€" + f"{letter.total_items:,.2f}"


def test_credits_beyond_their_cap_are_counted():
    letter = long_letter(2, credits=MAX_LISTED_CREDITS + 2)
    view = build_view(letter, customer(), subsidiary(), "en", TODAY)
    assert len(view.credits) == MAX_LISTED_CREDITS and view.unlisted_credits == 2
    assert view.totals.credits == "-€" + f"{letter.total_credits:,.2f}"


@pytest.mark.parametrize("language", sorted(MORE_ITEMS))
def test_every_part_says_how_many_more_in_the_letters_language(
    renderer: JinjaLetterRenderer, language: str
):
    letter = long_letter(MAX_LISTED_ITEMS + 3, credits=MAX_LISTED_CREDITS + 2)
    view = build_view(letter, customer(language=language), subsidiary(), language, TODAY)
    out = renderer.render(view)
    for part in (out.text, out.html, out.print_html):
        assert MORE_ITEMS[language] in part
        assert MORE_CREDITS[language] in part
    assert out.text.count("N0") == MAX_LISTED_ITEMS


def test_a_letter_under_the_caps_says_nothing_about_more(renderer: JinjaLetterRenderer):
    out = renderer.render(build_view(long_letter(3), customer(), subsidiary(), "en", TODAY))
    assert "not listed here" not in out.text + out.html + out.print_html


def test_texts_are_clipped_to_the_import_bound_and_addresses_to_six_lines():
    huge = "x" * (MAX_TEXT_CHARS * 10)
    letter = long_letter(1)
    letter = replace(letter, items=(replace(letter.items[0], number=huge),))
    address = PostalAddress(huge, huge, huge, huge, huge, huge, "DE")
    who = customer(name=huge, address=address)
    view = build_view(letter, who, subsidiary(name=huge), "en", TODAY)
    assert len(view.items[0].number) == MAX_TEXT_CHARS and view.items[0].number.endswith("…")
    assert len(view.customer.name) == len(view.company.name) == MAX_TEXT_CHARS
    assert len(view.customer.address_lines) <= MAX_ADDRESS_LINES
    assert {len(line) for line in view.customer.address_lines[:3]} == {MAX_TEXT_CHARS}
