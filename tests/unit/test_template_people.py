"""People sign in (SPEC 2.10) as template.yaml deploys it: a Cognito user pool only an
administrator adds people to, with the groups of dunning.domain.control.roles; a people
API behind the Lambda authorizer, where only signing in and out pass without it; the
machines' API still behind IAM; the authorizer with no AWS permission but its logs."""

from __future__ import annotations

from typing import Any

import pytest

from dunning.api.authorizer import CLIENT_ID_VARIABLE
from dunning.api.routes.auth import CALLBACK_PATH, PAGES_PATH, SIGN_IN_PATH
from dunning.domain.control.roles import Group
from dunning.settings import Settings
from dunning_local.template import load_template

pytestmark = pytest.mark.unit

T = load_template()
R = T.resources
PEOPLE_URL = "https://${PeopleApi}.execute-api.${AWS::Region}.amazonaws.com/v1"


def _events_of(api: str) -> dict[tuple[str, str], Any]:
    return {
        (ev.properties["Path"], ev.properties["Method"]): ev.properties.get("Auth", {}).get(
            "Authorizer"
        )
        for ev in T.events
        if ev.kind == "Api" and ev.properties["RestApiId"] == {"Ref": api}
    }


def test_the_pool_has_the_three_groups_of_the_roles():
    groups = T.of_type("AWS::Cognito::UserPoolGroup").values()
    assert {g["Properties"]["GroupName"] for g in groups} == {str(g) for g in Group}
    assert all(g["Properties"]["UserPoolId"] == {"Ref": "PeopleUserPool"} for g in groups)


def test_only_an_administrator_adds_people_with_strong_passwords_and_optional_mfa():
    pool = R["PeopleUserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    assert all(policy[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers"))
    assert policy["RequireSymbols"] is True
    assert pool["MfaConfiguration"] == "OPTIONAL" and pool["EnabledMfas"]


def test_the_pages_client_uses_the_code_flow_back_to_the_people_api():
    client = R["PeopleClient"]["Properties"]
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit flow: tokens never in URLs
    assert client["GenerateSecret"] is False  # a public client: PKCE (routes/auth.py)
    assert "openid" in client["AllowedOAuthScopes"]
    assert client["CallbackURLs"] == [{"Fn::Sub": PEOPLE_URL + CALLBACK_PATH}]
    assert client["LogoutURLs"] == [{"Fn::Sub": PEOPLE_URL + PAGES_PATH}]
    assert R["PeopleSignInDomain"]["Properties"]["UserPoolId"] == {"Ref": "PeopleUserPool"}


def test_the_people_api_passes_the_authorizer_except_to_sign_in_and_out():
    api = R["PeopleApi"]["Properties"]
    auth = api["Auth"]
    assert auth["DefaultAuthorizer"] == "PeopleAuthorizer"
    authorizer = auth["Authorizers"]["PeopleAuthorizer"]
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["FunctionArn"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    # No cache: the token comes from a cookie or a bearer header, one identity source
    # would make API Gateway refuse requests without it.
    assert authorizer["Identity"]["ReauthorizeEvery"] == 0
    assert _events_of("PeopleApi") == {
        ("/", "ANY"): None,
        ("/{proxy+}", "ANY"): None,
        (SIGN_IN_PATH, "GET"): "NONE",
        (CALLBACK_PATH, "GET"): "NONE",
        ("/app/auth/sign-out", "GET"): "NONE",
    }
    # the tokens' audience, handed to both functions with the request
    assert api["Variables"] == {CLIENT_ID_VARIABLE: {"Ref": "PeopleClient"}}
    unauthorized = api["GatewayResponses"]["UNAUTHORIZED"]
    assert unauthorized["StatusCode"] == 302
    assert unauthorized["ResponseParameters"]["Headers"]["Location"] == f"'/v1{SIGN_IN_PATH}'"


def test_machines_keep_iam_on_the_collections_api():
    assert R["CollectionsApi"]["Properties"]["Auth"] == {"DefaultAuthorizer": "AWS_IAM"}
    assert "NONE" not in {v for k, v in _events_of("CollectionsApi").items() if k[1] != "OPTIONS"}


def test_the_authorizer_may_only_log_and_knows_its_pool():
    fn = R["AuthorizerFunction"]["Properties"]
    assert "Policies" not in fn  # SAM's role: basic execution (logs) and X-Ray only
    assert fn["Environment"]["Variables"] == {"USER_POOL_ID": {"Ref": "PeopleUserPool"}}
    assert fn["Layers"] == [{"Ref": "SharedLayer"}]


def test_the_api_function_signs_in_with_the_same_pool_and_its_hosted_domain():
    env = R["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["USER_POOL_ID"] == {"Ref": "PeopleUserPool"}
    domain = "https://${PeopleSignInDomain}.auth.${AWS::Region}.amazoncognito.com"
    assert env["SIGN_IN_DOMAIN"] == {"Fn::Sub": domain}
    settings = Settings.from_env(
        {"TABLE_NAME": "t", "CONFIG_BUCKET": "b", "USER_POOL_ID": "p", "SIGN_IN_DOMAIN": "d/"}
    )
    assert (settings.user_pool_id, settings.sign_in_domain) == ("p", "d")


def test_the_outputs_name_the_pool_the_client_and_the_sign_in_url():
    outputs = T.outputs
    assert outputs["UserPoolId"]["Value"] == {"Ref": "PeopleUserPool"}
    assert outputs["UserPoolClientId"]["Value"] == {"Ref": "PeopleClient"}
    assert outputs["SignInUrl"]["Value"] == {"Fn::Sub": PEOPLE_URL + SIGN_IN_PATH}
    assert outputs["PeopleUrl"]["Value"] == {"Fn::Sub": PEOPLE_URL + PAGES_PATH}


def test_the_people_api_hands_browsers_a_letters_pdf_as_bytes():
    # A browser's Accept starts with text/html: only */* makes API Gateway decode the PDF.
    assert R["PeopleApi"]["Properties"]["BinaryMediaTypes"] == ["*~1*"]
