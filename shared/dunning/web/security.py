"""What keeps the pages safe in a browser: the headers of every /app/ response (a strict
Content-Security-Policy: no inline script or style, no framing), the session cookie and
the CSRF token each form carries, and the same-origin check of every POST.

The token is an HMAC of the session id under the pages' key, so a forged or replayed
form from another site fails twice: it cannot read the token, and its Origin differs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

APP_PREFIX = "/app/"
SESSION_COOKIE = "dunning_session"
CSRF_FIELD = "csrf"
SESSION_BYTES = 32

HEADERS = {
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class Forbidden(Exception):
    """A POST that does not come from one of our own forms (403)."""


def is_page(path: str) -> bool:
    return path == APP_PREFIX.rstrip("/") or path.startswith(APP_PREFIX)


def harden(response: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The security headers on an API Gateway proxy response (every /app/ one, errors too)."""
    multi = response.setdefault("multiValueHeaders", {}) or {}
    response["multiValueHeaders"] = multi
    single = response.get("headers") or {}
    for name, value in HEADERS.items():
        if name not in single:
            multi[name] = [value]
    return response


def cookies_of(headers: Mapping[str, str]) -> dict[str, str]:
    """The request's cookies (REST API events carry them in the Cookie header)."""
    raw = next((v for k, v in headers.items() if k.lower() == "cookie"), "")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_BYTES)


def csrf_token(key: bytes, session_id: str) -> str:
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def check_post(
    key: bytes, session_id: str | None, token: str | None, headers: Mapping[str, str]
) -> None:
    """Raise Forbidden unless the POST comes from our own page in this session."""
    same_origin(headers)
    if not session_id or not token:
        raise Forbidden("the form has expired: reload the page and try again")
    if not hmac.compare_digest(csrf_token(key, session_id), token):
        raise Forbidden("the form has expired: reload the page and try again")


def same_origin(headers: Mapping[str, str]) -> None:
    """The Origin (or, without one, the Referer) names the host the request was sent to."""
    lower = {k.lower(): v for k, v in headers.items()}
    host = lower.get("host", "")
    origin = lower.get("origin") or lower.get("referer")
    if not origin or origin == "null":
        raise Forbidden("the request names no origin")
    if urlsplit(origin).netloc != host:
        raise Forbidden("the request comes from another site")


def session_cookie(session_id: str, secure: bool) -> Cookie:
    return Cookie(
        name=SESSION_COOKIE,
        value=session_id,
        path="/",
        secure=secure,
        http_only=True,
        same_site=SameSite.STRICT_MODE,
    )
