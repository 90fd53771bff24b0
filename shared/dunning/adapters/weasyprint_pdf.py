"""Printable letter HTML to PDF with WeasyPrint: the only module that imports it.

One instance per process: the font configuration and the parsed stylesheet are
built once and reused for every letter (parsing CSS and loading fonts dominate the
cost of a small document). Resources are fetched by a deny-all fetcher: data: URIs
and files inside the assets folders only; no network, no file:// elsewhere, so a
hostile URL in a template or in customer data can neither leak a file into the
PDF nor reach an internal endpoint.

Several assets folders may be given, the first winning file by file (template
overrides): the stylesheet and every relative asset are looked up in that order.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint.html
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dunning.domain.gc_pause import cyclic_gc_paused
from dunning.ports import LetterTooLong, Pdf

DEFAULT_STYLESHEET = "print.css"
MAX_ASSET_BYTES = 5_000_000
# A letter at the view's caps (domain/letters/view.py: items, credits, text lengths)
# lays out in well under this; more pages means a template or stylesheet gone wrong,
# and the job fails before the PDF is written (writing is the costly half).
MAX_PAGES = 20

logger = logging.getLogger(__name__)

# WeasyPrint's user-agent stylesheet gives every element five footnote and note
# pseudo-elements (::footnote-call, ::note-marker...), whose styles it computes for
# every element of a letter although a letter has no footnote. Author CSS makes a
# footnote with "float: footnote" and a note with "position: note(...)": where
# neither word can reach the letter, those rules go.
_NOTE_RULES_RE = re.compile(
    r"^::(?:footnote-call|footnote-marker|note-call|note-marker|note-callback) \{[^}]*\}$",
    re.MULTILINE,
)
_NOTE_RULE_COUNT = 5
# Also a linked or imported stylesheet, whose text is not known before it is fetched.
_NOTE_WORDS_RE = re.compile(r"footnote|note\(|<link|@import", re.IGNORECASE)


class PdfRenderError(Exception):
    """WeasyPrint could not turn a letter into a PDF."""


class AssetsOnlyFetcher(URLFetcher):
    """Serves data: URIs and regular files under the asset roots; refuses everything else.

    A file asked for under one root is served from the first root that has it (an
    override folder before the packaged templates). WeasyPrint turns a refused fetch
    into a warning and renders without the resource.
    """

    def __init__(self, root: Path | Sequence[Path]) -> None:
        # allowed_protocols is a second lock should the base class ever be reached.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        roots = [root] if isinstance(root, Path) else list(root)
        self._roots = [r.resolve() for r in roots]
        self._root = self._roots[0]
        self.refused: list[str] = []  # for logs and tests: what a template tried to load

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            return self._local_file(url)
        return self._refuse(url, "scheme not allowed")

    def _local_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return self._refuse(url, "remote file host")
        # resolve() follows symlinks, so a link pointing outside the folder is refused too.
        asked = Path(url2pathname(unquote(parts.path))).resolve()
        path = self._first_copy(asked)
        if path is None:
            return self._refuse(url, "outside the assets folder")
        if path.stat().st_size > MAX_ASSET_BYTES:
            return self._refuse(url, "asset too large")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def _first_copy(self, asked: Path) -> Path | None:
        """The file under the first root that has it; None outside every root."""
        home = next((r for r in self._roots if asked.is_relative_to(r)), None)
        if home is None:
            return None
        relative = asked.relative_to(home)
        for root in self._roots:
            # resolve() follows symlinks: a link pointing outside its root is refused.
            candidate = (root / relative).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None

    def _refuse(self, url: str, reason: str) -> URLFetcherResponse:
        self.refused.append(url)
        logger.warning("refused to fetch a letter resource: %s (%s)", url[:200], reason)
        raise PermissionError(f"{reason}: {url[:200]}")


class _LetterHTML(HTML):
    """HTML with WeasyPrint's UA stylesheet minus the footnote and note rules.

    The UA stylesheets are chosen through HTML._ua_stylesheets, the hook WeasyPrint's
    own tests use for a lighter UA stylesheet. Only the stock sheet is swapped; the
    forms sheet and anything else pass through.
    """

    stock_ua: Any = None
    lean_ua: Any = None

    def _ua_stylesheets(self, *args: Any, **kwargs: Any) -> list[Any]:
        sheets = super()._ua_stylesheets(*args, **kwargs)
        return [self.lean_ua if s is self.stock_ua else s for s in sheets]


def _lean_html_class() -> type[HTML]:
    """_LetterHTML when this WeasyPrint's UA stylesheet is the one expected, else HTML."""
    stock = getattr(weasyprint.html, "UA_STYLESHEET", None)
    text = getattr(weasyprint.html, "UA", None)
    counters = getattr(weasyprint.html, "UA_COUNTER_STYLE", None)
    if stock is None or not isinstance(text, str) or not hasattr(HTML, "_ua_stylesheets"):
        return HTML
    lean_text, removed = _NOTE_RULES_RE.subn("", text)
    if removed != _NOTE_RULE_COUNT:  # another WeasyPrint: keep its stylesheet whole
        return HTML
    if _LetterHTML.lean_ua is None:
        _LetterHTML.lean_ua = CSS(string=lean_text, counter_style=counters)
        _LetterHTML.stock_ua = stock
    return _LetterHTML


class WeasyPrintPdf:
    """Renders print HTML with the stylesheet found in the assets folder(s)."""

    def __init__(
        self,
        assets_dir: Path | Sequence[Path],
        stylesheet: str = DEFAULT_STYLESHEET,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.max_pages = max_pages
        dirs = [assets_dir] if isinstance(assets_dir, Path) else list(assets_dir)
        if not dirs:
            raise ValueError("at least one assets folder is needed")
        self._root = dirs[0].resolve()
        self._base_url = self._root.as_uri() + "/"
        self.fetcher = AssetsOnlyFetcher(dirs)
        found = next((d / stylesheet for d in dirs if (d / stylesheet).is_file()), None)
        if found is None:
            raise PdfRenderError(f"no {stylesheet} in {', '.join(map(str, dirs))}")
        self._fonts = FontConfiguration()
        css_text = found.read_text(encoding="utf-8")
        self._css = CSS(
            string=css_text,
            base_url=found.resolve().parent.as_uri() + "/",
            url_fetcher=self.fetcher,
            font_config=self._fonts,
        )
        # A stylesheet that could make footnotes or notes keeps the full UA stylesheet.
        self._lean_html = HTML if _NOTE_WORDS_RE.search(css_text) else _lean_html_class()

    def render(self, print_html: str) -> bytes:
        return self.render_document(print_html).data

    def render_document(self, print_html: str) -> Pdf:
        try:
            with cyclic_gc_paused():  # no collection mid-layout
                html = self._html_class(print_html)(
                    string=print_html, base_url=self._base_url, url_fetcher=self.fetcher
                )
                document = html.render(stylesheets=[self._css], font_config=self._fonts)
                self._check_length(len(document.pages))
                pdf = document.write_pdf()
        except LetterTooLong:
            raise
        except Exception as exc:  # one typed error for callers, whatever broke inside
            raise PdfRenderError(f"PDF rendering failed: {exc}") from exc
        if not isinstance(pdf, bytes):
            raise PdfRenderError("WeasyPrint returned no PDF bytes")
        return Pdf(pdf, len(document.pages))

    def _check_length(self, pages: int) -> None:
        if pages > self.max_pages:
            raise LetterTooLong(f"the letter has {pages} pages, at most {self.max_pages} allowed")

    def _html_class(self, print_html: str) -> type[HTML]:
        """The lean UA stylesheet unless this letter could hold a footnote or note.

        Inline styles and <style> elements are in the text; a linked or imported
        stylesheet is not, so its presence alone keeps the full UA stylesheet.
        """
        return HTML if _NOTE_WORDS_RE.search(print_html) else self._lean_html
