"""One page request: its language, session and CSRF token, the form it posted, and the
HTML, redirect or error page it answers. Every page route goes through `page_route`,
which turns what the use cases refuse into a page (a 4xx, never a 500)."""

from __future__ import annotations

import base64
import functools
import hashlib
import inspect
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import ValidationError

from dunning.domain.control.roles import Group, caller_of
from dunning.ports import Conflict, DunningError, InvalidCursor, NotFound, TransientError
from dunning.usecases.collector_deps import Rejected
from dunning.usecases.dashboard import BadQuery
from dunning.web import i18n, security

logger = Logger(child=True)

HERE = Path(__file__).parent
STATIC = HERE / "static"
PAGES_KEY = "pages_key"  # the CSRF key's name in the resolver's context
FLASH_COOKIE = "dunning_flash"
HTML = "text/html; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
MAX_FORM = 64 * 1024


def caller_groups(event: BaseProxyEvent) -> frozenset[str]:
    """The groups whose work the signed-in person may do, which decide the buttons a page
    shows (the use case enforces them whatever a page shows). Groups are cumulative: an
    approver may also do a collector's work."""
    caller = caller_of(event.raw_event.get("requestContext"))
    top = max((group.rank for group in caller.groups), default=-1)
    return frozenset(group.value for group in Group if group.rank <= top)


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["id"] = lambda value: quote(str(value), safe="")  # one path segment
    return env


@functools.lru_cache(maxsize=64)
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """The asset's address with its content hash: cached for a year, changed with it."""
    path = STATIC / name
    version = _digest(path) if path.is_file() else "missing"
    return f"static/{name}?v={version}"


_process_key = secrets.token_bytes(32)  # without a configured key: one per process


@dataclass
class Page:
    """What one page request knows about the person and the request."""

    router: Router
    event: BaseProxyEvent = field(init=False)
    cookies: dict[str, str] = field(init=False)
    language: str = field(init=False)
    session_id: str = field(init=False)
    new_session: bool = field(init=False)

    def __post_init__(self) -> None:
        self.event = self.router.current_event
        self.cookies = security.cookies_of(self.event.headers)
        self.language = i18n.chosen(
            self.cookies.get(i18n.LANGUAGE_COOKIE), self.header("accept-language")
        )
        known = self.cookies.get(security.SESSION_COOKIE)
        self.new_session = not known
        self.session_id = known or security.new_session_id()

    # --- the request ---

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.event.headers.items() if k.lower() == name), None)

    def query(self, name: str) -> str:
        return (self.event.get_query_string_value(name) or "").strip()

    @property
    def key(self) -> bytes:
        configured = self.router.context.get(PAGES_KEY)
        return configured if isinstance(configured, bytes) and configured else _process_key

    @property
    def base(self) -> str:
        """The path the pages are under as the browser sees it: API Gateway's stage (or a
        custom domain's base path) comes before /app/; loopback has none."""
        context = self.event.raw_event.get("requestContext") or {}
        full = str(context.get("path") or "")
        host = (self.header("host") or "").split(":")[0]
        if host in ("localhost", "127.0.0.1") or not full.endswith(self.event.path):
            return ""
        return full[: len(full) - len(self.event.path)]

    def url(self, path: str, **query: object) -> str:
        """`path` under /app/ as the browser reaches it, with the non-empty `query`."""
        kept = {k: v for k, v in query.items() if v not in (None, "")}
        return f"{self.base}/app/{path.lstrip('/')}" + (f"?{urlencode(kept)}" if kept else "")

    @property
    def secure(self) -> bool:
        return (self.header("x-forwarded-proto") or "").lower() == "https"

    def form(self) -> dict[str, list[str]]:
        """The posted form, after the same-origin and CSRF checks."""
        content_type = (self.header("content-type") or "").split(";")[0].strip().lower()
        if content_type != FORM:
            raise security.Forbidden("send the page's own form")
        try:
            body = self.event.decoded_body or ""
        except UnicodeDecodeError:
            raise security.Forbidden("the form is not UTF-8 text") from None
        if len(body) > MAX_FORM:
            raise security.Forbidden("the form is too large")
        try:
            fields = parse_qs(body, keep_blank_values=True, max_num_fields=1000)
        except ValueError:
            raise security.Forbidden("the form has too many fields") from None
        token = next(iter(fields.get(security.CSRF_FIELD) or []), None)
        known = self.cookies.get(security.SESSION_COOKIE)
        security.check_post(self.key, known, token, self.event.headers)
        return fields

    # --- the answer ---

    def context(self, **values: Any) -> dict[str, Any]:
        groups = caller_groups(self.event)
        flash = _flash_of(self.cookies.get(FLASH_COOKIE))
        return {
            "_": i18n.translator(self.language),
            "fmt": i18n.Formats(self.language),
            "lang": self.language,
            "languages": i18n.NAMES,
            "csrf": security.csrf_token(self.key, self.session_id),
            "csrf_field": security.CSRF_FIELD,
            "flash": flash,
            "url": self.url,
            "static": lambda name: self.url(static_url(name)),
            "here": self.event.path,
            "nav": "",
            "charts": False,  # pages with charts load Chart.js, the others do not
            "can": lambda group: group in groups,
        } | values

    def html(self, template: str, status: int = 200, **values: Any) -> Response:
        body = _environment().get_template(template).render(**self.context(**values))
        cookies = self._cookies()
        if FLASH_COOKIE in self.cookies:
            cookies.append(_cookie(FLASH_COOKIE, "", self.secure, max_age=0))
        headers = {"Cache-Control": "no-store"}
        return Response(status, HTML, body, headers=headers, cookies=cookies)

    def redirect(self, path: str, message: str, kind: str = "ok", **query: object) -> Response:
        """POST-redirect-GET, the outcome shown once on the next page."""
        flash = base64.urlsafe_b64encode(json.dumps([kind, message[:500]]).encode()).decode()
        cookies = [*self._cookies(), _cookie(FLASH_COOKIE, flash, self.secure, max_age=120)]
        headers = {"Location": self.url(path, **query), "Cache-Control": "no-store"}
        return Response(HTTPStatus.SEE_OTHER, HTML, "", headers=headers, cookies=cookies)

    def _cookies(self) -> list[Cookie]:
        if not self.new_session:
            return []
        return [security.session_cookie(self.session_id, self.secure)]


def _cookie(name: str, value: str, secure: bool, max_age: int) -> Cookie:
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=secure,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.LAX_MODE,
    )


def _flash_of(raw: str | None) -> tuple[str, str] | None:
    if not raw:
        return None
    try:
        kind, text = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except (ValueError, TypeError):
        return None
    return ("error" if kind == "error" else "ok", str(text))


def problem(e: Exception) -> tuple[int, str]:
    """The status and the message a person reads for what a use case refused."""
    if isinstance(e, NotFound):
        return HTTPStatus.NOT_FOUND, str(e)
    if isinstance(e, Conflict):
        return HTTPStatus.CONFLICT, str(e)
    if isinstance(e, Rejected | BadQuery | InvalidCursor):
        return HTTPStatus.UNPROCESSABLE_ENTITY, str(e)
    if isinstance(e, ValidationError):
        return HTTPStatus.UNPROCESSABLE_ENTITY, "; ".join(_field_errors(e))
    if isinstance(e, security.Forbidden):
        return HTTPStatus.FORBIDDEN, str(e)
    if isinstance(e, TransientError):
        return HTTPStatus.SERVICE_UNAVAILABLE, "the service is busy: try again shortly"
    if isinstance(e, DunningError):
        return HTTPStatus.CONFLICT, str(e)
    raise e


def _field_errors(e: ValidationError) -> list[str]:
    out = []
    for err in e.errors():
        where = ".".join(str(part) for part in err.get("loc", ())) or "form"
        out.append(f"{where}: {str(err.get('msg', '')).removeprefix('Value error, ')}")
    return out


Handler = Callable[..., Response]


def page_route(
    router: Router, path: str, method: str = "GET", back: str | None = None
) -> Callable[[Handler], Handler]:
    """Register a page (left out of the OpenAPI document). What the use case refuses
    becomes the error page of its status; after a POST, a redirect with the message to
    `back` (default: the page the action belongs to, its path less the last part)."""

    def register(func: Handler) -> Handler:
        def guarded(**kwargs: Any):  # no return annotation: see below
            try:
                return func(**kwargs)
            except (ValidationError, DunningError, security.Forbidden) as e:
                return _refused(router, e, method, back)

        # Powertools reads the parameters (path arguments) from the signature; without a
        # return annotation, as it cannot describe its own Response class.
        signature = inspect.signature(func)
        guarded.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=inspect.Signature.empty
        )
        guarded.__name__ = func.__name__
        router.route(path, method, include_in_schema=False)(guarded)
        return func

    return register


def _refused(router: Router, e: Exception, method: str, back: str | None) -> Response:
    status, message = problem(e)
    page = Page(router)
    back = back if back is not None else _back(page)
    if method == "POST" and status != HTTPStatus.FORBIDDEN and back is not None:
        return page.redirect(back, message, kind="error")
    return page.html("error.html", status, code=status, message=message)


def _back(page: Page) -> str | None:
    """The page a POST came from (the path before its action), to show the error on."""
    path = page.event.path
    parent = path.rsplit("/", 1)[0]
    return parent.removeprefix("/app/") if parent.startswith("/app/") else None
