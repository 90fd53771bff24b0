"""What collectors see (SPEC 2.7, 2.9, 2.10, 3.3 "Added for 2.7-2.10") through API
Gateway events to the real API handler over the embedded AWS: the customer and invoice
control centres, a letter and its PDF, reconciling, bounce marks and the activity log
with who changed what.

The data lives in subsidiary CC01 (customers CC-*); today is 2026-05-04 in Amsterdam.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
from dunning.adapters.dynamodb.phone_marks import PhoneMarksTable
from dunning.composition import bind_table
from dunning.domain.model import LetterStatus
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver, api_event

pytestmark = pytest.mark.integration

TODAY = "2026-05-04"
NOW = "2026-05-04T12:00:00+00:00"

CONFIG = """
subsidiaries:
  - id: CC01
    name: Control Centre B.V.
    base_currency: EUR
    timezone: Europe/Amsterdam
    locale: nl
    sender: collections@acme.example
    default_procedure: STD
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 1, template: friendly}
      - {days: 30, template: firm}
  - id: KEY
    applies_to: customer
    sending: manual
    levels:
      - {days: 1, template: friendly}
"""

CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency,procedure_id
CC-A,CC01,Aging Test BV,a@cc.example,nl,EUR,
CC-M,CC01,Manual Test GmbH,m@cc.example,de,EUR,KEY
CC-R,CC01,Reconcile Test BV,r@cc.example,en,EUR,
CC-B,CC01,Bounce Test BV,b@cc.example,en,EUR,
CC-P,CC01,Payment Test BV,p@cc.example,en,EUR,
"""

CONTACTS = """\
customer_id,name,email,department,role
CC-M,Anna Buchhaltung,ap@m.example,,dunning
"""

INVOICES = """\
invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining
CC-A-I1,CC-A,A-1,2026-03-01,2026-04-01,EUR,100.00,100.00
CC-A-I2,CC-A,A-2,2026-04-20,2026-05-10,EUR,50.00,50.00
CC-A-I3,CC-A,A-3,2025-12-01,2026-01-01,EUR,20.00,20.00
CC-A-I4,CC-A,A-4,2026-04-01,2026-04-20,USD,70.00,70.00
CC-M-I1,CC-M,M-1,2026-04-01,2026-04-20,EUR,500.00,500.00
CC-R-I1,CC-R,R-1,2026-04-01,2026-04-20,EUR,300.00,300.00
CC-B-I1,CC-B,B-1,2026-04-01,2026-04-20,EUR,40.00,40.00
CC-P-I1,CC-P,P-1,2026-04-01,2026-04-20,EUR,80.00,80.00
"""

CREDITS = """\
credit_id,customer_id,currency,date,amount_unapplied
CC-A-C1,CC-A,EUR,2026-04-02,30.00
"""


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", NOW)
        for name, body in [
            ("customers.csv", CUSTOMERS),
            ("contacts.csv", CONTACTS),
            ("invoices.csv", INVOICES),
            ("credits.csv", CREDITS),
        ]:
            outcome = driver.put_object("ImportBucket", f"incoming/cc-test/{name}", body.encode())
            assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
        yield driver
        driver.drain()


def ok(driver: LocalDriver, method: str, path: str, body: Any = None, **query: str) -> Any:
    status, answer = driver.api(method, path, body, query or None)
    assert status == 200, (status, answer)
    return answer


def refused(driver: LocalDriver, method: str, path: str, body: Any = None, **query: str) -> Any:
    status, answer = driver.api(method, path, body, query or None)
    assert 400 <= status < 500, (status, answer)
    assert isinstance(answer, dict) and answer["message"], answer
    return status, answer


def as_cognito_user(driver: LocalDriver, method: str, path: str, body: Any = None) -> Any:
    event = api_event(method, path, body, None)
    # A COGNITO_USER_POOLS authorizer's context: the ID token's claims, flattened to text.
    claims = {"sub": "u-1", "cognito:username": "eva", "cognito:groups": "collector"}
    event["requestContext"]["authorizer"] = {"claims": claims}
    response = driver.invoke("ApiFunction", event)
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def ledger(aws: EmbeddedAws) -> LetterLedgerTable:
    with aws.function_env("ApiFunction"):
        bind_table(Settings.from_env())
    return LetterLedgerTable()


# --- the customer control centre ---------------------------------------------------------


def test_the_control_centre_shows_balances_and_aging_per_currency(api: LocalDriver):
    centre = ok(api, "GET", "/customers/CC-A")
    assert centre["as_of"] == TODAY and centre["profile"]["name"] == "Aging Test BV"
    eur, usd = centre["balances"]["EUR"], centre["balances"]["USD"]
    assert eur["aging"] == {
        "current": "50.00",
        "1-30": "0",
        "31-60": "100.00",
        "61-90": "0",
        "90+": "20.00",
    }
    assert (eur["invoices"], eur["credits"], eur["total"], eur["overdue"]) == (
        "170.00",
        "30.00",
        "140.00",
        "120.00",
    )
    assert usd["aging"]["1-30"] == "70.00" and usd["total"] == "70.00"
    days = {i["invoice_id"]: i["days_overdue"] for i in centre["invoices"]}
    assert days == {"CC-A-I3": 123, "CC-A-I1": 33, "CC-A-I4": 14, "CC-A-I2": -6}
    assert [c["credit_id"] for c in centre["credits"]] == ["CC-A-C1"]
    # the next letter is what a preview would send, not rendered
    nexts = {(x["currency"], x["level"]) for x in centre["next_letter"]["letters"]}
    assert nexts == {("EUR", 2), ("USD", 1)}
    assert centre["next_letter"]["preview"] == "/customers/CC-A/preview"
    assert centre["paused"] is False and centre["letters"] == []


def test_changes_are_in_the_activity_log_with_who_and_when(api: LocalDriver):
    ok(api, "POST", "/customers/CC-A/pause", {"reason": "dispute", "note": "wrong price"})
    as_cognito_user(api, "POST", "/invoices/CC-A-I1/pause", {"reason": "other"})
    ok(api, "POST", "/customers/CC-A/unpause")
    api.drain()
    log = ok(api, "GET", "/customers/CC-A/activity")["activity"]
    changes = [(e["action"], e["target_id"], e["actor"]) for e in log if e["kind"] == "change"]
    assert changes == [
        ("resume", "CC-A", "local"),
        ("pause", "CC-A-I1", "eva"),
        ("pause", "CC-A", "local"),
    ]
    first = [e for e in log if e["kind"] == "change"][-1]
    assert first["detail"] == {"reason": "dispute", "note": "wrong price"}
    assert first["at"].startswith("2026-05-04T12:00:00")
    centre = ok(api, "GET", "/customers/CC-A")
    assert [p["id"] for p in centre["pauses"]] == ["CC-A-I1"]
    assert {i["invoice_id"]: i["paused"] for i in centre["invoices"]}["CC-A-I1"] is True
    assert centre["activity"]["activity"][0]["action"] in {"resume", "letter"}


def test_the_activity_log_pages_newest_first(api: LocalDriver):
    for _ in range(2):
        ok(api, "POST", "/invoices/CC-A-I2/pause", {"reason": "other"})
        ok(api, "POST", "/invoices/CC-A-I2/unpause")
    api.drain()
    every = ok(api, "GET", "/customers/CC-A/activity", limit="1000")["activity"]
    seen: list[dict] = []
    cursor = None
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = ok(api, "GET", "/customers/CC-A/activity", **query)
        seen += page["activity"]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == every and len(every) >= 7
    assert [e["at"] for e in every] == sorted((e["at"] for e in every), reverse=True)


def test_an_invoice_shows_its_letters_and_pause(api: LocalDriver):
    answer = ok(api, "GET", "/invoices/CC-A-I1")
    assert answer["invoice"]["days_overdue"] == 33 and answer["invoice"]["paused"] is True
    assert [p["reason"] for p in answer["pauses"]] == ["other"]
    assert all("CC-A-I1" in [i["invoice_id"] for i in x["items"]] for x in answer["letters"])


# --- letters: pending approval, the letter, its PDF, cancel with a reason ----------------


def test_a_pending_letter_shows_its_recipients_and_language(api: LocalDriver):
    ok(api, "POST", "/customers/CC-M/unpause")  # evaluates the customer now
    api.drain()
    pending = ok(api, "GET", "/letters", status="pending_approval", since=TODAY)["letters"]
    (letter,) = [x for x in pending if x["customer_id"] == "CC-M"]
    delivery = letter["delivery"]
    assert delivery["language"] == "de"
    assert set(delivery["recipients"]) == {"m@cc.example", "ap@m.example"}
    one = ok(api, "GET", f"/letters/{letter['letter_id']}")
    assert one["status"] == "pending_approval" and one["delivery"] == delivery
    status, answer = refused(api, "GET", f"/letters/{letter['letter_id']}/pdf")
    assert status == 404 and "no stored PDF" in answer["message"]
    path = f"/letters/{letter['letter_id']}/cancel"
    cancelled = ok(api, "POST", path, {"reason": "customer called: paid yesterday"})
    assert cancelled["delivery"]["cancel_reason"] == "customer called: paid yesterday"
    assert cancelled["delivery"]["cancelled_by"] == "local"
    log = ok(api, "GET", "/customers/CC-M/activity")["activity"]
    assert log[0]["action"] == "cancel"
    assert log[0]["detail"] == {"reason": "customer called: paid yesterday"}


def test_a_sent_letter_has_its_pdf(api: LocalDriver):
    (letter,) = ok(api, "POST", "/customers/CC-B/letters")["letters"]
    api.drain()
    sent = ok(api, "GET", f"/letters/{letter['letter_id']}")
    assert sent["status"] == "sent" and sent["delivery"]["pdf_key"].endswith(".pdf")
    response = api.invoke(
        "ApiFunction", api_event("GET", f"/letters/{letter['letter_id']}/pdf", None, None)
    )
    assert response["statusCode"] == 200 and response["isBase64Encoded"] is True
    assert response["multiValueHeaders"]["Content-Type"] == ["application/pdf"]
    assert base64.b64decode(response["body"]).startswith(b"%PDF")
    log = ok(api, "GET", "/customers/CC-B/activity")["activity"]
    # the daily run's letters are dated by their day; changes by their time (the
    # imports that wrote its rows are listed too: test_activity_imports.py)
    assert [(e["kind"], e["action"]) for e in log if e["kind"] != "import"][:2] == [
        ("change", "send_now"),
        ("letter", "letter"),
    ]


def test_a_payment_quoting_the_letters_reference_shows_on_the_letter(api: LocalDriver):
    (letter,) = ok(api, "POST", "/customers/CC-P/letters")["letters"]
    api.drain()
    reference = letter["payment_reference"]
    assert reference.startswith("RF")
    assert ok(api, "GET", f"/letters/{letter['letter_id']}")["payments"] == []
    spaced = " ".join(reference[n : n + 4] for n in range(0, len(reference), 4))
    credits = (
        "credit_id,customer_id,currency,date,amount_unapplied,kind,payment_reference\n"
        f"CC-P-PAY1,CC-P,EUR,2026-05-06,50.00,payment,{spaced}\n"  # as printed, in groups
        "CC-P-PAY2,CC-P,EUR,2026-05-05,30.00,payment,\n"  # no reference: not this letter's
        "CC-P-CM1,CC-P,EUR,2026-05-05,5.00,credit_memo,\n"
    )
    for _ in range(2):  # the same file again changes nothing
        outcome = api.put_object("ImportBucket", "incoming/cc-pay/credits.csv", credits.encode())
        assert "rejected" not in json.dumps(outcome), outcome
        api.drain()
    shown = ok(api, "GET", f"/letters/{letter['letter_id']}")
    paid = [{"credit_id": "CC-P-PAY1", "amount": "50.00", "date": "2026-05-06"}]
    assert shown["payments"] == paid and shown["delivery"]["payments"] == paid
    assert shown["status"] == "sent" and shown["payment_reference"] == reference
    # the customer's letter history shows the same payment
    (listed,) = ok(api, "GET", "/customers/CC-P/letters")["letters"]
    assert listed["payments"] == paid


# --- reconciliation ---------------------------------------------------------------------


def _needs_reconciliation(api: LocalDriver, aws: EmbeddedAws) -> str:
    (letter,) = ok(api, "POST", "/customers/CC-R/letters")["letters"]
    table = ledger(aws)
    entry = table.get_letter("CC-R", letter["letter_id"])
    assert entry is not None
    table.transition_letter(entry.letter, LetterStatus.QUEUED, LetterStatus.CLAIMED, {})
    table.transition_letter(
        entry.letter, LetterStatus.CLAIMED, LetterStatus.NEEDS_RECONCILIATION, {"reconcile": "x"}
    )
    api.drain()  # the job finds it needs reconciliation: nothing is sent
    assert ok(api, "GET", f"/letters/{letter['letter_id']}")["status"] == "needs_reconciliation"
    return str(letter["letter_id"])


def test_reconciling_not_sent_sends_it_once_and_sent_records_who(
    api: LocalDriver, aws: EmbeddedAws
):
    letter_id = _needs_reconciliation(api, aws)
    path = f"/letters/{letter_id}/reconcile"
    status, answer = refused(api, "POST", path, {"outcome": "maybe"})
    assert status == 422 and answer["errors"][0]["field"] == "outcome"
    again = ok(api, "POST", path, {"outcome": "not_sent", "note": "not in the SES log"})
    assert again["status"] == "queued"
    status, answer = refused(api, "POST", path, {"outcome": "sent"})
    assert status == 409 and "needing reconciliation" in answer["message"]
    api.drain()
    api.drain()
    assert ok(api, "GET", f"/letters/{letter_id}")["status"] == "sent"
    log = ok(api, "GET", "/customers/CC-R/activity")["activity"]
    (change,) = [e for e in log if e["action"] == "reconcile"]
    assert change["detail"] == {"outcome": "not_sent", "note": "not in the SES log"}


def test_reconciling_as_sent_marks_it_sent(api: LocalDriver, aws: EmbeddedAws):
    ledger(aws)
    table = LetterLedgerTable()
    entry = next(e for e in table.letters(LetterStatus.SENT) if e.letter.customer_id == "CC-R")
    table.transition_letter(entry.letter, LetterStatus.SENT, LetterStatus.NEEDS_RECONCILIATION, {})
    done = ok(api, "POST", f"/letters/{entry.letter.letter_id}/reconcile", {"outcome": "sent"})
    assert done["status"] == "sent" and done["delivery"]["reconciled"]["by"] == "local"


# --- bounce marks -----------------------------------------------------------------------


def test_marks_are_listed_and_cleared_with_an_audit(api: LocalDriver, aws: EmbeddedAws):
    ledger(aws)
    letter_id = next(
        e.letter.letter_id
        for e in LetterLedgerTable().letters(LetterStatus.SENT)
        if e.letter.customer_id == "CC-B"
    )
    marks = BounceMarksTable()
    at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    marks.mark_address("B@cc.example", "bounce", at, "550 no such user", letter_id)
    marks.mark_address("zz@cc.example", "complaint", at, "", None)
    listed = ok(api, "GET", "/email-marks", limit="1")
    assert [m["address"] for m in listed["marks"]] == ["b@cc.example"]
    rest = ok(api, "GET", "/email-marks", cursor=listed["cursor"])
    assert "zz@cc.example" in [m["address"] for m in rest["marks"]]
    assert ok(api, "DELETE", "/email-marks/b%40cc.example")["cleared"] is True
    status, answer = refused(api, "DELETE", "/email-marks/b%40cc.example")
    assert status == 404 and "no bounce" in answer["message"]
    log = ok(api, "GET", "/customers/CC-B/activity")["activity"]
    assert log[0]["action"] == "clear_mark" and log[0]["target_id"] == "b@cc.example"
    ok(api, "DELETE", "/email-marks/zz%40cc.example")  # a mark no customer is known for


def test_phone_marks_are_listed_by_number_and_cleared_with_an_audit(
    api: LocalDriver, aws: EmbeddedAws
):
    ledger(aws)
    letter_id = next(
        e.letter.letter_id
        for e in LetterLedgerTable().letters(LetterStatus.SENT)
        if e.letter.customer_id == "CC-B"
    )
    marks = PhoneMarksTable()
    at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    marks.mark_phone("+31600000001", at, "CheckIfPhoneNumberIsOptedOut: opted out", letter_id)
    marks.mark_phone("+31600000002", at, "", None)
    listed = ok(api, "GET", "/phone-marks", limit="1")
    assert [m["phone"] for m in listed["marks"]] == ["+31600000001"]
    assert listed["marks"][0]["reason"] == "opted_out"
    rest = ok(api, "GET", "/phone-marks", cursor=listed["cursor"])
    assert "+31600000002" in [m["phone"] for m in rest["marks"]]
    emails = ok(api, "GET", "/email-marks", limit="100")["marks"]
    assert all("@" in m["address"] for m in emails)  # the email marks list no phone
    assert ok(api, "DELETE", "/phone-marks/%2B31600000001")["cleared"] is True
    status, answer = refused(api, "DELETE", "/phone-marks/%2B31600000001")
    assert status == 404 and "no opt-out mark" in answer["message"]
    log = ok(api, "GET", "/customers/CC-B/activity")["activity"]
    assert log[0]["action"] == "clear_mark" and log[0]["target"] == "phone"
    assert log[0]["target_id"] == "+31600000001"
    ok(api, "DELETE", "/phone-marks/%2B31600000002")  # a mark no customer is known for


# --- bad input --------------------------------------------------------------------------


UNKNOWN = [
    ("GET", "/customers/NOPE", None, "customer NOPE not found"),
    ("GET", "/customers/NOPE/activity", None, "customer NOPE not found"),
    ("GET", "/invoices/NOPE", None, "invoice NOPE not found"),
    ("GET", "/letters/NOPE", None, "letter NOPE not found"),
    ("GET", "/letters/NOPE/pdf", None, "letter NOPE not found"),
    ("POST", "/letters/NOPE/reconcile", {"outcome": "sent"}, "letter NOPE not found"),
    ("DELETE", "/email-marks/nobody%40cc.example", None, "no bounce"),
    ("DELETE", "/phone-marks/%2B31699999999", None, "no opt-out mark"),
]


@pytest.mark.parametrize(("method", "path", "body", "words"), UNKNOWN)
def test_unknown_ids_are_404(api: LocalDriver, method: str, path: str, body: Any, words: str):
    status, answer = refused(api, method, path, body)
    assert status == 404 and words in answer["message"], answer


BAD = [
    ("POST", "/letters/NOPE/cancel", {"reason": 5}, "reason"),
    ("POST", "/letters/NOPE/cancel", {"reason": "x" * 2001}, "reason"),
    ("POST", "/letters/NOPE/cancel", {"why": "x"}, "why"),
    ("POST", "/letters/NOPE/reconcile", {}, "outcome"),
    ("POST", "/letters/NOPE/reconcile", {"outcome": "sent", "note": 1}, "note"),
    ("POST", "/letters/NOPE/reconcile", None, "body"),
    ("GET", "/customers/CC-A/activity?limit=0", None, "limit"),
    ("GET", "/email-marks?limit=x", None, "limit"),
    ("GET", "/phone-marks?limit=0", None, "limit"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BAD)
def test_bad_input_is_422_naming_the_field(
    api: LocalDriver, method: str, path: str, body: Any, field: str
):
    where, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    status, answer = refused(api, method, where, body, **params)
    assert status == 422 and field in [e["field"] for e in answer["errors"]], answer


def test_a_cursor_that_is_not_ours_is_422(api: LocalDriver):
    status, answer = refused(api, "GET", "/customers/CC-A/activity", cursor="%%%")
    assert status == 422 and answer["errors"][0]["field"] == "cursor"


def test_the_new_routes_are_in_the_openapi_document(api: LocalDriver):
    doc = ok(api, "GET", "/openapi.json")
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    assert {
        ("GET", "/customers/{customer_id}"),
        ("GET", "/customers/{customer_id}/activity"),
        ("GET", "/invoices/{invoice_id}"),
        ("GET", "/letters/{letter_id}"),
        ("GET", "/letters/{letter_id}/pdf"),
        ("POST", "/letters/{letter_id}/reconcile"),
        ("GET", "/email-marks"),
        ("DELETE", "/email-marks/{address}"),
        ("GET", "/phone-marks"),
        ("DELETE", "/phone-marks/{phone}"),
    } <= ops
    pdf = doc["paths"]["/letters/{letter_id}/pdf"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]


def test_the_openapi_document_describes_a_letters_payments(api: LocalDriver):
    schemas = ok(api, "GET", "/openapi.json")["components"]["schemas"]
    letter = schemas["LetterOut"]["properties"]
    assert "ISO 11649" in letter["payment_reference"]["description"]
    assert "payment_reference" in letter["payments"]["description"]
    assert letter["payments"]["items"] == {"$ref": "#/components/schemas/LetterPaymentOut"}
    assert set(schemas["LetterPaymentOut"]["required"]) == {"credit_id", "amount", "date"}
