"""The dashboard routes (SPEC 2.7, 3.3) over the embedded AWS: the daily run writes the
aggregates, the API reads them; figures computed by hand from the data below.

Subsidiary DB01, today 2026-05-04 in Amsterdam (DB02 has no data yet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

NOW = "2026-05-04T12:00:00+00:00"
CONFIG = """
subsidiaries:
  - {id: DB01, name: Dash B.V., base_currency: EUR, timezone: Europe/Amsterdam, locale: nl,
     sender: collections@acme.example, default_procedure: STD}
  - {id: DB02, name: Dash Inc., base_currency: USD, timezone: Europe/Amsterdam, locale: en,
     sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
"""
CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency,parent_id,bill_to_parent
DB-A,DB01,Alpha BV,a@db.example,nl,EUR,,
DB-B,DB01,Beta BV,b@db.example,nl,EUR,,
DB-C,DB01,Child of Beta BV,c@db.example,nl,EUR,DB-B,true
"""
# as_of 2026-05-04: A-1 34 days overdue, A-2 not due, B-1 4 days, C-1 (billed to B) 94
# days; A-P paid in 20 days (5 late), issued 2026-03-15.
INVOICES = """\
invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining,status,paid_date
DB-A-1,DB-A,A1,2026-03-01,2026-03-31,EUR,100.00,100.00,,
DB-A-2,DB-A,A2,2026-04-20,2026-05-20,EUR,300.00,300.00,,
DB-A-U,DB-A,AU,2026-04-20,2026-05-20,USD,50.00,50.00,,
DB-B-1,DB-B,B1,2026-04-01,2026-04-30,EUR,200.00,150.00,,
DB-C-1,DB-C,C1,2026-01-01,2026-01-30,EUR,80.00,80.00,,
DB-A-P,DB-A,AP,2026-03-15,2026-03-30,EUR,400.00,0.00,paid,2026-04-04
DB-A-V,DB-A,AV,2026-04-15,2026-04-30,EUR,999.00,0.00,void,
"""
CREDITS = """\
credit_id,customer_id,currency,date,amount_unapplied
DB-K1,DB-B,EUR,2026-04-10,30.00
"""


@pytest.fixture(scope="module")
def dash(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", NOW)
        for name, body in [
            ("customers.csv", CUSTOMERS),
            ("invoices.csv", INVOICES),
            ("credits.csv", CREDITS),
        ]:
            outcome = driver.put_object("ImportBucket", f"incoming/dash/{name}", body.encode())
            assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
        driver.fire_schedule(datetime(2026, 5, 4, 4, 0, tzinfo=UTC))  # 06:00 in Amsterdam
        driver.drain()
        yield driver
        driver.drain()


def ok(driver: LocalDriver, path: str, **query: str) -> Any:
    status, answer = driver.api("GET", path, None, query or None)
    assert status == 200, (status, answer)
    return answer


def test_the_summary_follows_the_definitions(dash: LocalDriver) -> None:
    body = ok(dash, "/dashboard/summary", subsidiary="DB01")
    assert body["as_of"] == "2026-05-04"
    eur = body["currencies"]["EUR"]
    # open 100 + 300 + 150 + 80 = 630 less the 30 credit
    assert (eur["total_ar"], eur["overdue_ar"]) == ("600.00", "330.00")
    assert eur["aging"] == {
        "current": "300.00",
        "1-30": "150.00",
        "31-60": "100.00",
        "61-90": "0",
        "90+": "80.00",
    }
    # sales since 2026-02-03: A-1 100, A-2 300, B-1 200, A-P 400 (C-1 is older, A-V void)
    assert eur["dso"] == 56.7  # 630 / 1000 x 90
    assert (eur["avg_days_to_pay"], eur["avg_days_late"]) == (20.0, 5.0)
    assert (eur["open_invoices"], eur["overdue_customers"]) == (4, 3)
    assert body["currencies"]["USD"]["total_ar"] == "50.00"  # never added to EUR


def test_a_customers_summary_counts_only_its_own_invoices(dash: LocalDriver) -> None:
    body = ok(dash, "/dashboard/summary", customer="DB-C")  # billed to DB-B, counted apart
    assert list(body["currencies"]) == ["EUR"]
    assert body["currencies"]["EUR"]["total_ar"] == "80.00"
    assert body["currencies"]["EUR"]["dso"] is None  # no sales in 90 days


def test_top_customers_and_the_list_rank_by_overdue(dash: LocalDriver) -> None:
    top = ok(dash, "/dashboard/top-customers", subsidiary="DB01", currency="EUR", limit="2")
    assert [(c["customer_id"], c["overdue_ar"]) for c in top["customers"]] == [
        ("DB-B", "150.00"),
        ("DB-A", "100.00"),
    ]
    first = ok(dash, "/customers", subsidiary="DB01", limit="2")
    assert [c["customer_id"] for c in first["customers"]] == ["DB-B", "DB-A"]
    rest = ok(dash, "/customers", subsidiary="DB01", limit="2", cursor=first["cursor"])
    assert [c["customer_id"] for c in rest["customers"]] == ["DB-C"]
    found = ok(dash, "/customers", subsidiary="DB01", q="child")
    assert [c["customer_id"] for c in found["customers"]] == ["DB-C"]
    big = ok(dash, "/customers", subsidiary="DB01", min_overdue="100")
    assert {c["customer_id"] for c in big["customers"]} == {"DB-A", "DB-B"}


def test_trend_by_subsidiary_paused_promises_letters_attention(dash: LocalDriver) -> None:
    trend = ok(dash, "/dashboard/trend", subsidiary="DB01", **{"from": "2026-05-01"})
    assert [p["as_of"] for p in trend["points"]] == ["2026-05-04"]
    subs = ok(dash, "/dashboard/by-subsidiary")["subsidiaries"]
    assert [(s["subsidiary_id"], s["as_of"]) for s in subs] == [
        ("DB01", "2026-05-04"),
        ("DB02", None),
    ]
    status, _ = dash.api("POST", "/customers/DB-A/pause", {"reason": "dispute", "note": "n"})
    assert status == 200
    paused = ok(dash, "/dashboard/paused", subsidiary="DB01")["paused"]
    assert [(p["customer_id"], p["reason"], p["note"]) for p in paused] == [
        ("DB-A", "dispute", "n")
    ]
    assert paused[0]["since"]
    assert ok(dash, "/dashboard/promises", subsidiary="DB01")["promises"] == []
    letters = ok(dash, "/dashboard/letters", **{"from": "2026-05-01", "to": "2026-05-04"})
    assert {lv["level"] for lv in letters["by_level"]} == {1}
    assert letters["delivered"] == 0
    assert ok(dash, "/dashboard/attention")["skipped_runs"] == []


BAD = [
    ("/dashboard/summary", {"subsidiary": "NOPE"}, 404),
    ("/dashboard/trend", {"from": "2026-05-04", "to": "2026-05-01"}, 422),
    ("/dashboard/trend", {"from": "yesterday"}, 422),
    ("/dashboard/top-customers", {"currency": "eur"}, 422),
    ("/dashboard/top-customers", {}, 422),  # two subsidiaries, two currencies: say which
    ("/customers", {"sort": "name"}, 422),
    ("/customers", {"min_overdue": "-1"}, 422),
    ("/customers", {"cursor": "nonsense"}, 422),
    ("/customers", {"subsidiary": "DB01", "cursor": "0.bm9uc2Vuc2U="}, 422),
    ("/dashboard/by-subsidiary", {"cursor": "99"}, 422),
    ("/dashboard/paused", {"limit": "0"}, 422),
]


@pytest.mark.parametrize(("path", "query", "code"), BAD)
def test_bad_input_is_a_4xx_with_a_message(
    dash: LocalDriver, path: str, query: dict[str, str], code: int
) -> None:
    status, answer = dash.api("GET", path, None, query)
    assert status == code, answer
    assert answer["message"]
