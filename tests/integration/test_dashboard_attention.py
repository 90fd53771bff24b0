"""GET /dashboard/attention (SPEC 2.7) filled from real data over the embedded AWS:
printed letters without a postal address, bounced addresses, subsidiaries skipped by
the freshness guard and rejected imports, each made through the real handlers.

AT01 (Amsterdam): AT-P is dunned by print and has no address; AT-E by email.
AT02 (UTC) wants an import at most 1 hour old: its morning run is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

EVENTS = Path(__file__).parents[2] / "events"
CONFIG = """
subsidiaries:
  - {id: AT01, name: Attention B.V., base_currency: EUR, timezone: Europe/Amsterdam,
     locale: nl, sender: collections@acme.example, default_procedure: STD}
  - {id: AT02, name: Stale Ltd, base_currency: GBP, timezone: UTC, locale: en,
     sender: collections@acme.example, default_procedure: STD, max_import_age_hours: 1}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
"""
CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency,delivery
AT-P,AT01,Paper Only,,nl,EUR,print
AT-E,AT01,Email Co,e@at.example,nl,EUR,email
AT-S,AT02,Stale Co,s@at.example,en,GBP,email
"""
HEAD = "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
INVOICES = HEAD + (
    "AT-P1,AT-P,P1,2026-03-01,2026-04-01,EUR,100.00,100.00\n"
    "AT-E1,AT-E,E1,2026-03-01,2026-04-01,EUR,100.00,100.00\n"
    "AT-S1,AT-S,S1,2026-03-01,2026-04-01,GBP,100.00,100.00\n"
)
BAD = HEAD + "AT-X1,AT-E,X1,not-a-date,2026-04-01,EUR,100.00,100.00\n"


def upload(driver: LocalDriver, key: str, body: str) -> str:
    outcome = json.dumps(driver.put_object("ImportBucket", key, body.encode()))
    driver.drain()
    return outcome


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-03T12:00:00+00:00")  # a day before the run
        assert "rejected" not in upload(driver, "incoming/at/customers.csv", CUSTOMERS)
        assert "rejected" not in upload(driver, "incoming/at/invoices.csv", INVOICES)
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T04:00:00+00:00")
        driver.fire_schedule(datetime(2026, 5, 4, 4, 0, tzinfo=UTC))  # 06:00 in Amsterdam
        driver.drain()
        driver.fire_schedule(datetime(2026, 5, 4, 6, 0, tzinfo=UTC))  # 06:00 UTC: AT02
        driver.drain()
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T12:00:00+00:00")
        yield driver


def attention(api: LocalDriver) -> dict[str, Any]:
    status, body = api.api("GET", "/dashboard/attention", None, {"limit": "50"})
    assert status == 200, body
    return body  # type: ignore[no-any-return]


def test_a_letter_printed_without_a_postal_address_is_listed(api: LocalDriver) -> None:
    mine = [u for u in attention(api)["unaddressed_letters"] if u["customer_id"] == "AT-P"]
    assert [(u["subsidiary_id"], u["date"]) for u in mine] == [("AT01", "2026-05-04")]
    status, letter = api.api("GET", f"/letters/{mine[0]['letter_id']}", None, None)
    assert status == 200 and letter["status"] == "printed"
    # The letter emailed to AT-E had somewhere to go: not listed.
    assert "AT-E" not in {u["customer_id"] for u in attention(api)["unaddressed_letters"]}


def test_a_subsidiary_skipped_by_the_freshness_guard_is_listed(api: LocalDriver) -> None:
    skipped = [s for s in attention(api)["skipped_runs"] if s["subsidiary_id"] == "AT02"]
    assert [s["date"] for s in skipped] == ["2026-05-04"]
    assert skipped[0]["why"]
    assert "AT01" not in {s["subsidiary_id"] for s in attention(api)["skipped_runs"]}


def test_a_bounced_address_is_listed_until_cleared(api: LocalDriver) -> None:
    event = json.loads((EVENTS / "bounces.json").read_text())
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    message["bounce"]["bouncedRecipients"][0]["emailAddress"] = "E@at.example"
    message["mail"]["destination"] = ["e@at.example"]
    event["Records"][0]["Sns"]["Message"] = json.dumps(message)
    api.invoke("BouncesFunction", event)
    marked = {m["address"]: m for m in attention(api)["bounced_addresses"]}
    assert marked["e@at.example"]["reason"] == "bounce"
    status, _ = api.api("DELETE", "/email-marks/e%40at.example", None, None)
    assert status == 200
    assert "e@at.example" not in {m["address"] for m in attention(api)["bounced_addresses"]}


def test_a_rejected_import_is_listed_until_a_good_upload_replaces_it(api: LocalDriver) -> None:
    assert "rejected" in upload(api, "incoming/at/invoices_fix.csv", BAD)
    listed = {r["key"]: r for r in attention(api)["rejected_imports"]}
    bad = listed["incoming/at/invoices_fix.csv"]
    assert (bad["file"], bad["type"], bad["errors"]) == ("invoices_fix.csv", "invoices", 1)
    assert bad["report"]
    assert "rejected" not in upload(api, "incoming/at/invoices_fix.csv", INVOICES)
    keys = {r["key"] for r in attention(api)["rejected_imports"]}
    assert "incoming/at/invoices_fix.csv" not in keys
