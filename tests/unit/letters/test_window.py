"""The printed letter fits its window envelope (SPEC 2.8), measured on the rendered PDF.

Page 1 is read back with `pdftotext -bbox` (poppler): every word with its box, in
points from the top-left corner. The recipient's name and address must lie inside
the envelope's window, the return line in the window's top strip, for every letter
language and both papers; the letterhead stays above its rule however long the
sender's lines are.

Marked integration: WeasyPrint needs pango and fonts, poppler reads the result.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest
from letter_samples import TEMPLATES, TODAY, customer, full_letter, subsidiary

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.adapters.weasyprint_pdf import WeasyPrintPdf
from dunning.domain.configuration.config import Paper
from dunning.domain.letters.view import build_view
from dunning.domain.postal import PostalAddress

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils"),
]

MM = 72 / 25.4  # points
INCH = 72.0
LANGUAGES = ("en", "de", "fr", "nl")


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def holds(self, other: Box) -> bool:
        return (
            self.left <= other.left
            and other.right <= self.right
            and self.top <= other.top
            and other.bottom <= self.bottom
        )


@dataclass(frozen=True)
class Window:
    """Where the envelope shows the page: the whole window, and its return strip."""

    window: Box
    return_strip: Box
    rule: float  # the letterhead's rule, from the top


# DIN 5008 form B: the field 20 mm from the left, 45 mm from the top, 85 x 45 mm, its
# top 5 mm the return line. The DL window over it is 90 mm wide; the field is the test.
A4 = Window(
    window=Box(20 * MM, 45 * MM, 105 * MM, 90 * MM),
    return_strip=Box(20 * MM, 45 * MM, 105 * MM, 50 * MM),
    rule=40 * MM,
)
# #10 window (4 1/2 x 1 1/8 in, 7/8 in from the left, 1/2 in from the bottom) over a
# sheet folded in thirds at the envelope's bottom, with an inch of play sideways.
LETTER = Window(
    window=Box(0.875 * INCH, (2 + 1 / 24) * INCH, 4.375 * INCH, (3 + 1 / 6) * INCH),
    return_strip=Box(0.875 * INCH, (2 + 1 / 24) * INCH, 4.375 * INCH, 2.3 * INCH),
    rule=1.8125 * INCH,
)
WINDOWS = {Paper.A4: A4, Paper.LETTER: LETTER}

_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def page_one_words(pdf: bytes) -> list[tuple[str, Box]]:
    out = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [
        (text, Box(float(a), float(b), float(c), float(d)))
        for a, b, c, d, text in _WORD.findall(out)
    ]


@pytest.fixture(scope="module")
def pdf() -> WeasyPrintPdf:
    return WeasyPrintPdf(TEMPLATES)


def render(renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, language: str, **kw: object):
    paper = kw.pop("paper", Paper.A4)
    who = customer(**kw)
    view = build_view(full_letter(), who, subsidiary(paper=paper), language, TODAY)
    return view, page_one_words(pdf.render(renderer.render(view).print_html))


def in_band(words: list[tuple[str, Box]], window: Window) -> list[tuple[str, Box]]:
    """The words at the window's height, left of the page's middle: the address field's."""
    top, bottom = window.rule, window.window.bottom + 3 * MM
    return [(t, b) for t, b in words if b.top < bottom and b.bottom > top and b.left < 115 * MM]


@pytest.mark.parametrize("paper", list(Paper))
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_recipient_is_in_the_window_and_the_return_line_in_its_top_strip(
    renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, language: str, paper: Paper
):
    view, words = render(renderer, pdf, language, paper=paper)
    window = WINDOWS[paper]
    field = in_band(words, window)
    returns = [(t, b) for t, b in field if window.return_strip.holds(b)]
    recipient = [(t, b) for t, b in field if (t, b) not in returns]
    assert " ".join(t for t, _ in returns).startswith(view.company.name)
    expected = [view.customer.name, *view.customer.address_lines]
    assert " ".join(t for t, _ in recipient) == " ".join(expected)
    outside = [t for t, b in recipient if not window.window.holds(b)]
    assert not outside, f"outside the {paper} window: {outside}"


@pytest.mark.parametrize("paper", list(Paper))
def test_a_long_address_stays_in_the_window_cut_rather_than_wrapped(
    renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, paper: Paper
):
    sixty = "Industrieweg 12 Bedrijventerrein De Hoge Akkers Hal 4 Unit 7"  # the import's cap
    address = PostalAddress(
        sixty, "t.a.v. de crediteurenadministratie", "Postbus 1234", "1012 JS", "Amsterdam",
        country="BE",
    )  # fmt: skip
    view, words = render(renderer, pdf, "nl", paper=paper, address=address)
    window = WINDOWS[paper]
    field = [(t, b) for t, b in in_band(words, window) if not window.return_strip.holds(b)]
    assert len(view.customer.address_lines) == 5
    assert field and all(window.window.holds(b) for _, b in field), field
    assert "BELGIË" in {t for t, _ in field}


@pytest.mark.parametrize("paper", list(Paper))
def test_the_letterhead_stays_above_its_rule_with_long_sender_lines(
    renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, paper: Paper
):
    company = subsidiary(
        paper=paper,
        name="Acme Nederland Holding en Beheer B.V.",
        reply_to="debiteurenbeheer.en.incasso.afdeling-noord@acme-nederland-holding.example",
        address_lines=(
            "Keizersgracht 1, Grachtengordel-West, tweede verdieping, achterhuis",
            "1015 CJ Amsterdam",
            "Nederland",
        ),
    )
    view = build_view(full_letter(), customer(), company, "nl", TODAY)
    words = page_one_words(pdf.render(renderer.render(view).print_html))
    window = WINDOWS[paper]
    head = [(t, b) for t, b in words if b.top < window.window.top]
    above = [t for t, b in head if b.bottom <= window.rule]
    assert "debiteurenbeheer" in " ".join(above)  # the long address is shown, wrapped
    across = [t for t, b in head if b.bottom > window.rule]
    assert not across, f"below or across the rule: {across}"
