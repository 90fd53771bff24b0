"""Signing people in and out on the people API (SPEC 2.10): the browser's side of the
Cognito hosted sign-in, with the authorization-code flow and PKCE.

- GET /app/auth/sign-in: a fresh state and code verifier in a short-lived cookie,
  then a redirect to the hosted sign-in.
- GET /app/auth/callback?code=&state=: the state checked against that cookie, the
  code exchanged at the token endpoint, the ID token verified and set as an HttpOnly,
  Secure, SameSite=Lax cookie (read by the authorizer, dunning.api.authorizer), then a
  redirect to the pages under /app/.
- GET /app/auth/sign-out: the cookie cleared, then the hosted sign-out, which comes
  back to /app/ (and so to the sign-in).

These three pass API Gateway without the authorizer: they are how a token is got.
The app client's id is the stage's variable (dunning.api.authorizer.client_id_of).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from dunning.api.authorizer import ID_COOKIE, Unauthorized, client_id_of, cookie_of
from dunning.api.errors import error_response
from dunning.ports import SignIn, SignInRefused

router = Router()
SIGN_IN = "sign_in"  # the factory of SignIn (by app client id) in the resolver's context
FLOW_COOKIE = "dunning_sign_in"  # state and code verifier while the hosted sign-in runs
FLOW_SECONDS = 600
SIGN_IN_PATH = "/app/auth/sign-in"
CALLBACK_PATH = "/app/auth/callback"
PAGES_PATH = "/app/"


def _sign_in() -> SignIn | Response:
    """This stage's sign-in, or the answer where nobody signs in (`dunning serve`, the
    IAM API)."""
    factory: Callable[[str], SignIn] | None = router.context.get(SIGN_IN)
    try:
        client_id = client_id_of(router.current_event.raw_event)
    except Unauthorized:
        factory = None
    if factory is None:
        return error_response(
            HTTPStatus.NOT_FOUND,
            "nobody signs in here: people sign in on the people API (the stack's SignInUrl); "
            "dunning serve signs everyone in as local",
        )
    return factory(client_id)


def _base_url() -> str:
    """The people API's own URL (https://ID.execute-api.REGION.amazonaws.com/STAGE)."""
    context = router.current_event.raw_event.get("requestContext") or {}
    return f"https://{context.get('domainName')}/{context.get('stage')}"


def _cookie(name: str, value: str, max_age: int) -> Cookie:
    return Cookie(
        name,
        value,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.LAX_MODE,  # sent on a top-level navigation back from Cognito
        max_age=max_age,
    )


def _redirect(location: str, *cookies: Cookie) -> Response:
    return Response(
        status_code=HTTPStatus.FOUND,
        headers={"Location": location, "Cache-Control": "no-store"},
        cookies=list(cookies),
    )


# No return annotations: Powertools would try to describe its own Response class.
@router.get(SIGN_IN_PATH, include_in_schema=False, enable_validation=False)
def sign_in():
    provider = _sign_in()
    if isinstance(provider, Response):
        return provider
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    url = provider.authorize_url(
        _base_url() + CALLBACK_PATH, state, challenge.rstrip(b"=").decode()
    )
    return _redirect(url, _cookie(FLOW_COOKIE, f"{state}.{verifier}", FLOW_SECONDS))


@router.get(CALLBACK_PATH, include_in_schema=False, enable_validation=False)
def callback():
    provider = _sign_in()
    if isinstance(provider, Response):
        return provider
    event = router.current_event
    if event.get_query_string_value("error"):  # the hosted sign-in's own refusal
        error = event.get_query_string_value("error")
        return _refused(f"the sign-in was refused: {_described(error)}")
    code, state = event.get_query_string_value("code"), event.get_query_string_value("state")
    if not code or not state:
        return error_response(
            HTTPStatus.BAD_REQUEST, "code and state are required: start at " + SIGN_IN_PATH
        )
    expected, _, verifier = (
        cookie_of(event.headers.get("cookie") or "", FLOW_COOKIE) or ""
    ).partition(".")
    if not expected or not secrets.compare_digest(expected.encode(), state.encode()):
        return _refused("the sign-in's state does not match this browser's: sign in again")
    try:
        signed_in = provider.exchange(code, _base_url() + CALLBACK_PATH, verifier)
    except SignInRefused as e:
        return _refused(str(e))
    lifetime = int((signed_in.expires_at - datetime.now(UTC)).total_seconds())
    return _redirect(
        _base_url() + PAGES_PATH,
        _cookie(ID_COOKIE, signed_in.id_token, max(lifetime, 0)),
        _cookie(FLOW_COOKIE, "", 0),
    )


@router.get("/app/auth/sign-out", include_in_schema=False, enable_validation=False)
def sign_out():
    provider = _sign_in()
    if isinstance(provider, Response):
        return provider
    return _redirect(provider.logout_url(_base_url() + PAGES_PATH), _cookie(ID_COOKIE, "", 0))


def _refused(message: str) -> Response:
    return error_response(HTTPStatus.UNAUTHORIZED, f"{message} ({SIGN_IN_PATH} starts again)")


def _described(error: str | None) -> str:
    return router.current_event.get_query_string_value("error_description") or str(error)
