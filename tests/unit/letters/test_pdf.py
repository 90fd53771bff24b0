"""PDFs with WeasyPrint: real text in the file, and no resource fetched from outside.

Marked integration: WeasyPrint needs pango and the fonts from the Debian packages,
and pdftotext (poppler-utils) reads the result back.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from letter_samples import TEMPLATES, TODAY, customer, full_letter, subsidiary, two_invoice_letter
from weasyprint import HTML

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.adapters.weasyprint_pdf import MAX_PAGES, WeasyPrintPdf
from dunning.domain.letters.view import MAX_LISTED_ITEMS, build_view
from dunning.ports import LetterTooLong

pytestmark = pytest.mark.integration

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    # Thin and no-break spaces come back as they were; compare on plain spaces.
    return out.stdout.decode().replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture(scope="module")
def pdf() -> WeasyPrintPdf:
    return WeasyPrintPdf(TEMPLATES)


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 (shared on purpose: the test reads it)

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b'body::after { content: "LEAKED-HTTP"; }')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def http_server() -> Iterator[str]:
    _CountingHandler.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def assets(tmp_path: Path) -> Path:
    """An assets folder with one allowed stylesheet, a secret file outside and a symlink."""
    folder = tmp_path / "assets"
    folder.mkdir()
    shutil.copy(TEMPLATES / "print.css", folder / "print.css")
    (folder / "ok.css").write_text('h1::after { content: " ASSET-OK"; }')
    secret = tmp_path / "secret.css"
    secret.write_text('body::after { content: "LEAKED-FILE"; }')
    (folder / "link.css").symlink_to(secret)
    return folder


@needs_poppler
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Final notice", "Dear Globex Retail GmbH,", "€5,024.86", "March 14, 2025"]),
        ("de", ["Letzte Mahnung", "Sehr geehrte Damen und Herren,", "5.024,86 €", "14. März"]),
        ("fr", ["Dernier rappel", "Madame, Monsieur,", "5 024,86 €", "14 mars 2025"]),
        ("nl", ["Laatste aanmaning", "Geachte heer, mevrouw,", "€ 5.024,86", "14 maart 2025"]),
    ],
)
def test_pdf_contains_the_letter(pdf: WeasyPrintPdf, language: str, expected: list[str]) -> None:
    view = build_view(full_letter(), customer(), subsidiary(), language, TODAY)
    html = JinjaLetterRenderer([TEMPLATES]).render(view).print_html
    data = pdf.render(html)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for snippet in [*expected, "INV-2024-1003", "L20250304-fedcba9876543210", "Hauptstraße 5"]:
        assert snippet in text, snippet


@needs_poppler
def test_usd_letter_pdf(pdf: WeasyPrintPdf) -> None:
    view = build_view(two_invoice_letter(currency="USD"), customer(), subsidiary(), "en", TODAY)
    text = pdf_text(pdf.render(JinjaLetterRenderer([TEMPLATES]).render(view).print_html))
    assert "$5,010.00" in text and "€" not in text


@needs_poppler
def test_hostile_urls_in_html_are_not_fetched(assets: Path, http_server: str) -> None:
    secret = assets.parent / "secret.css"
    html = f"""<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="ok.css">
      <link rel="stylesheet" href="{secret.as_uri()}">
      <link rel="stylesheet" href="../secret.css">
      <link rel="stylesheet" href="link.css">
      <link rel="stylesheet" href="{http_server}/evil.css">
      <style>
        @import url("{secret.as_uri()}");
        @import url("{http_server}/import.css");
        body {{ background: url("{http_server}/bg.png"); }}
        @font-face {{ font-family: X; src: url("file:///etc/passwd"); }}
      </style></head>
      <body><h1>Title</h1>
      <img src="file:///etc/passwd"><img src="{http_server}/pixel.png">
      <object data="file:///etc/hostname"></object>
      <p>still rendered</p></body></html>"""
    renderer = WeasyPrintPdf(assets)
    data = renderer.render(html)
    text = pdf_text(data)
    assert data.startswith(b"%PDF") and "still rendered" in text
    assert "ASSET-OK" in text  # files inside the folder are served
    assert "LEAKED" not in text
    assert _CountingHandler.hits == []
    refused = " ".join(renderer.fetcher.refused)
    assert secret.as_uri() in refused and "link.css" in refused and http_server in refused


def test_hostile_urls_in_the_stylesheet_are_not_fetched(assets: Path, http_server: str) -> None:
    (assets / "print.css").write_text(
        f'@import url("{http_server}/a.css");\n@import url("file:///etc/passwd");\n'
        f'@font-face {{ font-family: Evil; src: url("{http_server}/f.woff"); }}\n'
        f'body {{ font-family: Evil; background: url("{http_server}/b.png"); }}\n'
    )
    renderer = WeasyPrintPdf(assets)
    assert renderer.render("<p>hello</p>").startswith(b"%PDF")
    assert _CountingHandler.hits == []


@needs_poppler
def test_hostile_template_and_customer_data_end_to_end(
    tmp_path: Path, assets: Path, http_server: str
) -> None:
    level = tmp_path / "tpl" / "letters" / "friendly"
    level.mkdir(parents=True)
    (level / "en.j2").write_text(
        "{% extends layout %}{% block title %}Reminder{% endblock %}"
        "{% block subject %}S{% endblock %}{% block request %}Pay.{% endblock %}"
        "{% block closing %}Bye.{% endblock %}"
        '{% block intro %}<img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{http_server}/t.css">Intro.{{% endblock %}}'
    )
    renderer = JinjaLetterRenderer([tmp_path / "tpl", TEMPLATES])
    name = f'<img src="{http_server}/name.png"> {{{{ 7*7 }}}}'
    view = build_view(two_invoice_letter(), customer(name=name), subsidiary(), "en", TODAY)
    text = pdf_text(WeasyPrintPdf(assets).render(renderer.render(view).print_html))
    assert "Intro." in text and "{{ 7*7 }}" in text and "LEAKED" not in text
    assert _CountingHandler.hits == []


def test_font_configuration_and_css_are_reused(pdf: WeasyPrintPdf) -> None:
    fonts, css = pdf._fonts, pdf._css
    pdf.render("<p>one</p>")
    pdf.render("<p>two</p>")
    assert pdf._fonts is fonts and pdf._css is css


# --- The lean user-agent stylesheet (no footnote or note rules) -----------------------------


def _letter_html(language: str = "de") -> str:
    view = build_view(full_letter(), customer(), subsidiary(), language, TODAY)
    return JinjaLetterRenderer([TEMPLATES]).render(view).print_html


def test_a_letter_is_laid_out_with_the_lean_ua_stylesheet_and_looks_the_same(
    pdf: WeasyPrintPdf, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = _letter_html()
    assert pdf._html_class(html) is not HTML  # the footnote rules are left out...
    lean = pdf.render(html)
    monkeypatch.setattr(pdf, "_lean_html", HTML)
    assert pdf._html_class(html) is HTML
    assert pdf.render(html) == lean  # ...and the PDF is the same, byte for byte


@needs_poppler
@pytest.mark.parametrize(
    "markup",
    [
        '<p>Total<span style="float: footnote">NOTE-TEXT</span> due.</p>',
        "<style>.n { float: footnote }</style><p>Total<span class=n>NOTE-TEXT</span></p>",
    ],
)
def test_a_document_with_a_footnote_keeps_the_full_ua_stylesheet(
    pdf: WeasyPrintPdf, markup: str
) -> None:
    assert pdf._html_class(markup) is HTML
    assert "NOTE-TEXT" in pdf_text(pdf.render(markup))


def test_a_linked_stylesheet_or_a_stylesheet_with_notes_keeps_the_full_ua_stylesheet(
    pdf: WeasyPrintPdf, assets: Path
) -> None:
    assert pdf._html_class('<link rel="stylesheet" href="x.css"><p>x</p>') is HTML
    (assets / "print.css").write_text(".n { float: footnote }")
    assert WeasyPrintPdf(assets)._html_class("<p>x</p>") is HTML


# --- Bounded length ----------------------------------------------------------------------


def test_a_pdf_longer_than_the_page_limit_fails_with_a_clear_error():
    html = "<html><body>" + "<p style='page-break-after: always'>x</p>" * 4 + "</body></html>"
    with pytest.raises(LetterTooLong, match="the letter has 4 pages, at most 3 allowed"):
        WeasyPrintPdf(TEMPLATES, max_pages=3).render_document(html)


def test_a_letter_with_far_more_items_than_listed_stays_within_the_page_limit(
    pdf: WeasyPrintPdf,
):
    letter = full_letter(lines=MAX_LISTED_ITEMS * 3)
    view = build_view(letter, customer(), subsidiary(), "en", TODAY)
    html = JinjaLetterRenderer([TEMPLATES]).render(view).print_html
    assert pdf.render_document(html).pages <= MAX_PAGES
