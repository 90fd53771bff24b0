"""A Cognito ID token is taken only as Cognito documents it: signed by the pool's key
(RS256), issued by the pool, for the pages' app client, an ID token (not an access
token), not expired; the user is its user name, with its groups (SPEC 2.10)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dunning.adapters.cognito import CognitoSignIn, UserPool
from dunning.api.authorizer import Unauthorized, authorize, client_id_of, token_of
from dunning.domain.control.roles import Caller, Group
from dunning.ports import SignInRefused

pytestmark = pytest.mark.unit

POOL = UserPool("eu-west-1", "eu-west-1_abc", "https://x.auth.eu-west-1.amazoncognito.com")
CLIENT = "pages-client"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class PoolKeys:
    """The pool's JWKS as PyJWKClient would hand out its key for a token's kid."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
        kid = jwt.get_unverified_header(token).get("kid")
        if kid != "k1":
            raise jwt.PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return jwt.PyJWK(public | {"kid": "k1", "alg": "RS256"})


SIGN_IN = CognitoSignIn(POOL, CLIENT, keys=PoolKeys())  # type: ignore[arg-type]


def token(key: Any = KEY, kid: str = "k1", **changes: Any) -> str:
    now = int(time.time())
    claims = {
        "sub": "5f1c-…",
        "cognito:username": "eva",
        "cognito:groups": ["collector", "viewer"],
        "iss": POOL.issuer,
        "aud": CLIENT,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
    } | changes
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, key, "RS256", {"kid": kid}
    )


def test_a_valid_id_token_names_the_user_and_its_groups():
    signed_in = SIGN_IN.verify(token())
    assert signed_in.caller == Caller("eva", frozenset({Group.COLLECTOR, Group.VIEWER}))
    assert signed_in.expires_at.timestamp() > time.time()


@pytest.mark.parametrize(
    ("made", "why"),
    [
        (lambda: token(exp=int(time.time()) - 3600), "expired"),
        (
            lambda: token(iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other"),
            "issuer",
        ),
        (lambda: token(aud="another-app"), "Audience"),
        (lambda: token(token_use="access"), "not an ID token"),
        (lambda: token(token_use=None), "token_use"),
        (lambda: token(key=OTHER_KEY), "Signature"),
        (lambda: token(kid="k9"), "signing key"),
        (lambda: jwt.encode({"sub": "x"}, None, "none"), "not valid"),
        (lambda: "not.a.token", "not valid"),
    ],
)
def test_any_other_token_is_refused_saying_why(made: Any, why: str):
    with pytest.raises(SignInRefused, match=why):
        SIGN_IN.verify(made())


def test_the_token_comes_from_a_bearer_header_else_the_cookie():
    assert token_of({"Authorization": "Bearer abc"}) == "abc"
    assert token_of({"cookie": "a=1; dunning_id=xyz; b=2"}) == "xyz"
    assert token_of({"Authorization": "Basic abc", "Cookie": "dunning_id=xyz"}) == "xyz"
    assert token_of({"Cookie": 'bad"cookie'}) is None
    assert token_of(None) is None


def test_the_authorizer_allows_the_method_with_the_user_in_its_context():
    arn = "arn:aws:execute-api:eu-west-1:1:api/v1/GET/customers"
    event = {"methodArn": arn, "headers": {"Cookie": f"dunning_id={token()}"}}
    policy = authorize(event, SIGN_IN)
    assert policy["context"] == {"actor": "eva", "groups": "collector,viewer"}
    assert policy["policyDocument"]["Statement"][0]["Resource"] == arn
    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        authorize(
            {"methodArn": arn, "headers": {"Cookie": f"dunning_id={token(aud='x')}"}}, SIGN_IN
        )


def test_the_app_client_is_the_stages_variable():
    assert client_id_of({"stageVariables": {"PeopleClientId": "c-1"}}) == "c-1"
    with pytest.raises(Unauthorized):
        client_id_of({"stageVariables": None})
