"""Jinja rendering: golden texts per language, fallback, overrides and hostile inputs.

Golden files live in golden/; after a deliberate wording change, regenerate them with
UPDATE_GOLDEN=1 and review the diff like any other change.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from letter_samples import TEMPLATES, TODAY, customer, full_letter, subsidiary, two_invoice_letter
from markupsafe import escape

from dunning.adapters.jinja_renderer import (
    MAX_OUTPUT_CHARS,
    JinjaLetterRenderer,
    LetterTemplateError,
    RenderedLetter,
    one_line,
)
from dunning.domain.letters.view import build_view, choose_language
from dunning.domain.model import Letter
from dunning.domain.postal import PostalAddress

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).parent / "golden"
NBSP = "\xa0"
LEVELS = ("upcoming", "friendly", "firm", "final")
LANGUAGES = ("de", "en", "fr", "nl")


def render(
    renderer: JinjaLetterRenderer, letter: Letter, lang: str, **customer_fields: object
) -> RenderedLetter:
    view = build_view(letter, customer(**customer_fields), subsidiary(), lang, TODAY)
    return renderer.render(view)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


# --- Golden texts ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_invoice_eur_letter_golden(renderer: JinjaLetterRenderer, language: str) -> None:
    out = render(renderer, two_invoice_letter(), language)
    check_golden(f"friendly-eur-{language}.txt", f"Subject: {out.subject}\n\n{out.text}")


def test_usd_letter_golden(renderer: JinjaLetterRenderer) -> None:
    letter = two_invoice_letter(currency="USD", template="firm", fees=Decimal("25.00"))
    out = render(renderer, letter, "en")
    check_golden("firm-usd-en.txt", f"Subject: {out.subject}\n\n{out.text}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_full_final_letter_golden(renderer: JinjaLetterRenderer, language: str) -> None:
    out = render(renderer, full_letter(), language)
    check_golden(f"final-eur-{language}.txt", f"Subject: {out.subject}\n\n{out.text}")


# --- First letters (SPEC 2.8) ---------------------------------------------------------

# Words that tell of an earlier reminder, per language: a first letter has none of them.
EARLIER_REMINDER = {
    "en": re.compile(r"earlier|previous|several times|second|again|final request", re.I),
    "de": re.compile(r"trotz|erneut|mehrfach|letztmalig|bereits erinnert", re.I),
    "fr": re.compile(r"précédent|successives|deuxième|nouveau rappel|relances", re.I),
    "nl": re.compile(r"eerdere|herhaalde|tweede|opnieuw", re.I),
}


def wording(out: RenderedLetter) -> str:
    """The subject and the prose of the text part: what a level's tone decides."""
    prose = [
        line
        for line in out.text.splitlines()
        if line and not line.startswith(" ") and (len(line) > 40 or line.endswith(","))
    ]
    return "\n".join([f"Subject: {out.subject}", out.text.splitlines()[0], *prose]) + "\n"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("level", LEVELS)
def test_a_first_letter_never_speaks_of_an_earlier_reminder(
    renderer: JinjaLetterRenderer, level: str, language: str
) -> None:
    letter = two_invoice_letter(template=level, previous_date=None, previous_level=None)
    out = render(renderer, letter, language)
    for part in (out.subject, out.text, out.html, out.print_html):
        assert not EARLIER_REMINDER[language].search(part), (level, language)
    check_golden(f"openings/{level}-{language}-first.txt", wording(out))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("level", LEVELS)
def test_a_letter_after_an_earlier_one_keeps_its_wording(
    renderer: JinjaLetterRenderer, level: str, language: str
) -> None:
    out = render(renderer, two_invoice_letter(template=level), language)
    check_golden(f"openings/{level}-{language}-later.txt", wording(out))


@pytest.mark.parametrize(
    ("language", "amount", "due"),
    [
        ("nl", f"€{NBSP}5.010,00", "14 maart 2025"),
        ("de", f"5.010,00{NBSP}€", "14. März 2025"),
        ("fr", f"5\u202f010,00{NBSP}€", "14 mars 2025"),
        ("en", "€5,010.00", "March 14, 2025"),
    ],
)
def test_total_and_date_appear_in_every_part(
    renderer: JinjaLetterRenderer, language: str, amount: str, due: str
) -> None:
    out = render(renderer, two_invoice_letter(), language)
    for part in (out.text, out.html, out.print_html):
        assert amount in part
        assert due in part
        assert "INV-2025-0042" in part
        assert "L20250304-0123456789abcdef" in part


def test_usd_letter_has_dollars_and_no_qr(renderer: JinjaLetterRenderer) -> None:
    out = render(renderer, two_invoice_letter(currency="USD"), "en")
    assert "$5,010.00" in out.text and "$5,010.00" in out.print_html
    assert "€" not in out.text
    assert "data:image/png" not in out.print_html


def test_print_letter_has_every_section(renderer: JinjaLetterRenderer) -> None:
    page = render(renderer, full_letter(), "en").print_html
    for expected in (
        "Acme Nederland B.V.",  # letterhead
        "Hauptstraße 5",  # address block
        "March 4, 2025",  # date
        "Credit note CM-778",
        "-€420.50",
        "€40.00",  # fee
        "€55.36",  # interest
        "€5,024.86",  # total
        "Instalment 3",
        "https://pay.acme.example/checkout?letter=L20250304-fedcba9876543210",
        'src="data:image/png;base64,',  # EPC QR
    ):
        assert expected in page


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_level_renders_in_every_language(
    renderer: JinjaLetterRenderer, level: str, language: str
) -> None:
    view = build_view(full_letter(template=level), customer(), subsidiary(), language, TODAY)
    out = renderer.render(view)
    assert out.subject and "\n" not in out.subject
    for page in (out.html, out.print_html):
        assert f'<html lang="{language}">' in page
    for part in (out.text, out.html, out.print_html):
        assert view.totals.total in part
        assert view.pay_by in part or level == "upcoming"


def test_tone_escalates_across_levels(renderer: JinjaLetterRenderer) -> None:
    subjects = [render(renderer, full_letter(template=lv), "en").subject for lv in LEVELS]
    assert subjects[0].startswith("Invoices due soon")
    assert subjects[1].startswith("Payment reminder")
    assert subjects[2].startswith("Second reminder")
    assert subjects[3].startswith("Final notice")
    final = render(renderer, full_letter(template="final"), "de").text
    assert "Inkassounternehmen" in final


# --- Languages and overrides ---------------------------------------------------------------


def test_available_languages(renderer: JinjaLetterRenderer) -> None:
    for level in LEVELS:
        assert renderer.available_languages(level) == frozenset(LANGUAGES)
    assert renderer.available_languages("no_such_level") == frozenset()


def test_fallback_to_english_renders(renderer: JinjaLetterRenderer) -> None:
    language = choose_language("es", "pt", renderer.available_languages("friendly"))
    out = render(renderer, two_invoice_letter(), language, language="es")
    assert language == "en" and out.subject.startswith("Payment reminder")


def test_first_template_dir_overrides_the_next(tmp_path: Path) -> None:
    (tmp_path / "letters" / "friendly").mkdir(parents=True)
    (tmp_path / "letters" / "friendly" / "en.j2").write_text(
        "{% extends layout %}{% block title %}Hello{% endblock %}"
        "{% block subject %}Custom {{ v.reference }}{% endblock %}"
        "{% block intro %}Our own words.{% endblock %}{% block request %}Pay.{% endblock %}"
        "{% block closing %}Bye.{% endblock %}"
    )
    (tmp_path / "letters" / "legal").mkdir()
    (tmp_path / "letters" / "legal" / "de.j2").write_text("{% extends layout %}")
    renderer = JinjaLetterRenderer([tmp_path, TEMPLATES])
    out = render(renderer, two_invoice_letter(), "en")
    assert out.subject == "Custom L20250304-0123456789abcdef"
    assert "Our own words." in out.text and "Our own words." in out.print_html
    assert "Zahlungserinnerung" in render(renderer, two_invoice_letter(), "de").subject
    assert renderer.available_languages("legal") == frozenset({"de"})


def test_missing_template_is_a_clear_error(renderer: JinjaLetterRenderer) -> None:
    view = build_view(two_invoice_letter(template="legal"), customer(), subsidiary(), "en", TODAY)
    with pytest.raises(LetterTemplateError, match=r"letters/legal/en\.j2"):
        renderer.render(view)


@pytest.mark.parametrize("name", ["../etc", "a/b", "", "x" * 80, "Friendly!"])
def test_template_and_language_names_are_checked(renderer: JinjaLetterRenderer, name: str) -> None:
    view = build_view(two_invoice_letter(template=name), customer(), subsidiary(), "en", TODAY)
    with pytest.raises(LetterTemplateError, match="invalid template name"):
        renderer.render(view)
    with pytest.raises(LetterTemplateError):
        renderer.available_languages(name)


# --- Hostile data and templates ------------------------------------------------------------

INJECTIONS = [
    "{{ 7*7 }}",
    "{% for x in range(3) %}X{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{# comment #}",
]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_template_syntax_in_customer_data_is_literal_text(
    renderer: JinjaLetterRenderer, payload: str
) -> None:
    out = render(
        renderer,
        two_invoice_letter(),
        "en",
        name=payload,
        address=PostalAddress(payload, city=payload),
    )
    assert f"Dear {payload}," in out.text
    assert str(escape(payload)) in out.print_html
    assert str(escape(payload)) in out.html
    assert "49" not in out.text.replace("0917", "")  # 7*7 was never evaluated


def test_markup_and_quotes_in_names_are_escaped(renderer: JinjaLetterRenderer) -> None:
    name = "<script>alert('x')</script> \"Bobby\" & Sons <img src=x onerror=alert(1)>"
    out = render(renderer, two_invoice_letter(), "en", name=name, customer_id='C"1<')
    for page in (out.html, out.print_html):
        assert "<script>" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &#34;Bobby&#34; &amp; Sons" in page
        assert "C&#34;1&lt;" in page
    assert name in out.text  # the text part is not HTML: no entities there


def test_company_name_with_markup_is_escaped_in_subject_free_html(
    renderer: JinjaLetterRenderer,
) -> None:
    view = build_view(
        two_invoice_letter(), customer(), subsidiary(name="Acme <b>&</b>"), "en", TODAY
    )
    out = renderer.render(view)
    assert "Acme &lt;b&gt;&amp;&lt;/b&gt;" in out.print_html
    assert out.subject.startswith("Payment reminder – Acme <b>&</b> (ref.")


def test_hostile_payment_url_never_becomes_a_link(renderer: JinjaLetterRenderer) -> None:
    view = build_view(
        two_invoice_letter(), customer(), subsidiary(payment_url="javascript:alert(1)"), "en",
        TODAY,
    )  # fmt: skip
    out = renderer.render(view)
    assert "javascript:" not in out.html and "javascript:" not in out.print_html


@pytest.mark.parametrize("bad", ["Globex\r\nBcc: victim@example.com", "A\nB", "A\rB", "A\u2028B"])
def test_subject_never_contains_a_line_break(renderer: JinjaLetterRenderer, bad: str) -> None:
    view = build_view(two_invoice_letter(), customer(), subsidiary(name=bad), "en", TODAY)
    subject = renderer.render(view).subject
    assert not re.search(r"[\r\n\u2028\u2029\x00-\x1f]", subject)
    assert "Bcc: victim" not in subject.split("–")[0]


def test_one_line_folds_and_bounds() -> None:
    assert one_line(" a\r\n b\tc\x00d ") == "a b c d"
    assert len(one_line("x" * 500)) == 200


def test_sandbox_blocks_unsafe_attribute_access(tmp_path: Path) -> None:
    level = tmp_path / "letters" / "friendly"
    level.mkdir(parents=True)
    (level / "en.j2").write_text(
        "{% extends layout %}{% block subject %}{{ v.__class__.__mro__ }}{% endblock %}"
    )
    renderer = JinjaLetterRenderer([tmp_path, TEMPLATES])
    with pytest.raises(LetterTemplateError):
        render(renderer, two_invoice_letter(), "en")


@pytest.mark.parametrize(
    "body",
    [
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",  # big repetition
        "{% for i in range(99999) %}{% for j in range(99999) %}xxxxxxxxxx{% endfor %}{% endfor %}",
        "{{ 10 ** 100000000 }}",
    ],
)
def test_runaway_output_is_stopped(tmp_path: Path, body: str) -> None:
    level = tmp_path / "letters" / "friendly"
    level.mkdir(parents=True)
    (level / "en.j2").write_text("{% extends layout %}{% block intro %}" + body + "{% endblock %}")
    renderer = JinjaLetterRenderer([tmp_path, TEMPLATES])
    with pytest.raises(LetterTemplateError):
        render(renderer, two_invoice_letter(), "en")


def test_output_bound_is_about_two_megabytes() -> None:
    assert 1_000_000 < MAX_OUTPUT_CHARS <= 2_100_000


def test_undefined_variables_fail_loudly(tmp_path: Path) -> None:
    level = tmp_path / "letters" / "friendly"
    level.mkdir(parents=True)
    (level / "en.j2").write_text(
        "{% extends layout %}{% block subject %}{{ v.no_such_field }}{% endblock %}"
    )
    with pytest.raises(LetterTemplateError, match="no_such_field"):
        render(JinjaLetterRenderer([tmp_path, TEMPLATES]), two_invoice_letter(), "en")


def test_templates_directory_is_complete() -> None:
    for level in LEVELS:
        for language in LANGUAGES:
            assert (TEMPLATES / "letters" / level / f"{language}.j2").is_file()
    assert (TEMPLATES / "print.css").is_file()


# --- Line breaks before block-level tags are dropped when an .html layout is compiled ----


def _layout_override(tmp_path: Path, letter_html: str) -> JinjaLetterRenderer:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "letter.html").write_text(letter_html)
    return JinjaLetterRenderer([tmp_path, TEMPLATES])


def test_line_breaks_before_block_tags_are_dropped_from_the_printed_letter(
    tmp_path: Path,
) -> None:
    renderer = _layout_override(
        tmp_path,
        "<body>\n  <div>\n    <p>{{ v.reference }}</p>\n    {% if true %}\n    <p>x</p>\n"
        "    {% endif %}\n  </div>\n</body>\n",
    )
    page = render(renderer, two_invoice_letter(), "en").print_html
    assert page == "<body><div><p>L20250304-0123456789abcdef</p><p>x</p></div></body>"


def test_spaces_between_inline_tags_and_text_stay(tmp_path: Path) -> None:
    renderer = _layout_override(
        tmp_path, "<p>\n  <b>{{ v.reference }}</b>\n  <i>b</i>\n  text\n</p>\n<pre>\n a\n</pre>"
    )
    page = render(renderer, two_invoice_letter(), "en").print_html
    assert page == (
        "<p><b>L20250304-0123456789abcdef</b>\n  <i>b</i>\n  text\n</p><pre>\n a\n</pre>"
    )


def test_text_layouts_keep_their_line_breaks(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "email.txt").write_text("<div>\n  {{ v.reference }}\n</div>\n")
    renderer = JinjaLetterRenderer([tmp_path, TEMPLATES])
    text = render(renderer, two_invoice_letter(), "en").text
    assert text == "<div>\n  L20250304-0123456789abcdef\n</div>\n"
