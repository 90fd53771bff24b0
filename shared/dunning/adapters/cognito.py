"""People's sign-in against an Amazon Cognito user pool (SPEC 2.10): the hosted
sign-in's authorization-code flow with PKCE, and ID tokens verified as Cognito
documents it (signature by the pool's JWKS, issuer, audience = the app client, token
use `id`, expiry), with PyJWT.

The pool's public keys are fetched once per container and kept (PyJWKClient caches
the key set and refetches it for a key id it does not know, as after a rotation).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import jwt

from dunning.domain.control.roles import Caller, groups_of
from dunning.ports import SignedIn, SignInRefused, TransientError

TIMEOUT_SECONDS = 5  # the token endpoint and the JWKS: a sign-in waits no longer
LEEWAY_SECONDS = 30  # clocks of Cognito and Lambda may differ a little
SCOPES = "openid email profile"


@dataclass(frozen=True)
class UserPool:
    region: str
    pool_id: str
    domain_url: str  # the hosted sign-in: https://PREFIX.auth.REGION.amazoncognito.com
    # Where the pool's keys are; on AWS the issuer's well-known path, locally moto's.
    endpoint_url: str | None = None

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        if self.endpoint_url:  # moto serves them under the pool id
            return f"{self.endpoint_url.rstrip('/')}/{self.pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"


@cache
def _keys(jwks_url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(jwks_url, cache_keys=True, timeout=TIMEOUT_SECONDS)


class CognitoSignIn:
    """SignIn (dunning.ports) for one app client of one user pool."""

    def __init__(self, pool: UserPool, client_id: str, keys: jwt.PyJWKClient | None = None):
        self.pool = pool
        self.client_id = client_id
        self.keys = keys or _keys(pool.jwks_url)

    def verify(self, id_token: str) -> SignedIn:
        try:
            key = self.keys.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.pool.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "token_use"]},
            )
        except jwt.PyJWKClientConnectionError as e:
            raise TransientError(f"the user pool's keys cannot be read: {e}") from None
        except jwt.PyJWTError as e:
            raise SignInRefused(f"the ID token is not valid: {e}") from None
        use = claims["token_use"]
        if use != "id":  # an access token has no aud, but be explicit
            raise SignInRefused(f"the token is an {use} token, not an ID token")
        actor = str(claims.get("cognito:username") or claims["sub"])
        caller = Caller(actor, groups_of(claims.get("cognito:groups")))
        return SignedIn(caller, id_token, datetime.fromtimestamp(int(claims["exp"]), UTC))

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> SignedIn:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.client_id,
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        answer = self._post(f"{self.pool.domain_url}/oauth2/token", form)
        token = answer.get("id_token")
        if not isinstance(token, str):
            raise SignInRefused("the token endpoint answered no ID token")
        return self.verify(token)

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.pool.domain_url}/oauth2/authorize?{urllib.parse.urlencode(query)}"

    def logout_url(self, logout_uri: str) -> str:
        query = {"client_id": self.client_id, "logout_uri": logout_uri}
        return f"{self.pool.domain_url}/logout?{urllib.parse.urlencode(query)}"

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        if not url.startswith(("https://", "http://")):  # never file: or another scheme
            raise TransientError(f"the sign-in domain is not an HTTP URL: {url}")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                body: dict[str, Any] = json.loads(response.read())
                return body
        except urllib.error.HTTPError as e:
            if 400 <= e.code < 500:  # invalid_grant: a used, expired or foreign code
                raise SignInRefused(f"the sign-in was refused ({_oauth_error(e)})") from None
            raise TransientError(f"the token endpoint answered {e.code}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as e:
            raise TransientError(f"the token endpoint cannot be reached: {e}") from None


def _oauth_error(e: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(e.read()).get("error", e.code))
    except ValueError:
        return str(e.code)
