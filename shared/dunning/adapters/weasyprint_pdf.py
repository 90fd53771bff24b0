"""Printable letter HTML to PDF with WeasyPrint: the only module that imports it.

One instance per process: the font configuration and the parsed stylesheet are
built once and reused for every letter (parsing CSS and loading fonts dominate the
cost of a small document). Resources are fetched by a deny-all fetcher: data: URIs
and files inside the assets folder only; no network, no file:// elsewhere, so a
hostile URL in a template or in customer data can neither leak a file into the
PDF nor reach an internal endpoint.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

DEFAULT_STYLESHEET = "print.css"
MAX_ASSET_BYTES = 5_000_000

logger = logging.getLogger(__name__)


class PdfRenderError(Exception):
    """WeasyPrint could not turn a letter into a PDF."""


class AssetsOnlyFetcher(URLFetcher):
    """Serves data: URIs and regular files under `root`; refuses everything else.

    WeasyPrint turns a refused fetch into a warning and renders without the resource.
    """

    def __init__(self, root: Path) -> None:
        # allowed_protocols is a second lock should the base class ever be reached.
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self._root = root.resolve()
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
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            return self._refuse(url, "outside the assets folder")
        if path.stat().st_size > MAX_ASSET_BYTES:
            return self._refuse(url, "asset too large")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def _refuse(self, url: str, reason: str) -> URLFetcherResponse:
        self.refused.append(url)
        logger.warning("refused to fetch a letter resource: %s (%s)", url[:200], reason)
        raise PermissionError(f"{reason}: {url[:200]}")


class WeasyPrintPdf:
    """Renders print HTML with the stylesheet found in `assets_dir`."""

    def __init__(self, assets_dir: Path, stylesheet: str = DEFAULT_STYLESHEET) -> None:
        self._root = assets_dir.resolve()
        self._base_url = self._root.as_uri() + "/"
        self.fetcher = AssetsOnlyFetcher(self._root)
        self._fonts = FontConfiguration()
        self._css = CSS(
            string=(self._root / stylesheet).read_text(encoding="utf-8"),
            base_url=self._base_url,
            url_fetcher=self.fetcher,
            font_config=self._fonts,
        )

    def render(self, print_html: str) -> bytes:
        try:
            document = HTML(string=print_html, base_url=self._base_url, url_fetcher=self.fetcher)
            pdf = document.write_pdf(stylesheets=[self._css], font_config=self._fonts)
        except Exception as exc:  # one typed error for callers, whatever broke inside
            raise PdfRenderError(f"PDF rendering failed: {exc}") from exc
        if not isinstance(pdf, bytes):
            raise PdfRenderError("WeasyPrint returned no PDF bytes")
        return pdf
