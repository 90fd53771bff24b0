"""Fixtures for the letter tests; sample data lives in letter_samples.py."""

from __future__ import annotations

import pytest
from letter_samples import TEMPLATES

from dunning.adapters.jinja_renderer import JinjaLetterRenderer


@pytest.fixture(scope="session")
def renderer() -> JinjaLetterRenderer:
    return JinjaLetterRenderer([TEMPLATES])
