"""Which languages a letter template has, from the template folders' file names alone
(evaluation decides a pending letter's language without loading Jinja2)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class TemplateLanguages:
    def __init__(self, template_dirs: Sequence[Path]):
        self._dirs = list(template_dirs)
        self._cache: dict[str, frozenset[str]] = {}

    def available(self, template: str) -> frozenset[str]:
        """Languages with the level's template and labels (as the renderer requires)."""
        if template not in self._cache:
            found: set[str] = set()
            for d in self._dirs:
                labels = {p.stem for p in (d / "i18n").glob("*.j2")}
                letters = {p.stem for p in (d / "letters" / template).glob("*.j2")}
                found |= letters & labels
            self._cache[template] = frozenset(found)
        return self._cache[template]
