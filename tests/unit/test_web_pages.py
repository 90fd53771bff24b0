"""The pages' own rules (SPEC 3.3 "Pages for people"): every label in the four
languages, the language a person gets, and the checks every form POST passes."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from jinja2 import Environment

from dunning.web import i18n, security
from dunning.web.page import HERE, _environment

pytestmark = pytest.mark.unit

# _("...") in templates and Python, and translator(...)("...") in Python.
LABEL = re.compile(r"""(?:\b_|\))\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def labels_used() -> set[str]:
    sources = [*HERE.glob("templates/*.html"), *HERE.glob("*.py")]
    found = set()
    for path in sources:
        for match in LABEL.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_pages_use_a_few_hundred_labels():
    assert len(labels_used()) > 150


@pytest.mark.parametrize("language", ["de", "fr", "nl"])
def test_every_label_of_the_pages_is_translated_with_the_same_placeholders(language):
    catalogue = i18n.catalogue(language)
    missing = sorted(labels_used() - set(catalogue))
    assert missing == []
    for english, translated in catalogue.items():
        assert translated.strip(), english
        assert fields(translated) == fields(english), (english, translated)


def test_a_label_is_formatted_after_translation():
    assert i18n.translator("de")("Level {n}", n=3) == "Stufe 3"
    assert i18n.translator("en")("Level {n}", n=3) == "Level 3"
    assert i18n.translator("en")("payment_arrangement") == "payment arrangement"
    assert i18n.translator("fr")("not a label") == "not a label"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("nl", "de-DE,de;q=0.9", "nl"),  # the person's choice beats the browser's
        (None, "de-CH,de;q=0.9,en;q=0.8", "de"),
        (None, "es-ES,fr;q=0.5,de;q=0.7", "de"),  # by quality, not by order
        (None, "es,it", "en"),  # none of ours: English
        ("xx", "", "en"),  # a cookie naming no language of ours is ignored
        (None, "fr;q=abc,nl", "nl"),  # a bad quality counts as 0
    ],
)
def test_the_language_is_the_cookies_then_the_browsers_best_match(cookie, header, expected):
    assert i18n.chosen(cookie, header) == expected


def test_amounts_and_dates_are_written_as_each_language_writes_them():
    from datetime import date

    assert i18n.Formats("de").money("1234.5", "EUR") == "1.234,50\xa0€"
    assert i18n.Formats("en").money("1234.5", "EUR") == "€1,234.50"
    assert i18n.Formats("fr").day(date(2026, 10, 30)) == "30 oct. 2026"
    assert i18n.Formats("nl").number(12.3, 1) == "12,3"
    assert i18n.Formats("en").number(None) == "–"


def test_every_template_compiles():
    env: Environment = _environment()
    names = [p.name for p in (HERE / "templates").glob("*.html")]
    assert len(names) >= 9
    for name in names:
        env.get_template(name)


KEY = b"k" * 32
SAME = {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}


def test_a_post_with_the_sessions_token_from_our_own_origin_passes():
    session = security.new_session_id()
    security.check_post(KEY, session, security.csrf_token(KEY, session), SAME)


@pytest.mark.parametrize(
    ("session", "token", "headers"),
    [
        ("s1", "TOKEN", {"Host": "127.0.0.1:8000", "Origin": "https://evil.example"}),
        ("s1", "TOKEN", {"Host": "127.0.0.1:8000"}),  # no Origin, no Referer
        ("s1", "TOKEN", {"Host": "127.0.0.1:8000", "Origin": "null"}),
        ("s1", None, SAME),  # no token
        (None, "TOKEN", SAME),  # no session cookie
        ("s2", "TOKEN", SAME),  # another session's token
    ],
)
def test_a_post_from_elsewhere_or_without_the_sessions_token_is_forbidden(session, token, headers):
    real = security.csrf_token(KEY, "s1") if token == "TOKEN" else token
    with pytest.raises(security.Forbidden):
        security.check_post(KEY, session, real, headers)


def test_the_referer_stands_in_for_a_missing_origin():
    headers = {"Host": "127.0.0.1:8000", "Referer": "http://127.0.0.1:8000/app/customers/C1"}
    security.check_post(KEY, "s1", security.csrf_token(KEY, "s1"), headers)


def test_every_page_response_gets_the_security_headers_once():
    response = security.harden({"statusCode": 200, "multiValueHeaders": {"A": ["b"]}})
    headers = response["multiValueHeaders"]
    assert headers["A"] == ["b"]
    csp = headers["Content-Security-Policy"][0]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == ["nosniff"]
    assert headers["Referrer-Policy"] == ["same-origin"]


def test_only_paths_under_app_are_pages():
    assert security.is_page("/app/") and security.is_page("/app/customers/C1")
    assert security.is_page("/app")
    assert not security.is_page("/application") and not security.is_page("/customers")


def test_the_templates_have_no_inline_script_or_style():
    for path in Path(HERE / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<style" not in text and " style=" not in text, path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name  # no onclick= handlers
