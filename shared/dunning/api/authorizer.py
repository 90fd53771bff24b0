"""The people API's Lambda REQUEST authorizer (SPEC 2.10): the Cognito ID token of a
browser's HttpOnly cookie (set by the sign-in callback, routes/auth.py) or of an
`Authorization: Bearer` header, verified; the request is allowed with the user's name
and groups in its context ({actor, groups}, read by dunning.domain.control.roles
.caller_of), or refused as unauthorized (API Gateway answers 401, which the template
turns into a redirect to the sign-in).

Which groups may do what is the use case's to check, not the authorizer's: a signed-in
user in no group reaches the API and is refused there with a 403 naming the group.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from dunning.ports import SignIn, SignInRefused

ID_COOKIE = "dunning_id"  # the ID token; HttpOnly, Secure, SameSite=Lax
CLIENT_ID_VARIABLE = "PeopleClientId"  # the people API stage's variable


class Unauthorized(Exception):
    """No valid token: API Gateway answers 401 only to this exact message."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__("Unauthorized")


def client_id_of(event: Mapping[str, Any]) -> str:
    """The app client the tokens must be for, from the stage's variables (the client
    names the API's URL for its callback, so the API cannot name the client back)."""
    client_id = (event.get("stageVariables") or {}).get(CLIENT_ID_VARIABLE)
    if not client_id:
        raise Unauthorized(f"the stage has no {CLIENT_ID_VARIABLE} variable")
    return str(client_id)


def token_of(headers: Mapping[str, Any] | None) -> str | None:
    """A bearer token, else the ID cookie's value, else None."""
    by_name = {str(k).lower(): str(v) for k, v in (headers or {}).items() if v is not None}
    scheme, _, token = by_name.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return cookie_of(by_name.get("cookie", ""), ID_COOKIE)


def cookie_of(header: str, name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def authorize(event: Mapping[str, Any], sign_in: SignIn) -> dict[str, Any]:
    """The IAM policy of one REQUEST authorizer event: Allow this method for the user."""
    token = token_of(event.get("headers"))
    if token is None:
        raise Unauthorized("no ID token (cookie or bearer)")
    try:
        caller = sign_in.verify(token).caller
    except SignInRefused as e:
        raise Unauthorized(str(e)) from None
    return {
        "principalId": caller.actor,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    # This method only: with caching off, each request is authorized anew.
                    "Resource": event["methodArn"],
                }
            ],
        },
        # Context values must be strings, numbers or booleans: the groups as text.
        "context": {"actor": caller.actor, "groups": ",".join(sorted(caller.groups))},
    }
