"""The customer's activity log lists the imports that touched it (SPEC 2.10): file name,
type, time and the customer's own rows, beside collector actions and letters; over the
embedded AWS through the real import path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dunning.adapters.dynamodb.activity_log import ActivityLogTable
from dunning.composition import bind_table
from dunning.domain.control.audit import Action
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

CONFIG = """
subsidiaries:
  - {id: AI01, name: Audit B.V., base_currency: EUR, timezone: Europe/Amsterdam, locale: nl,
     sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
"""
CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency
AI-A,AI01,Alpha,a@ai.example,nl,EUR
AI-B,AI01,Beta,b@ai.example,nl,EUR
"""
HEAD = "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
# AI-A's five rows straddle chunks of two rows: one entry for the file, with 5 rows.
INVOICES = HEAD + "".join(
    f"AI-A-{n},AI-A,A{n},2026-04-01,2026-05-01,EUR,10.00,10.00\n" for n in range(1, 6)
)
INVOICES += "AI-B-1,AI-B,B1,2026-04-01,2026-05-01,EUR,20.00,20.00\n"
CREDITS = "credit_id,customer_id,currency,date,amount_unapplied\nAI-K1,AI-B,EUR,2026-05-02,5.00\n"


def upload(driver: LocalDriver, name: str, body: str) -> None:
    outcome = driver.put_object("ImportBucket", f"incoming/ai/{name}", body.encode())
    assert "rejected" not in json.dumps(outcome), outcome
    driver.drain()


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IMPORT_CHUNK_ROWS", "2")
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T09:00:00+00:00")
        upload(driver, "customers.csv", CUSTOMERS)
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T10:00:00+00:00")
        upload(driver, "invoices.csv", INVOICES)
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T11:00:00+00:00")
        upload(driver, "credits.csv", CREDITS)
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T12:00:00+00:00")
        yield driver


def log(api: LocalDriver, customer: str, **query: str) -> list[dict[str, Any]]:
    status, body = api.api("GET", f"/customers/{customer}/activity", None, query or None)
    assert status == 200, body
    entries: list[dict[str, Any]] = body["activity"]
    return entries


def imports(entries: list[dict[str, Any]]) -> list[tuple[str, str, int, str]]:
    return [
        (e["detail"]["file"], e["detail"]["type"], e["detail"]["rows"], e["at"][:19])
        for e in entries
        if e["kind"] == "import"
    ]


def test_the_imports_that_touched_a_customer_are_listed_with_its_rows(api: LocalDriver) -> None:
    assert imports(log(api, "AI-A")) == [
        ("invoices.csv", "invoices", 5, "2026-05-04T10:00:00"),
        ("customers.csv", "customers", 1, "2026-05-04T09:00:00"),
    ]
    assert imports(log(api, "AI-B")) == [
        ("credits.csv", "credits", 1, "2026-05-04T11:00:00"),
        ("invoices.csv", "invoices", 1, "2026-05-04T10:00:00"),
        ("customers.csv", "customers", 1, "2026-05-04T09:00:00"),
    ]


def test_a_file_written_in_chunks_leaves_one_entry_per_customer(
    api: LocalDriver, aws: EmbeddedAws
) -> None:
    with aws.function_env("ApiFunction"):
        bind_table(Settings.from_env())
    stored, _ = ActivityLogTable.activities("AI-A", 100)
    entries = [a for a in stored if a.action is Action.IMPORT and a.detail["type"] == "invoices"]
    assert [a.detail["rows"] for a in entries][-1:] == [5]  # three chunks of 2 rows: one entry


def test_imports_sit_beside_collector_actions_newest_first(api: LocalDriver) -> None:
    status, _ = api.api("POST", "/customers/AI-B/pause", {"reason": "dispute"})
    assert status == 200
    entries = log(api, "AI-B")
    assert [(e["kind"], e["action"]) for e in entries][:2] == [
        ("change", "pause"),
        ("import", "import"),
    ]
    assert entries[1]["actor"] == "import" and entries[1]["target_id"] == "credits.csv"


def test_the_same_file_again_adds_no_entry(api: LocalDriver) -> None:
    before = imports(log(api, "AI-A"))
    upload(api, "invoices.csv", INVOICES)  # the same bytes: unchanged, nothing written
    assert imports(log(api, "AI-A")) == before


def test_a_new_upload_of_a_file_is_a_new_entry(api: LocalDriver) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-05T08:00:00+00:00")
        upload(api, "invoices.csv", HEAD + "AI-A-1,AI-A,A1,2026-04-01,2026-05-01,EUR,10.00,0.00\n")
    assert imports(log(api, "AI-A"))[0] == ("invoices.csv", "invoices", 1, "2026-05-05T08:00:00")
    assert len(imports(log(api, "AI-A"))) == 3
