"""SPEC 2.10 through API Gateway events to the real API handler over the embedded AWS:
`viewer` reads everything; `collector` also pauses, resumes, records promises, previews
and sends; `approver` also approves, cancels, reconciles and clears bounce marks; IAM
(SigV4) callers keep full access; a request with no identity may do nothing. The check
is the use case's, so the pages (which call the same use case) are held to it too.

The data lives in subsidiary RL01 (customers RL-*); today is 2026-05-04 in Amsterdam.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.phone_marks import PhoneMarksTable
from dunning.api.app import build_app
from dunning.api.openapi import openapi_document
from dunning.composition import bind_table
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver, api_event

pytestmark = pytest.mark.integration

TODAY = "2026-05-04"
NOW = "2026-05-04T12:00:00+00:00"

CONFIG = """
subsidiaries:
  - id: RL01
    name: Roles B.V.
    base_currency: EUR
    timezone: Europe/Amsterdam
    locale: nl
    sender: collections@acme.example
    default_procedure: MAN
procedures:
  - id: MAN
    applies_to: customer
    sending: manual
    levels:
      - {days: 1, template: friendly}
"""

CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency
RL-A,RL01,Approval Test BV,a@rl.example,en,EUR
RL-B,RL01,Bounce Test BV,b@rl.example,en,EUR
"""

INVOICES = """\
invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining
RL-A-I1,RL-A,A-1,2026-03-01,2026-04-01,EUR,100.00,100.00
RL-A-I2,RL-A,A-2,2026-03-01,2026-04-01,EUR,60.00,60.00
RL-B-I1,RL-B,B-1,2026-03-01,2026-04-01,EUR,40.00,40.00
"""

POOL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"


def people(username: str, *groups: str) -> dict[str, Any]:
    """The people API's Lambda authorizer context for a signed-in Cognito user."""
    return {"principalId": username, "actor": username, "groups": ",".join(groups)}


def cognito_claims(username: str, *groups: str) -> dict[str, Any]:
    """A COGNITO_USER_POOLS authorizer's context (claims flattened to text)."""
    claims = {"sub": f"sub-{username}", "iss": POOL, "cognito:username": username}
    return {"claims": claims | {"cognito:groups": ",".join(groups)}}


IAM = {"userArn": "arn:aws:iam::123456789012:role/erp-sync", "caller": "AROAEXAMPLE:erp"}


def call(
    driver: LocalDriver,
    method: str,
    path: str,
    body: Any = None,
    *,
    authorizer: dict[str, Any] | None = None,
    identity: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """One request as API Gateway would pass it, with this caller's identity only."""
    event = api_event(method, path, body, None)
    context = event["requestContext"]
    context["authorizer"] = authorizer
    context["identity"] = {"sourceIp": "10.1.2.3"} | (identity or {})
    response = driver.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", NOW)
        for name, body in [("customers.csv", CUSTOMERS), ("invoices.csv", INVOICES)]:
            outcome = driver.put_object("ImportBucket", f"incoming/rl-test/{name}", body.encode())
            assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
        yield driver
        driver.drain()


def pending_letter(api: LocalDriver, customer_id: str) -> str:
    """The customer's letter awaiting approval (its manual procedure holds it)."""
    status, _ = api.api("POST", f"/customers/{customer_id}/unpause")  # evaluated at once
    assert status == 200
    api.drain()
    _, page = api.api("GET", "/letters", None, {"status": "pending_approval", "since": TODAY})
    (letter_id,) = [x["letter_id"] for x in page["letters"] if x["customer_id"] == customer_id]
    return str(letter_id)


def changes(api: LocalDriver, customer_id: str) -> list[tuple[str, str]]:
    _, answer = api.api("GET", f"/customers/{customer_id}/activity")
    return [(e["action"], e["actor"]) for e in answer["activity"] if e["kind"] == "change"]


def marks(aws: EmbeddedAws) -> BounceMarksTable:
    with aws.function_env("ApiFunction"):
        bind_table(Settings.from_env())
    return BounceMarksTable()


def phone_marks(aws: EmbeddedAws) -> PhoneMarksTable:
    with aws.function_env("ApiFunction"):
        bind_table(Settings.from_env())
    return PhoneMarksTable()


# Every change route, with the least group that may make it.
CHANGES = [
    ("POST", "/customers/RL-A/pause", {"reason": "dispute"}, "collector"),
    ("POST", "/invoices/RL-A-I1/pause", {"reason": "dispute"}, "collector"),
    ("POST", "/invoice-groups/RL-G/pause", {"reason": "dispute"}, "collector"),
    ("POST", "/customers/RL-A/unpause", None, "collector"),
    ("POST", "/invoices/RL-A-I1/unpause", None, "collector"),
    ("POST", "/invoice-groups/RL-G/unpause", None, "collector"),
    (
        "POST",
        "/customers/RL-A/promises",
        {"amount": "10.00", "currency": "EUR", "date": "2026-05-20"},
        "collector",
    ),
    ("POST", "/customers/RL-A/letters", None, "collector"),
    ("GET", "/customers/RL-A/preview", None, "collector"),
    ("POST", "/letters/{letter}/approve", None, "approver"),
    ("POST", "/letters/{letter}/cancel", {"reason": "no"}, "approver"),
    ("POST", "/letters/{letter}/reconcile", {"outcome": "sent"}, "approver"),
    ("DELETE", "/email-marks/b%40rl.example", None, "approver"),
    ("DELETE", "/phone-marks/%2B31612345678", None, "approver"),
]


def test_a_viewer_reads_everything(api: LocalDriver):
    viewer = people("vera", "viewer")
    for path in ["/customers/RL-A", "/customers", "/letters", "/email-marks", "/invoices/RL-A-I1"]:
        status, answer = call(api, "GET", path, authorizer=viewer)
        assert status == 200, (path, answer)
    status, _ = call(api, "GET", "/dashboard/summary", authorizer=viewer)
    assert status == 200


def test_a_viewer_changes_nothing_each_change_route_is_403_naming_the_group(
    api: LocalDriver, aws: EmbeddedAws
):
    letter_id = pending_letter(api, "RL-A")
    at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    marks(aws).mark_address("b@rl.example", "bounce", at, "550 no such user", None)
    phone_marks(aws).mark_phone("+31612345678", at, "opted out", None)
    before = changes(api, "RL-A")
    for method, path, body, group in CHANGES:
        status, answer = call(
            api, method, path.format(letter=letter_id), body, authorizer=people("vera", "viewer")
        )
        assert status == 403, (path, answer)
        assert answer["message"] == (
            f"vera may not {_what(method, path)}: that needs the group {group}"
        ), path
        assert answer["errors"] == [
            {"field": "group", "location": "caller", "message": f"needs the group {group}"}
        ]
    api.drain()
    assert changes(api, "RL-A") == before
    _, letter = api.api("GET", f"/letters/{letter_id}")
    assert letter["status"] == "pending_approval"
    _, centre = api.api("GET", "/customers/RL-A")
    assert centre["pauses"] == [] and centre["promises"] == []
    assert marks(aws).get_mark("b@rl.example") is not None
    assert phone_marks(aws).get_phone_mark("+31612345678") is not None


def _what(method: str, path: str) -> str:
    last = path.rsplit("/", 1)[-1]
    if method == "DELETE":
        return "clear mark"
    names = {"unpause": "resume", "promises": "promise", "letters": "send now"}
    return names.get(last, last)


def test_a_collector_pauses_and_previews_but_cannot_approve(api: LocalDriver):
    letter_id = pending_letter(api, "RL-B")
    collector = cognito_claims("carl", "collector")
    status, _ = call(api, "GET", "/customers/RL-B/preview", authorizer=collector)
    assert status == 200
    status, answer = call(api, "POST", f"/letters/{letter_id}/approve", authorizer=collector)
    assert status == 403 and answer["message"].endswith("needs the group approver")
    _, letter = api.api("GET", f"/letters/{letter_id}")
    assert letter["status"] == "pending_approval"
    status, _ = call(
        api, "POST", "/invoices/RL-B-I1/pause", {"reason": "other"}, authorizer=collector
    )
    assert status == 200
    assert changes(api, "RL-B")[0] == ("pause", "carl")  # the Cognito user name
    status, _ = call(api, "POST", "/invoices/RL-B-I1/unpause", authorizer=collector)
    assert status == 200


def test_an_approver_approves_and_the_log_names_the_cognito_user(api: LocalDriver):
    letter_id = pending_letter(api, "RL-B")
    approver = people("anna", "approver")  # approver alone: the groups are cumulative
    status, letter = call(api, "POST", f"/letters/{letter_id}/approve", authorizer=approver)
    assert status == 200, letter
    assert letter["status"] == "queued" and letter["delivery"]["approved_by"] == "anna"
    assert changes(api, "RL-B")[0] == ("approve", "anna")
    api.drain()


def test_an_iam_caller_keeps_full_access(api: LocalDriver):
    letter_id = pending_letter(api, "RL-A")
    status, letter = call(
        api, "POST", f"/letters/{letter_id}/cancel", {"reason": "x"}, identity=IAM
    )
    assert status == 200, letter
    assert letter["delivery"]["cancelled_by"] == IAM["userArn"]


def test_a_request_with_no_identity_may_not_even_read(api: LocalDriver):
    for path in ["/customers/RL-A", "/dashboard/summary"]:
        status, answer = call(api, "GET", path)
        assert status == 403 and "needs the group viewer" in answer["message"], path


def test_the_openapi_document_names_403_for_the_change_routes():
    paths = json.loads(openapi_document(build_app()))["paths"]
    for method, path, _, _ in CHANGES:
        template = path.replace("RL-A-I1", "{invoice_id}").replace("{letter}", "{letter_id}")
        operation = next(
            ops[method.lower()]
            for p, ops in paths.items()
            if _same_route(p, template) and method.lower() in ops
        )
        response = operation["responses"]["403"]
        assert response["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")


def _same_route(documented: str, concrete: str) -> bool:
    a, b = documented.strip("/").split("/"), concrete.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))
