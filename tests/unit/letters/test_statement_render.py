"""The statement of account as a PDF in the letter's language, and the file names a
person reads on the attachments (SPEC 2.8)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from letter_samples import TEMPLATES, TODAY, customer, subsidiary, two_invoice_letter

from dunning.adapters.rendering import LetterRenderer
from dunning.adapters.weasyprint_pdf import WeasyPrintPdf
from dunning.domain.configuration.config import Config
from dunning.domain.letters.naming import document_file_name
from dunning.domain.letters.statement import build_statement
from dunning.domain.letters.statement_view import MAX_STATEMENT_ROWS, build_statement_view
from dunning.domain.model import Credit, Invoice

pytestmark = pytest.mark.unit
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
CONFIG = Config(subsidiaries=(subsidiary(),), procedures=())


def invoices(count: int) -> list[Invoice]:
    return [
        Invoice(f"I-{n}", "C-1001", f"INV-{n:04d}", TODAY - timedelta(days=40 + n),
                TODAY - timedelta(days=10 + n), "EUR", Decimal("100.00"), Decimal("100.00"))
        for n in range(count)
    ]  # fmt: skip


CREDIT = Credit("CM-7", "C-1001", "EUR", date(2025, 3, 1), Decimal("30.00"))


@pytest.mark.parametrize(
    ("language", "letter_name", "statement_name"),
    [
        ("en", "Reminder-2025-03-04-C-1001.pdf", "Statement-2025-03-04-C-1001.pdf"),
        ("de", "Mahnung-2025-03-04-C-1001.pdf", "Kontoauszug-2025-03-04-C-1001.pdf"),
        ("fr", "Rappel-2025-03-04-C-1001.pdf", "Releve-de-compte-2025-03-04-C-1001.pdf"),
        ("nl", "Herinnering-2025-03-04-C-1001.pdf", "Rekeningoverzicht-2025-03-04-C-1001.pdf"),
    ],
)
def test_attachments_are_named_for_a_person_in_the_letters_language(
    language: str, letter_name: str, statement_name: str
) -> None:
    renderer = LetterRenderer([TEMPLATES])
    letter = two_invoice_letter()
    chosen, rendered = renderer.render(letter, customer(language=language), CONFIG, TODAY)
    assert (chosen, rendered.pdf_name) == (language, letter_name)
    statement = build_statement("C-1001", "EUR", TODAY, invoices(2), [CREDIT])
    name, html = renderer.render_statement(
        statement, letter, customer(language=language), CONFIG, language, TODAY
    )
    assert name == statement_name
    assert "CM-7" in html and "INV-0001" in html


def test_a_file_name_keeps_only_safe_characters() -> None:
    assert document_file_name("Relevé", TODAY, "../C 1/\r\n") == "Releve-2025-03-04-C-1.pdf"


@needs_poppler
def test_the_statement_pdf_lists_rows_balance_and_aging_in_german() -> None:
    renderer = LetterRenderer([TEMPLATES])
    statement = build_statement("C-1001", "EUR", TODAY, invoices(3), [CREDIT])
    _, html = renderer.render_statement(
        statement, two_invoice_letter(), customer(language="de"), CONFIG, "de", TODAY
    )
    pdf = WeasyPrintPdf(TEMPLATES).render_document(html)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode()
    assert pdf.pages == 1
    for words in ("Kontoauszug", "Saldo", "INV-0002", "CM-7", "270,00", "1–30 Tage überfällig"):
        assert words in text, words


def test_a_long_account_lists_its_latest_rows_and_carries_the_balance_forward() -> None:
    statement = build_statement("C-1001", "EUR", TODAY, invoices(MAX_STATEMENT_ROWS + 5), [])
    view = build_statement_view(
        statement, two_invoice_letter(), customer(), subsidiary(), "en", TODAY
    )
    assert len(view.rows) == MAX_STATEMENT_ROWS
    assert view.brought_forward == "€500.00"  # the five oldest rows, not listed
    assert view.balance == f"€{(MAX_STATEMENT_ROWS + 5) * 100:,}.00"
