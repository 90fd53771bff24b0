"""Letters from Jinja2 templates: subject, HTML and text email parts, printable HTML.

Layout is shared (templates/layouts/), the tone of each level and language lives in
templates/letters/<level>/<language>.j2, labels in templates/i18n/<language>.j2.
A level template `{% extends layout %}` and is rendered once per output format.

Templates run in Jinja's immutable sandbox with StrictUndefined; data (customer
names...) is only ever passed as values, never compiled, so `{{ 7*7 }}` in a name
stays text. HTML is autoescaped; the text parts come from a second environment
without autoescaping so that "&" stays "&".
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from dunning.domain.letters.statement_view import StatementView
from dunning.domain.letters.thanks_view import ThanksView
from dunning.domain.letters.view import LetterView

MAX_OUTPUT_CHARS = 2_000_000  # a long letter is ~100 kB; anything near this is a runaway loop
MAX_SEQUENCE_PRODUCT = 100_000  # cap for "x" * n and [..] * n inside templates
MAX_SUBJECT_CHARS = 200

SUBJECT_LAYOUT = "layouts/subject.txt"
TEXT_LAYOUT = "layouts/email.txt"
HTML_LAYOUT = "layouts/email.html"
PRINT_LAYOUT = "layouts/letter.html"
STATEMENT_LAYOUT = "layouts/statement.html"
THANKS_TEXT_LAYOUT = "layouts/thanks.txt"
THANKS_HTML_LAYOUT = "layouts/thanks.html"

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_LETTER_PATH_RE = re.compile(r"letters/(?P<template>[^/]+)/(?P<lang>[^/]+)\.j2")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_BLANK_LINES_RE = re.compile(r"\n{3,}")
# A line break and indentation next to a block-level tag never shows in normal flow
# (it collapses at the start or end of a line), yet WeasyPrint's pure-Python parser
# and box builder handle each run.
_BLOCK_TAGS = (
    "html|head|body|meta|title|style|header|footer|section|div|p|h[1-6]|table|caption"
    "|thead|tbody|tfoot|tr|th|td|ul|ol|li|figure|figcaption"
)
_GAP_BEFORE_BLOCK_TAG_RE = re.compile(rf"(>|%}}|}}}})[ \t]*\n\s*(?=</?(?:{_BLOCK_TAGS})[\s>])")
_GAP_AFTER_BLOCK_TAG_RE = re.compile(rf"(</?(?:{_BLOCK_TAGS})(?:\s[^<>]*)?>)[ \t]*\n\s*")


class LetterTemplateError(Exception):
    """A letter template is missing, broken, unsafe or produced too much output."""


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    subject: str  # one line, never CR/LF
    html: str  # email body
    text: str  # plain-text email part
    print_html: str  # for the PDF
    pdf_name: str = "letter.pdf"


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox bounds range(); this also bounds repetition and powers."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(right, int) and abs(right) > 100:
                raise SecurityError("exponent too large in template")
            return operator.pow(left, right)
        for seq, times in ((left, right), (right, left)):
            sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
            if sized and len(seq) * times > MAX_SEQUENCE_PRODUCT:
                raise SecurityError("repetition too large in template")
        return operator.mul(left, right)


class _TrimBlockGaps(Extension):
    """Drops line breaks and indentation next to block-level tags in the .html layouts.

    Applied to the template source when it is compiled (once per process): the layouts
    stay readable and the HTML WeasyPrint parses is smaller (the same PDF). Spaces
    between text and inline tags
    stay; only a block styled `white-space: pre` would show the difference.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if name is None or not name.endswith(".html"):
            return source
        source = _GAP_BEFORE_BLOCK_TAG_RE.sub(r"\1", source)
        return _GAP_AFTER_BLOCK_TAG_RE.sub(r"\1", source)


def _environment(loader: BaseLoader, *, autoescape: bool) -> _BoundedSandbox:
    return _BoundedSandbox(
        loader=loader,
        autoescape=autoescape,
        extensions=[_TrimBlockGaps] if autoescape else [],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the deployment
    )


def bounded_text_environment(loader: BaseLoader) -> ImmutableSandboxedEnvironment:
    """The letters' sandbox for plain text (text messages): bounded, no autoescaping."""
    return _environment(loader, autoescape=False)


def bounded_render(env: ImmutableSandboxedEnvironment, name: str, **context: Any) -> str:
    """`name` rendered with its output bounded as a letter's is (TemplateError raises)."""
    return _bounded_join(env.get_template(name).generate(**context), name)


def one_line(text: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """Fold every line break and control character to a space: safe for a mail header."""
    folded = " ".join(_CONTROL_RE.sub(" ", text).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def _tidy_text(text: str) -> str:
    lines = (line.rstrip() for line in text.strip().splitlines())
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)) + "\n"


def _checked_name(kind: str, value: str) -> str:
    if not _NAME_RE.fullmatch(value):
        raise LetterTemplateError(f"invalid {kind} name: {value!r}")
    return value


class JinjaLetterRenderer:
    """Renders a LetterView; earlier template dirs override later ones file by file."""

    def __init__(self, template_dirs: Sequence[Path]) -> None:
        if not template_dirs:
            raise ValueError("at least one template directory is needed")
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs])
        self._html = _environment(loader, autoescape=True)
        self._text = _environment(loader, autoescape=False)
        self._names: frozenset[str] | None = None

    def available_languages(self, template: str) -> frozenset[str]:
        """Languages with both a level template and labels, over every template dir."""
        _checked_name("template", template)
        if self._names is None:  # templates ship with the deployment: list them once
            self._names = frozenset(self._html.list_templates(extensions=["j2"]))
        names = self._names
        return frozenset(
            match["lang"]
            for name in names
            if (match := _LETTER_PATH_RE.fullmatch(name))
            and match["template"] == template
            and f"i18n/{match['lang']}.j2" in names
        )

    def render(self, view: LetterView) -> RenderedLetter:
        name = self._letter_template(view)
        return RenderedLetter(
            subject=one_line(self._render(self._text, name, SUBJECT_LAYOUT, view)),
            html=self._render(self._html, name, HTML_LAYOUT, view),
            text=_tidy_text(self._render(self._text, name, TEXT_LAYOUT, view)),
            print_html=self._render(self._html, name, PRINT_LAYOUT, view),
        )

    def render_thanks(self, view: ThanksView) -> RenderedLetter:
        """A thank-you note (SPEC 2.9): letters/<template>/<lang>.j2 in the thanks
        layouts; an email only, so there is no printable part."""
        name = self._letter_template(view)
        return RenderedLetter(
            subject=one_line(self._render(self._text, name, SUBJECT_LAYOUT, view)),
            html=self._render(self._html, name, THANKS_HTML_LAYOUT, view),
            text=_tidy_text(self._render(self._text, name, THANKS_TEXT_LAYOUT, view)),
            print_html="",
        )

    def render_statement(self, view: StatementView) -> str:
        """The statement of account's printable HTML (one layout, the language's labels)."""
        _checked_name("language", view.language)
        try:
            chunks = self._html.get_template(STATEMENT_LAYOUT).generate(v=view)
            return _bounded_join(chunks, STATEMENT_LAYOUT)
        except TemplateError as exc:
            raise LetterTemplateError(f"{STATEMENT_LAYOUT}: {exc}") from exc

    def label(self, language: str, key: str, default: str) -> str:
        """One label of i18n/<language>.j2 (file names...), `default` when it has none."""
        name = f"i18n/{_checked_name('language', language)}.j2"
        try:
            labels = getattr(self._text.get_template(name).module, "labels", {})
        except TemplateError as exc:
            raise LetterTemplateError(f"{name}: {exc}") from exc
        value = labels.get(key) if isinstance(labels, dict) else None
        return value if isinstance(value, str) and value else default

    def _letter_template(self, view: LetterView | ThanksView) -> str:
        template = _checked_name("template", view.template)
        language = _checked_name("language", view.language)
        return f"letters/{template}/{language}.j2"

    @staticmethod
    def _render(env: _BoundedSandbox, name: str, layout: str, view: LetterView | ThanksView) -> str:
        try:
            chunks = env.get_template(name).generate(v=view, layout=layout)
            return _bounded_join(chunks, f"{name} with {layout}")
        except TemplateError as exc:
            raise LetterTemplateError(f"{name} with {layout}: {exc}") from exc


def _bounded_join(chunks: Iterator[str], what: str) -> str:
    """Stream the output and stop early, so a runaway template cannot exhaust memory."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise LetterTemplateError(f"{what}: output exceeds {MAX_OUTPUT_CHARS} characters")
        parts.append(chunk)
    return "".join(parts)
