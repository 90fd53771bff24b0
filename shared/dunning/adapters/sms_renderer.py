"""Text messages from Jinja2 templates (SPEC 2.9): templates/sms/<template>/<lang>.j2,
the level's own template name, rendered in the same bounded sandbox as the letters
(no autoescaping: a text is not HTML), folded to one plain line and counted in SMS
segments. A text over the bound is refused (SmsTooLong), never cut."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, TemplateError

from dunning.adapters.jinja_renderer import (
    LetterTemplateError,
    bounded_render,
    bounded_text_environment,
)
from dunning.domain.configuration.config import Config
from dunning.domain.letters.sms_view import SmsView, build_sms_view
from dunning.domain.letters.view import choose_language
from dunning.domain.model import Customer, Letter
from dunning.domain.sms import checked, plain
from dunning.ports import SmsText

_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SMS_PATH_RE = re.compile(r"sms/(?P<template>[^/]+)/(?P<lang>[^/]+)\.j2")


class JinjaSmsRenderer:
    """The SmsRenderer port; earlier template dirs override later ones file by file."""

    def __init__(self, template_dirs: Sequence[Path]) -> None:
        loader = ChoiceLoader([FileSystemLoader(str(d)) for d in template_dirs])
        self._env = bounded_text_environment(loader)
        self._names: frozenset[str] | None = None

    def available_languages(self, template: str) -> frozenset[str]:
        if self._names is None:  # templates ship with the deployment: listed once
            self._names = frozenset(self._env.list_templates(extensions=["j2"]))
        return frozenset(
            m["lang"]
            for name in self._names
            if (m := _SMS_PATH_RE.fullmatch(name)) and m["template"] == template
        )

    def render_sms(
        self, letter: Letter, customer: Customer, config: Config, language: str, today: date
    ) -> SmsText:
        """The text in the letter's language when its template has it (else by the same
        fallback as letters); SmsTooLong over the segment bound."""
        subsidiary = config.subsidiary(letter.subsidiary_id)
        available = self.available_languages(letter.template)
        if language not in available:
            language = choose_language(customer.language, subsidiary.locale, available)
        view = build_sms_view(letter, customer, subsidiary, language, today)
        return self.render_view(view)

    def render_view(self, view: SmsView) -> SmsText:
        for kind, value in (("template", view.template), ("language", view.language)):
            if not _NAME_RE.fullmatch(value):
                raise LetterTemplateError(f"invalid {kind} name: {value!r}")
        name = f"sms/{view.template}/{view.language}.j2"
        try:
            text = plain(bounded_render(self._env, name, v=view))
        except TemplateError as exc:
            raise LetterTemplateError(f"{name}: {exc}") from exc
        return SmsText(view.language, text, checked(text).count)
