"""Template overrides reach the PDF: an override folder's stylesheet and assets win,
file by file, and nothing outside the folders is fetched. Also the page count the
print room's index lists.

Marked integration like test_pdf.py: WeasyPrint needs pango and fonts, pdftotext reads back.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from letter_samples import TEMPLATES

from dunning.adapters.weasyprint_pdf import PdfRenderError, WeasyPrintPdf

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils"),
]


def text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


@pytest.fixture()
def folders(tmp_path: Path) -> tuple[Path, Path]:
    packaged = tmp_path / "packaged"
    shutil.copytree(TEMPLATES, packaged)
    (packaged / "note.css").write_text('h1::after { content: " PACKAGED-NOTE"; }')
    (packaged / "shared.css").write_text('h2::after { content: " PACKAGED-SHARED"; }')
    override = tmp_path / "override"
    override.mkdir()
    (override / "print.css").write_text(
        (TEMPLATES / "print.css").read_text() + '\nbody::before { content: "OVERRIDE-CSS"; }\n'
    )
    (override / "note.css").write_text('h1::after { content: " OVERRIDE-NOTE"; }')
    (tmp_path / "secret.css").write_text('body::after { content: "LEAKED"; }')
    return override, packaged


def test_the_override_stylesheet_and_assets_win_file_by_file(folders):
    override, packaged = folders
    pdf = WeasyPrintPdf([override, packaged])
    html = (
        '<link rel="stylesheet" href="note.css"><link rel="stylesheet" href="shared.css">'
        '<link rel="stylesheet" href="../secret.css"><h1>Title</h1><h2>Sub</h2>'
    )
    out = text(pdf.render(html))
    assert "OVERRIDE-CSS" in out and "OVERRIDE-NOTE" in out and "PACKAGED-SHARED" in out
    assert "PACKAGED-NOTE" not in out and "LEAKED" not in out
    assert any("secret.css" in url for url in pdf.fetcher.refused)


def test_without_an_override_the_packaged_files_serve(folders):
    _, packaged = folders
    out = text(
        WeasyPrintPdf([packaged]).render('<link rel="stylesheet" href="note.css"><h1>T</h1>')
    )
    assert "PACKAGED-NOTE" in out and "OVERRIDE" not in out


def test_the_page_count_comes_with_the_pdf():
    pdf = WeasyPrintPdf(TEMPLATES)
    one = pdf.render_document("<p>one page</p>")
    two = pdf.render_document('<p>one</p><p style="break-before: page">two</p>')
    assert (one.pages, two.pages) == (1, 2) and one.data.startswith(b"%PDF")


def test_a_folder_list_without_the_stylesheet_is_refused(tmp_path: Path):
    with pytest.raises(PdfRenderError, match=r"no print\.css in"):
        WeasyPrintPdf([tmp_path])
