"""The Renderer port: language by fallback, the view built by the pure domain, then
the sandboxed Jinja2 templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.domain.configuration.config import Config
from dunning.domain.letters.view import build_view, choose_language
from dunning.domain.model import Customer, Letter
from dunning.ports import RenderedLetter


class LetterRenderer:
    def __init__(self, template_dirs: Sequence[Path]):
        self._jinja = JinjaLetterRenderer(template_dirs)

    def render(
        self, letter: Letter, customer: Customer, config: Config, today: date
    ) -> tuple[str, RenderedLetter]:
        subsidiary = config.subsidiary(letter.subsidiary_id)
        available = self._jinja.available_languages(letter.template)
        language = choose_language(customer.language, subsidiary.locale, available)
        r = self._jinja.render(build_view(letter, customer, subsidiary, language, today))
        return language, RenderedLetter(r.subject, r.html, r.text, r.print_html)
