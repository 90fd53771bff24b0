"""The collections API (SPEC 3.3, 2.4, 2.5) through API Gateway events to the real API
handler, over the embedded AWS: every route with good and bad input.

The data lives in subsidiary AP01 (customers AP-*), apart from other tests' data;
today is 2026-05-04 in Amsterdam. Tests use their own customers, so their order
does not matter.
"""

from __future__ import annotations

import base64
import email
import json
import urllib.request
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from aws_lambda_powertools.utilities.typing import LambdaContext
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dunning.api import ApiDeps, app_for, build_app, openapi_document
from dunning.messages import EvaluateShard
from dunning.usecases.collector_actions import CollectorDeps
from dunning_local.aws import EmbeddedAws
from dunning_local.cli.serve import ApiGateway
from dunning_local.driver import LocalDriver, api_event, sqs_record

pytestmark = pytest.mark.integration

TODAY = "2026-05-04"
NOW = "2026-05-04T12:00:00+00:00"

CONFIG = """
subsidiaries:
  - id: AP01
    name: API Test B.V.
    base_currency: EUR
    timezone: Europe/Amsterdam
    locale: nl
    sender: collections@acme.example
    default_procedure: STD
procedures:
  - id: STD
    applies_to: customer
    days_between_letters: 7
    promise_grace_days: 2
    levels:
      - {days: 1, template: friendly}
      - {days: 15, template: firm, fee: {EUR: 10}}
      - {days: 30, template: final}
  - id: KEY
    applies_to: customer
    sending: manual
    levels:
      - {days: 1, template: friendly}
      - {days: 30, template: firm}
"""

CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency,parent_id,bill_to_parent,procedure_id
AP-P1,AP01,Pause Test BV,p1@ap.example,nl,EUR,,,
AP-U1,AP01,Unpause Test BV,u1@ap.example,nl,EUR,,,
AP-PR1,AP01,Promise Test BV,pr1@ap.example,en,EUR,,,
AP-S1,AP01,Send Test BV,s1@ap.example,en,EUR,,,
AP-S2,AP01,Preview Test GmbH,s2@ap.example,de,EUR,,,
AP-K1,AP01,Key One BV,k1@ap.example,en,EUR,,,KEY
AP-K2,AP01,Key Two BV,k2@ap.example,en,EUR,,,KEY
AP-D1,AP01,Dropped Test BV,d1@ap.example,en,EUR,,,
AP-PAR,AP01,Parent BV,par@ap.example,en,EUR,,,
AP-CHD,AP01,Child BV,chd@ap.example,en,EUR,AP-PAR,true,
AP-NONE,AP01,Nothing Open BV,none@ap.example,en,EUR,,,
"""

GROUPS = """group_id,customer_id,procedure_id
AP-G1,AP-P1,
"""

INVOICES = """\
invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining,\
group_id,status,paid_date
AP-P1-I1,AP-P1,P1-1,2026-03-01,2026-04-01,EUR,100.00,100.00,,,
AP-P1-I2,AP-P1,P1-2,2026-03-01,2026-04-01,EUR,200.00,200.00,AP-G1,,
AP-U1-I1,AP-U1,U1-1,2026-04-01,2026-04-20,EUR,80.00,80.00,,,
AP-PR1-I1,AP-PR1,PR1-1,2026-03-01,2026-04-01,EUR,1000.00,1000.00,,,
AP-S1-I1,AP-S1,S1-1,2026-03-01,2026-04-01,EUR,300.00,300.00,,,
AP-S2-I1,AP-S2,S2-1,2026-04-01,2026-04-24,EUR,400.00,400.00,,,
AP-K1-I1,AP-K1,K1-1,2026-04-01,2026-04-20,EUR,500.00,500.00,,,
AP-K2-I1,AP-K2,K2-1,2026-04-01,2026-04-20,EUR,600.00,600.00,,,
AP-D1-I1,AP-D1,D1-1,2026-04-01,2026-04-20,EUR,700.00,700.00,,,
AP-PAR-I1,AP-PAR,PAR-1,2026-04-01,2026-04-20,EUR,90.00,90.00,,,
AP-CHD-I1,AP-CHD,CHD-1,2026-04-01,2026-04-21,EUR,60.00,60.00,,,
AP-NONE-I1,AP-NONE,NONE-1,2026-03-01,2026-04-01,EUR,50.00,0.00,,paid,2026-04-02
"""


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    """AP01's configuration and data loaded, the clock at TODAY; queues drained after."""
    put_config(aws, CONFIG)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", NOW)
        for name, body in [
            ("customers.csv", CUSTOMERS),
            ("invoice_groups.csv", GROUPS),
            ("invoices.csv", INVOICES),
        ]:
            outcome = driver.put_object("ImportBucket", f"incoming/api-test/{name}", body.encode())
            assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
        yield driver
        driver.drain()  # nothing of this module is left for the next one


def put_config(aws: EmbeddedAws, text: str) -> None:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=text.encode()
    )


def ok(driver: LocalDriver, method: str, path: str, body: Any = None, **query: str) -> Any:
    status, answer = driver.api(method, path, body, query or None)
    assert status == 200, (status, answer)
    return answer


def refused(
    driver: LocalDriver, method: str, path: str, body: Any = None, **query: str
) -> tuple[int, dict]:
    status, answer = driver.api(method, path, body, query or None)
    assert 400 <= status < 500, (status, answer)
    assert isinstance(answer, dict) and answer["message"], answer
    return status, answer


def history(driver: LocalDriver, customer_id: str) -> list[dict]:
    return ok(driver, "GET", f"/customers/{customer_id}/letters")["letters"]


def emails_for(aws: EmbeddedAws, letter_id: str) -> int:
    with urllib.request.urlopen(f"{aws.moto.url}/moto-api/data.json") as r:
        data = json.load(r)
    raw = [m["raw_data"] for m in data.get("ses", {}).get("RawMessage", [])]
    return sum(email.message_from_string(m)["X-Dunning-Letter-Id"] == letter_id for m in raw)


# --- pause and resume -------------------------------------------------------------------


def test_pausing_twice_is_one_pause_and_holds_the_customer(api: LocalDriver):
    body = {"reason": "dispute", "note": "wrong delivery", "until": "2026-05-20"}
    first = ok(api, "POST", "/customers/AP-P1/pause", body)
    assert first == {
        "target": "customer",
        "id": "AP-P1",
        "customer_id": "AP-P1",
        "reason": "dispute",
        "note": "wrong delivery",
        "until": "2026-05-20",
        "changed": True,
    }
    assert ok(api, "POST", "/customers/AP-P1/pause", body)["changed"] is False
    status, answer = refused(api, "POST", "/customers/AP-P1/letters", {})
    assert status == 409 and "paused (dispute) until 2026-05-20" in answer["message"]
    status, answer = refused(api, "GET", "/customers/AP-P1/preview")
    assert status == 409


def test_invoices_and_groups_are_paused_by_id(api: LocalDriver):
    paused = ok(api, "POST", "/invoices/AP-P1-I1/pause", {"reason": "other"})
    assert (paused["target"], paused["customer_id"], paused["until"]) == ("invoice", "AP-P1", None)
    group = ok(api, "POST", "/invoice-groups/AP-G1/pause", {"reason": "payment_arrangement"})
    assert (group["target"], group["customer_id"]) == ("invoice_group", "AP-P1")
    resumed = ok(api, "POST", "/invoices/AP-P1-I1/unpause", {})
    assert resumed["was_paused"] is True
    again = ok(api, "POST", "/invoices/AP-P1-I1/unpause")
    assert again["was_paused"] is False  # repeating is harmless
    assert ok(api, "POST", "/invoice-groups/AP-G1/unpause")["was_paused"] is True


def test_unpause_evaluates_just_that_customer_at_once(api: LocalDriver, aws: EmbeddedAws):
    ok(api, "POST", "/customers/AP-U1/pause", {"reason": "other"})
    resumed = ok(api, "POST", "/customers/AP-U1/unpause", {})
    assert resumed["was_paused"] is True
    assert resumed["evaluation"] == {
        "subsidiary_id": "AP01",
        "as_of": TODAY,
        "first_customer": "AP-U1",
        "last_customer": "AP-U1",
    }
    api.drain()
    letters = history(api, "AP-U1")
    assert [(x["as_of"], x["level"], x["status"]) for x in letters] == [(TODAY, 1, "sent")]
    assert history(api, "AP-S2") == []  # overdue too, but not evaluated


def test_a_pause_between_evaluation_and_sending_drops_the_letter(
    api: LocalDriver, aws: EmbeddedAws
):
    # Evaluate AP-D1 alone and stop before the letter job is delivered.
    message = EvaluateShard("AP01", date(2026, 5, 4), "AP-D1", "AP-D1")
    record = {
        "MessageId": "test-evaluate-ap-d1",
        "ReceiptHandle": "none",
        "Body": message.to_json(),
    }
    arn = aws.deployment.attrs["EvaluationQueue.Arn"]
    result = api.invoke("EvaluateFunction", {"Records": [sqs_record(record, arn)]})
    assert result == {"batchItemFailures": []}
    ok(api, "POST", "/customers/AP-D1/pause", {"reason": "dispute", "note": "called us"})
    api.drain()
    (letter,) = history(api, "AP-D1")
    assert letter["status"] == "dropped"
    assert emails_for(aws, letter["letter_id"]) == 0


# --- promises ---------------------------------------------------------------------------


def test_a_promise_pauses_until_its_date_plus_grace_and_is_recorded_once(api: LocalDriver):
    body = {"amount": "400.00", "currency": "EUR", "date": "2026-05-09"}
    first = ok(api, "POST", "/customers/AP-PR1/promises", body)
    assert first == {
        "customer_id": "AP-PR1",
        "amount": "400.00",
        "currency": "EUR",
        "date": "2026-05-09",
        "balance_at_promise": "1000.00",
        "paused_until": "2026-05-11",  # promise_grace_days 2
        "created": True,
    }
    assert ok(api, "POST", "/customers/AP-PR1/promises", body)["created"] is False
    status, answer = refused(api, "POST", "/customers/AP-PR1/promises", body | {"amount": 500})
    assert status == 409 and "already recorded" in answer["message"]
    status, answer = refused(api, "GET", "/customers/AP-PR1/preview")
    assert status == 409 and "paused" in answer["message"]


def test_promises_that_cannot_hold_are_refused(api: LocalDriver):
    day = "2026-05-09"
    status, answer = refused(
        api,
        "POST",
        "/customers/AP-S1/promises",
        {"amount": "300.01", "currency": "EUR", "date": day},
    )
    assert status == 422 and answer["errors"][0]["field"] == "amount"
    assert "open balance of 300.00 EUR" in answer["message"]
    status, answer = refused(
        api, "POST", "/customers/AP-S1/promises", {"amount": 10, "currency": "USD", "date": day}
    )
    assert status == 409 and "no open balance in USD" in answer["message"]
    status, answer = refused(
        api, "POST", "/customers/AP-CHD/promises", {"amount": 10, "currency": "EUR", "date": day}
    )
    assert status == 409 and "billed to its parent AP-PAR" in answer["message"]


# --- send now and preview ---------------------------------------------------------------


def test_preview_renders_the_letter_and_changes_nothing(api: LocalDriver):
    answer = ok(api, "GET", "/customers/AP-S2/preview")
    (preview,) = answer["letters"]
    assert (answer["as_of"], answer["dunned_as"]) == (TODAY, "AP-S2")
    assert preview["language"] == "de"
    assert preview["subject"] and "S2-1" in preview["html"] and "S2-1" in preview["text"]
    assert preview["to"] == ["s2@ap.example"] and preview["channels"] == ["email"]
    assert (preview["letter"]["level"], preview["letter"]["amount_due"]) == (1, "400.00")
    firm = ok(api, "GET", "/customers/AP-S2/preview", level="2")["letters"][0]["letter"]
    assert (firm["level"], firm["template"], firm["fees"]) == (2, "firm", "10.00")
    assert history(api, "AP-S2") == []


def test_send_now_sends_what_is_due_once(api: LocalDriver, aws: EmbeddedAws):
    sent = ok(api, "POST", "/customers/AP-S1/letters")
    (letter,) = sent["letters"]
    assert (letter["level"], letter["template"], letter["status"]) == (3, "final", "queued")
    again = ok(api, "POST", "/customers/AP-S1/letters", {})  # its state says: sent today
    assert again["letters"] == [] and "no letter is due" in again["message"]
    api.drain()
    assert [(x["letter_id"], x["status"]) for x in history(api, "AP-S1")] == [
        (letter["letter_id"], "sent")
    ]
    assert emails_for(aws, letter["letter_id"]) == 1
    by_hand = ok(api, "POST", "/customers/AP-S1/letters", {"level": 1})
    assert by_hand["letters"] == [] and by_hand["skipped"][0]["code"] == "sent_today"
    listed = ok(api, "GET", "/invoices/AP-S1-I1/letters")["letters"]
    assert [x["letter_id"] for x in listed] == [letter["letter_id"]]


def test_a_child_billed_to_its_parent_is_dunned_on_the_parents_letter(api: LocalDriver):
    sent = ok(api, "POST", "/customers/AP-CHD/letters", {"level": 1})
    assert sent["dunned_as"] == "AP-PAR"
    (letter,) = sent["letters"]
    assert [i["invoice_id"] for i in letter["items"]] == ["AP-PAR-I1", "AP-CHD-I1"]
    api.drain()
    assert [x["letter_id"] for x in history(api, "AP-CHD")] == [letter["letter_id"]]
    assert [x["letter_id"] for x in history(api, "AP-PAR")] == [letter["letter_id"]]


# --- approval ---------------------------------------------------------------------------


def _pending_letter(api: LocalDriver, customer_id: str) -> dict:
    ok(api, "POST", f"/customers/{customer_id}/unpause")  # evaluates the customer now
    api.drain()
    pending = ok(api, "GET", "/letters", status="pending_approval", since=TODAY)["letters"]
    (letter,) = [x for x in pending if x["customer_id"] == customer_id]
    return letter


def test_approving_twice_sends_once_and_sets_the_scope_state(api: LocalDriver, aws: EmbeddedAws):
    letter = _pending_letter(api, "AP-K1")
    path = f"/letters/{letter['letter_id']}/approve"
    approved = ok(api, "POST", path, {})
    assert approved["status"] == "queued" and approved["delivery"]["approved_on"] == TODAY
    assert approved["delivery"]["approved_by"] == "local"  # the local driver's caller
    assert ok(api, "POST", path)["status"] in {"queued", "sent"}
    api.drain()
    assert ok(api, "POST", path)["status"] == "sent"
    assert emails_for(aws, letter["letter_id"]) == 1
    # the scope's state holds level 1 sent today: no second letter today, even by hand
    skipped = ok(api, "POST", "/customers/AP-K1/letters", {"level": 1})["skipped"]
    assert [s["code"] for s in skipped] == ["sent_today"]
    status, answer = refused(api, "POST", f"/letters/{letter['letter_id']}/cancel")
    assert status == 409 and "is sent" in answer["message"]
    one = ok(api, "GET", "/customers/AP-K1/letters", limit="1")
    assert (one["count"], one["more"]) == (1, False)
    page = ok(api, "GET", "/letters", status="sent", limit="1")  # more were sent today
    assert (page["count"], page["more"]) == (1, True)


def test_cancelling_records_nothing_as_sent(api: LocalDriver, aws: EmbeddedAws):
    letter = _pending_letter(api, "AP-K2")
    path = f"/letters/{letter['letter_id']}/cancel"
    assert ok(api, "POST", path, {})["status"] == "cancelled"
    assert ok(api, "POST", path)["status"] == "cancelled"
    status, answer = refused(api, "POST", f"/letters/{letter['letter_id']}/approve")
    assert status == 409 and "cancelled" in answer["message"]
    api.drain()
    assert [x["status"] for x in history(api, "AP-K2")] == ["cancelled"]
    assert emails_for(aws, letter["letter_id"]) == 0
    assert ok(api, "GET", "/letters", status="cancelled", since=TODAY)["count"] >= 1


# --- bad input: 4xx with a message naming what is wrong, never 5xx ------------------------


BAD_BODIES = [
    ("/customers/AP-NONE/pause", None, "body", "a JSON object is required"),
    ("/customers/AP-NONE/pause", "", "body", "a JSON object is required"),
    ("/customers/AP-NONE/pause", {}, "reason", "is required"),
    ("/customers/AP-NONE/pause", "[]", "body", "must be a JSON object"),
    ("/customers/AP-NONE/pause", "null", "body", "a JSON object is required"),
    ("/customers/AP-NONE/pause", '"dispute"', "body", "must be a JSON object"),
    ("/customers/AP-NONE/pause", "{reason: dispute}", "body", "not valid JSON"),
    ("/customers/AP-NONE/pause", {"reason": "holiday"}, "reason", "dispute"),
    ("/customers/AP-NONE/pause", {"reason": 5}, "reason", "dispute"),
    ("/customers/AP-NONE/pause", {"reason": "other", "note": 12}, "note", "string"),
    ("/customers/AP-NONE/pause", {"reason": "other", "colour": "red"}, "colour", "unknown field"),
    ("/customers/AP-NONE/pause", {"reason": "other", "until": "2026-02-30"}, "until", "ISO date"),
    ("/customers/AP-NONE/pause", {"reason": "other", "until": "soon"}, "until", "ISO date"),
    ("/customers/AP-NONE/pause", {"reason": "other", "until": 20260510}, "until", "ISO date"),
    ("/customers/AP-NONE/pause", {"reason": "other", "until": "2026-05-03"}, "until", "past"),
    ("/customers/AP-NONE/pause", {"reason": "other", "note": "x" * 2001}, "note", "2000"),
    ("/invoices/AP-P1-I1/unpause", {"please": True}, "please", "unknown field"),
    ("/letters/L1/approve", {"now": 1}, "now", "unknown field"),
    ("/customers/AP-S1/promises", {}, "amount", "is required"),
    ("/customers/AP-S1/promises", {"amount": "1", "currency": "EUR"}, "date", "is required"),
    (
        "/customers/AP-S1/promises",
        {"amount": "-5", "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "greater than 0",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "abc", "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "decimal",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1.234", "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "2 decimal",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1", "currency": "eur", "date": "2026-05-09"},
        "currency",
        "ISO 4217",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1", "currency": "XYZ", "date": "2026-05-09"},
        "currency",
        "ISO 4217",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1", "currency": "EUR", "date": "2026-05-01"},
        "date",
        "past",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "NaN", "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "finite number",
    ),
    (
        "/customers/AP-S1/promises",
        '{"amount": NaN, "currency": "EUR", "date": "2026-05-09"}',
        "body",
        "NaN is not a number",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1", "currency": "EUR", "date": "9999-12-31"},
        "date",
        "from 1900-01-01 to 2199-12-31",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1", "currency": "EUR", "date": "1899-12-31"},
        "date",
        "from 1900-01-01 to 2199-12-31",
    ),
    ("/customers/AP-NONE/pause", {"reason": "other", "until": "9999-12-31"}, "until", "2199-12-31"),
    (
        "/customers/AP-S1/promises",
        {"amount": "1E+16", "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "less than or equal to 1000000000000000",
    ),
    (
        "/customers/AP-S1/promises",
        {"amount": "1" * 10_000, "currency": "EUR", "date": "2026-05-09"},
        "amount",
        "18 digits",
    ),
    (
        "/customers/AP-S1/promises",
        '{"amount": %s, "currency": "EUR", "date": "2026-05-09"}' % ("1" * 10_000),
        "body",
        "not valid JSON",
    ),
    (
        "/customers/AP-S1/promises",
        '{"amount": "1", "currency": "EUR", "date": "2026-05-09", "amount": "1000"}',
        "body",
        "the key 'amount' appears more than once",
    ),
    (
        "/customers/AP-NONE/pause",
        '{"reason": "other", "note": {"a": 1, "a": 2}}',
        "body",
        "the key 'a' appears more than once",
    ),
    ("/customers/AP-S1/letters", {"level": 0}, "level", "greater than or equal to 1"),
    ("/customers/AP-S1/letters", {"level": "two"}, "level", "integer"),
    ("/customers/AP-S1/letters", {"level": 16}, "level", "less than or equal to 15"),
    ("/customers/AP-S1/letters", {"level": 4}, "level", "procedure STD has 3 level(s)"),
    ("/customers/AP-S1/letters", {"levle": 1}, "levle", "unknown field"),
]


@pytest.mark.parametrize(("path", "body", "field", "words"), BAD_BODIES)
def test_bad_bodies_are_refused_naming_the_field(
    api: LocalDriver, path: str, body: Any, field: str, words: str
):
    status, answer = refused(api, "POST", path, body)
    assert status == 422, answer
    assert field in [e["field"] for e in answer["errors"]], answer
    assert words in answer["message"], answer


BAD_QUERIES = [
    ("/letters", {"status": "bogus"}, "status"),
    ("/letters", {"since": "last week"}, "since"),
    ("/letters", {"since": "9999-12-31"}, "since"),
    ("/letters", {"limit": "0"}, "limit"),
    ("/letters", {"limit": "many"}, "limit"),
    ("/customers/AP-S2/preview", {"level": "abc"}, "level"),
    ("/customers/AP-S2/preview", {"level": "99"}, "level"),
    ("/customers/AP-S2/letters", {"limit": "-1"}, "limit"),
]


@pytest.mark.parametrize(("path", "query", "field"), BAD_QUERIES)
def test_bad_queries_are_refused_naming_the_parameter(
    api: LocalDriver, path: str, query: dict[str, str], field: str
):
    status, answer = refused(api, "GET", path, None, **query)
    assert status == 422
    assert [(e["location"], e["field"]) for e in answer["errors"]] == [("query", field)]


UNKNOWN = [
    ("POST", "/customers/NOPE/pause", {"reason": "other"}, "customer NOPE not found"),
    ("POST", "/customers/NOPE/unpause", None, "customer NOPE not found"),
    ("POST", "/invoices/NOPE/pause", {"reason": "other"}, "invoice NOPE not found"),
    ("POST", "/invoices/NOPE/unpause", {}, "invoice NOPE not found"),
    ("POST", "/invoice-groups/NOPE/pause", {"reason": "other"}, "invoice group NOPE not found"),
    ("POST", "/invoice-groups/NOPE/unpause", None, "invoice group NOPE not found"),
    (
        "POST",
        "/customers/NOPE/promises",
        {"amount": "1", "currency": "EUR", "date": "2026-06-01"},
        "customer NOPE not found",
    ),
    ("POST", "/customers/NOPE/letters", None, "customer NOPE not found"),
    ("GET", "/customers/NOPE/preview", None, "customer NOPE not found"),
    ("GET", "/customers/NOPE/letters", None, "customer NOPE not found"),
    ("GET", "/invoices/NOPE/letters", None, "invoice NOPE not found"),
    ("POST", "/letters/L20260504-0000000000000000/approve", None, "letter L20260504-"),
    ("POST", "/letters/NOPE/cancel", {}, "letter NOPE not found"),
    ("GET", "/customerz", None, "no such resource: GET /customerz"),
    ("GET", "/customers/AP-S1/pausing", None, "no such resource"),
]


@pytest.mark.parametrize(("method", "path", "body", "words"), UNKNOWN)
def test_unknown_ids_and_routes_are_404_with_a_message(
    api: LocalDriver, method: str, path: str, body: Any, words: str
):
    status, answer = refused(api, method, path, body)
    assert status == 404 and words in answer["message"], answer


def test_a_method_a_route_does_not_have_is_405_naming_those_it_has(api: LocalDriver):
    status, answer = refused(api, "DELETE", "/customers/AP-S1/pause")
    assert status == 405 and "use POST" in answer["message"]
    status, answer = refused(api, "PUT", "/customers/AP-S1/letters")
    assert status == 405 and "use GET or POST" in answer["message"]


def test_ids_arrive_percent_encoded_as_api_gateway_sends_them(api: LocalDriver):
    answer = ok(api, "POST", "/customers/AP%2DNONE/pause", {"reason": "other"})
    assert answer["customer_id"] == "AP-NONE"
    status, answer = refused(api, "POST", "/customers/no%20body/pause", {"reason": "other"})
    assert status == 404 and "customer no body not found" in answer["message"]
    ok(api, "POST", "/customers/AP-NONE/unpause")


def test_nothing_due_is_an_answer_not_an_error(api: LocalDriver):
    answer = ok(api, "POST", "/customers/AP-NONE/letters")
    assert answer["letters"] == [] and "no letter is due" in answer["message"]
    assert ok(api, "GET", "/customers/AP-NONE/preview", level="1")["letters"] == []


def test_a_broken_configuration_is_a_503_naming_the_problem(api: LocalDriver, aws: EmbeddedAws):
    put_config(aws, CONFIG.replace("days_between_letters: 7", "days_between_letters: soon"))
    try:
        status, answer = api.api("GET", "/customers/AP-S2/preview")
        assert status == 503 and "days_between_letters" in answer["message"], answer
    finally:
        put_config(aws, CONFIG)


def test_cors_preflight_and_openapi(api: LocalDriver):
    status, _ = api.api("OPTIONS", "/customers/AP-S1/pause")
    assert status == 204
    doc = ok(api, "GET", "/openapi.json")
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert {
        ("POST", "/customers/{target_id}/pause"),
        ("POST", "/customers/{target_id}/unpause"),
        ("POST", "/invoices/{target_id}/pause"),
        ("POST", "/invoices/{target_id}/unpause"),
        ("POST", "/invoice-groups/{target_id}/pause"),
        ("POST", "/invoice-groups/{target_id}/unpause"),
        ("POST", "/customers/{customer_id}/promises"),
        ("POST", "/customers/{customer_id}/letters"),
        ("GET", "/customers/{customer_id}/preview"),
        ("GET", "/customers/{customer_id}/letters"),
        ("GET", "/invoices/{invoice_id}/letters"),
        ("GET", "/letters"),
        ("POST", "/letters/{letter_id}/approve"),
        ("POST", "/letters/{letter_id}/cancel"),
    } <= ops
    pause = doc["paths"]["/customers/{target_id}/pause"]["post"]
    error = pause["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorResponse"}


# --- the generated OpenAPI, fuzzed ------------------------------------------------------


class _Gateway:
    """The `dunning serve` adapter (HTTP as API Gateway events) over the session's driver,
    which exists only once the fixtures ran: schemathesis needs its app up front."""

    driver: LocalDriver | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        assert self.driver is not None
        return ApiGateway(self.driver, on_change=lambda: None)(environ, start_response)


GATEWAY = _Gateway()
OPENAPI = json.loads(openapi_document(build_app()))
schema = schemathesis.openapi.from_dict(OPENAPI)
schema.app = GATEWAY


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_what_its_openapi_says_and_never_a_5xx(api: LocalDriver, case: Any):
    """Schemathesis' generated requests to the real handler: no server error, every answer
    matches the schema and schema-violating requests are refused. (Its check that
    schema-valid data is accepted is left out: a valid-looking currency such as XYZ, a
    date in the past or an amount above the balance is refused by the rules, with a 422
    naming the field.)"""
    GATEWAY.driver = api
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def _raw(api: LocalDriver, path: str, body: str, headers: dict[str, str], **extra: Any) -> Any:
    event = api_event("POST", path, body, None)
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    event.update(extra)
    response = api.invoke("ApiFunction", event)
    return response["statusCode"], json.loads(response["body"])


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"],
)
def test_bodies_that_are_not_json_are_415(api: LocalDriver, content_type: str):
    status, answer = _raw(
        api, "/customers/AP-NONE/pause", "reason=other", {"Content-Type": content_type}
    )
    assert status == 415 and "application/json" in answer["message"]


def test_a_body_that_is_not_utf8_is_422(api: LocalDriver):
    body = base64.b64encode(b'{"reason": "\xfe"}').decode()
    status, answer = _raw(
        api,
        "/customers/AP-NONE/pause",
        body,
        {"Content-Type": "application/json"},
        isBase64Encoded=True,
    )
    assert status == 422 and answer["message"] == "body: not UTF-8 text"


def test_cors_answers_the_configured_origin_only():
    """The template's AllowedOrigin reaches the API through Settings.allowed_origin."""
    idle: Any = None  # a preflight never reaches the use case
    deps = ApiDeps(CollectorDeps(idle, idle, idle, idle, idle, idle), "https://ar.example")

    def preflight(origin: str) -> dict[str, list[str]]:
        event = api_event("OPTIONS", "/customers/C1/pause", None, None)
        event["headers"], event["multiValueHeaders"] = {"Origin": origin}, {"Origin": [origin]}
        return app_for(deps).resolve(event, LambdaContext())["multiValueHeaders"]

    assert preflight("https://ar.example")["Access-Control-Allow-Origin"] == ["https://ar.example"]
    assert "Access-Control-Allow-Origin" not in preflight("https://evil.example")
