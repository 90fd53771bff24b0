"""People sign in (SPEC 2.10) with the template's Cognito user pool, created in the
embedded AWS (moto signs real RS256 ID tokens and serves the pool's keys): the people
API's authorizer verifies a token from the cookie or a bearer header and passes the
user's name and groups on; the API acts for that user; the sign-in routes run the
authorization-code flow with PKCE and set the cookie."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dunning.adapters.cognito import CognitoSignIn, UserPool
from dunning.api import ApiDeps, app_for
from dunning.ports import SignInRefused
from dunning.usecases.collector_actions import CollectorDeps
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LambdaContext, LocalDriver, api_event

pytestmark = pytest.mark.integration

PASSWORD = "Correct-Horse-Battery-9"
METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/customers/SI-1/pause"
DOMAIN = "abc123.execute-api.eu-west-1.amazonaws.com"


CONFIG = """
subsidiaries:
  - {id: SI01, name: Sign-in B.V., base_currency: EUR, timezone: Europe/Amsterdam,
     locale: nl, sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels: [{days: 1, template: friendly}]
"""


@pytest.fixture(scope="module")
def pool(aws: EmbeddedAws) -> dict[str, str]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    return {
        "pool_id": aws.deployment.refs["PeopleUserPool"],
        "client_id": aws.deployment.refs["PeopleClient"],
    }


def user(aws: EmbeddedAws, pool: dict[str, str], name: str, *groups: str) -> str:
    """A user an administrator created, in `groups`; its ID token from the pool."""
    idp = aws.client("cognito-idp")
    idp.admin_create_user(UserPoolId=pool["pool_id"], Username=name, MessageAction="SUPPRESS")
    idp.admin_set_user_password(
        UserPoolId=pool["pool_id"], Username=name, Password=PASSWORD, Permanent=True
    )
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool["pool_id"], Username=name, GroupName=group)
    return id_token(aws, pool, name)


def id_token(aws: EmbeddedAws, pool: dict[str, str], name: str, client: str | None = None) -> str:
    answer = aws.client("cognito-idp").admin_initiate_auth(
        UserPoolId=pool["pool_id"],
        ClientId=client or pool["client_id"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": name, "PASSWORD": PASSWORD},
    )
    return str(answer["AuthenticationResult"]["IdToken"])


def authorizer_event(pool: dict[str, str], headers: dict[str, str]) -> dict[str, Any]:
    """A REQUEST authorizer's event as API Gateway sends it."""
    return {
        "type": "REQUEST",
        "methodArn": METHOD_ARN,
        "resource": "/{proxy+}",
        "path": "/customers/SI-1/pause",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "stageVariables": {"PeopleClientId": pool["client_id"]},
        "requestContext": {"stage": "v1", "domainName": DOMAIN},
    }


@pytest.fixture(scope="module")
def tokens(aws: EmbeddedAws, pool: dict[str, str]) -> dict[str, str]:
    return {
        "carl": user(aws, pool, "carl", "collector"),
        "nora": user(aws, pool, "nora"),  # signed in, in no group
    }


def test_a_cookie_with_a_valid_id_token_is_allowed_with_the_users_groups(
    driver: LocalDriver, pool: dict[str, str], tokens: dict[str, str]
):
    event = authorizer_event(pool, {"Cookie": f"theme=dark; dunning_id={tokens['carl']}"})
    policy = driver.invoke("AuthorizerFunction", event)
    assert policy["principalId"] == "carl"
    assert policy["context"] == {"actor": "carl", "groups": "collector"}
    (statement,) = policy["policyDocument"]["Statement"]
    assert statement == {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}


def test_a_bearer_header_works_as_the_cookie_does(
    driver: LocalDriver, pool: dict[str, str], tokens: dict[str, str]
):
    event = authorizer_event(pool, {"authorization": f"Bearer {tokens['carl']}"})
    assert driver.invoke("AuthorizerFunction", event)["context"]["actor"] == "carl"


def test_no_token_a_forged_one_or_one_for_another_app_is_unauthorized(
    aws: EmbeddedAws, driver: LocalDriver, pool: dict[str, str], tokens: dict[str, str]
):
    other = aws.client("cognito-idp").create_user_pool_client(
        UserPoolId=pool["pool_id"],
        ClientName="another-app",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    head, claims, signature = tokens["carl"].split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
    payload["cognito:groups"] = ["approver"]
    forged_claims = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    for headers in [
        {},
        {"Cookie": "dunning_id="},
        {"Cookie": f"dunning_id={head}.{forged_claims}.{signature}"},
        {"Authorization": f"Bearer {id_token(aws, pool, 'carl', client=other)}"},
        {"Authorization": "Basic Y2FybDpwYXNz"},
    ]:
        with pytest.raises(Exception, match=r"^Unauthorized$"):  # API Gateway's 401
            driver.invoke("AuthorizerFunction", authorizer_event(pool, headers))


def test_the_api_acts_for_the_user_the_authorizer_let_in(
    aws: EmbeddedAws, driver: LocalDriver, pool: dict[str, str], tokens: dict[str, str]
):
    """The authorizer's context, as API Gateway passes it to the API: the user's groups
    decide, and the audit names the Cognito user."""

    def as_user(name: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        policy = driver.invoke(
            "AuthorizerFunction", authorizer_event(pool, {"Cookie": f"dunning_id={tokens[name]}"})
        )
        event = api_event(method, path, body, None)
        event["requestContext"]["authorizer"] = policy["context"] | {
            "principalId": policy["principalId"]
        }
        response = driver.invoke("ApiFunction", event)
        return response["statusCode"], json.loads(response["body"])

    status, answer = as_user("nora", "GET", "/letters")
    assert status == 403 and answer["message"] == "nora may not read: that needs the group viewer"
    status, answer = as_user("carl", "POST", "/customers/SI-NONE/pause", {"reason": "other"})
    assert status == 404  # allowed to pause: the customer does not exist
    status, answer = as_user("carl", "POST", "/letters/SI-NONE/approve")
    assert status == 403 and "needs the group approver" in answer["message"]


# --- the sign-in routes -----------------------------------------------------------------


class TokenEndpoint(CognitoSignIn):
    """The real sign-in with Cognito's token endpoint played here: it hands out the ID
    token of a code once, if the verifier matches the challenge it was asked with."""

    def __init__(self, pool: UserPool, client_id: str, token: str, challenge: dict[str, str]):
        super().__init__(pool, client_id)
        self.token, self.challenge, self.seen = token, challenge, []

    def _post(self, url: str, form: dict[str, str]) -> dict[str, Any]:
        self.seen.append((url, form))
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.challenge["value"]:
            raise SignInRefused("the sign-in was refused (invalid_grant)")
        return {"id_token": self.token, "token_type": "Bearer"}


@pytest.fixture
def people_app(
    aws: EmbeddedAws, pool: dict[str, str], tokens: dict[str, str]
) -> Iterator[tuple[Any, TokenEndpoint]]:
    endpoint = aws.deployment.function_env["ApiFunction"]
    user_pool = UserPool(REGION, pool["pool_id"], endpoint["SIGN_IN_DOMAIN"], aws.moto.url)
    fake = TokenEndpoint(user_pool, pool["client_id"], tokens["carl"], {})
    idle: Any = None  # signing in reads and writes no dunning data
    deps = ApiDeps(CollectorDeps(idle, idle, idle, idle, idle, idle), sign_in=lambda _: fake)
    yield deps, fake


def people_request(path: str, query: dict[str, str] | None, cookie: str | None, pool: dict):
    event = api_event("GET", path, None, query)
    event["requestContext"] |= {"authorizer": None, "domainName": DOMAIN, "stage": "v1"}
    event["stageVariables"] = {"PeopleClientId": pool["client_id"]}
    if cookie:
        event["headers"]["Cookie"] = cookie
        event["multiValueHeaders"]["Cookie"] = [cookie]
    return event


def cookies_of(response: dict[str, Any]) -> dict[str, str]:
    return {c.split("=", 1)[0]: c for c in response["multiValueHeaders"].get("Set-Cookie", [])}


def test_signing_in_runs_the_code_flow_with_pkce_and_sets_a_safe_cookie(
    people_app: Any, pool: dict[str, str]
):
    deps, fake = people_app
    start = app_for(deps).resolve(
        people_request("/app/auth/sign-in", None, None, pool), LambdaContext("ApiFunction")
    )
    assert start["statusCode"] == 302
    location = urlsplit(start["multiValueHeaders"]["Location"][0])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert location.path == "/oauth2/authorize" and location.netloc.endswith(".amazoncognito.com")
    assert query["client_id"] == pool["client_id"] and query["response_type"] == "code"
    assert query["redirect_uri"] == f"https://{DOMAIN}/v1/app/auth/callback"
    assert query["code_challenge_method"] == "S256"
    flow = cookies_of(start)["dunning_sign_in"]
    assert "HttpOnly" in flow and "Secure" in flow and "SameSite=Lax" in flow
    fake.challenge["value"] = query["code_challenge"]
    flow_cookie = flow.split(";", 1)[0]

    for state in ["someone-else", "é"]:  # not this browser's (nor even ASCII)
        other = app_for(deps).resolve(
            people_request(
                "/app/auth/callback", {"code": "c-1", "state": state}, flow_cookie, pool
            ),
            LambdaContext("ApiFunction"),
        )
        assert other["statusCode"] == 401 and "state does not match" in other["body"]
    forged_verifier = f"dunning_sign_in={query['state']}.not-the-verifier"
    wrong = app_for(deps).resolve(
        people_request(
            "/app/auth/callback", {"code": "c-1", "state": query["state"]}, forged_verifier, pool
        ),
        LambdaContext("ApiFunction"),
    )
    assert wrong["statusCode"] == 401 and "invalid_grant" in wrong["body"]
    refused = app_for(deps).resolve(
        people_request(
            "/app/auth/callback",
            {"error": "access_denied", "error_description": "User is disabled."},
            flow_cookie,
            pool,
        ),
        LambdaContext("ApiFunction"),
    )
    assert refused["statusCode"] == 401 and "User is disabled." in refused["body"]

    done = app_for(deps).resolve(
        people_request(
            "/app/auth/callback", {"code": "c-1", "state": query["state"]}, flow_cookie, pool
        ),
        LambdaContext("ApiFunction"),
    )
    assert done["statusCode"] == 302, done
    assert done["multiValueHeaders"]["Location"] == [f"https://{DOMAIN}/v1/app/"]
    session = cookies_of(done)["dunning_id"]
    assert session.startswith(f"dunning_id={fake.token};")
    assert all(flag in session for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"))
    assert len(fake.seen) == 2  # the forged verifier, then the right one
    url, form = fake.seen[-1]
    assert url.endswith("/oauth2/token") and form["grant_type"] == "authorization_code"
    assert form["redirect_uri"] == query["redirect_uri"]


def test_signing_out_clears_the_cookie_and_leaves_through_the_hosted_sign_out(
    people_app: Any, pool: dict[str, str]
):
    deps, _ = people_app
    out = app_for(deps).resolve(
        people_request("/app/auth/sign-out", None, "dunning_id=x", pool),
        LambdaContext("ApiFunction"),
    )
    assert out["statusCode"] == 302
    location = urlsplit(out["multiValueHeaders"]["Location"][0])
    assert location.path == "/logout"
    assert parse_qs(location.query)["logout_uri"] == [f"https://{DOMAIN}/v1/app/"]
    assert cookies_of(out)["dunning_id"].startswith("dunning_id=; Path=/; Max-Age=0")


def test_nobody_signs_in_through_dunning_serve(driver: LocalDriver):
    status, answer = driver.api("GET", "/app/auth/sign-in")
    assert status == 404 and "dunning serve signs everyone in as local" in answer["message"]
