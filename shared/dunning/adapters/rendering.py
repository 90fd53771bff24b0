"""The Renderer port: language by fallback, the view built by the pure domain, then
the sandboxed Jinja2 templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.domain.configuration.config import Config
from dunning.domain.engine.engagement import ThankYou
from dunning.domain.letters.naming import document_file_name
from dunning.domain.letters.statement import Statement
from dunning.domain.letters.statement_view import build_statement_view
from dunning.domain.letters.thanks_view import ThanksNote, build_thanks_view
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
        word = self._jinja.label(language, "letter_file", "Letter")
        name = document_file_name(word, letter.as_of, customer.customer_id)
        return language, RenderedLetter(r.subject, r.html, r.text, r.print_html, name)

    def render_thanks(
        self, note: ThankYou, customer: Customer, config: Config, today: date
    ) -> tuple[str, RenderedLetter]:
        """A thank-you note in the customer's language (the same fallback as letters)."""
        subsidiary = config.subsidiary(note.subsidiary_id)
        available = self._jinja.available_languages(note.template)
        language = choose_language(customer.language, subsidiary.locale, available)
        about = ThanksNote(note.thanks_id, note.template, note.ref.currency, note.last_letter_date)
        view = build_thanks_view(about, customer, subsidiary, language, today)
        r = self._jinja.render_thanks(view)
        return language, RenderedLetter(r.subject, r.html, r.text, "", "")

    def render_statement(
        self,
        statement: Statement,
        letter: Letter,
        customer: Customer,
        config: Config,
        language: str,
        today: date,
    ) -> tuple[str, str]:
        subsidiary = config.subsidiary(letter.subsidiary_id)
        view = build_statement_view(statement, letter, customer, subsidiary, language, today)
        word = self._jinja.label(language, "statement_file", "Statement")
        name = document_file_name(word, letter.as_of, customer.customer_id)
        return name, self._jinja.render_statement(view)
