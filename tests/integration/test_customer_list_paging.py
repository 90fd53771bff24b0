"""GET /customers with filters pages exactly (SPEC 2.7's drill-down): a page holds
`limit` matching rows, read on through the index as needed, and the cursor resumes
right after the last row given; over the embedded AWS with 130 customers.

Customer LP-nnn owes nnn.00 EUR, overdue; every 9th is named "... Matching", LP-007
and LP-123 are "... Rare" (far apart: more than one Query of the index between them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

N = 130
CONFIG = """
subsidiaries:
  - {id: LP01, name: Paging B.V., base_currency: EUR, timezone: Europe/Amsterdam, locale: nl,
     sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
"""


def name(n: int) -> str:
    if n in (7, 123):
        return f"Customer {n} Rare"
    return f"Customer {n} Matching" if n % 9 == 0 else f"Customer {n}"


CUSTOMERS = "customer_id,subsidiary_id,name,email,language,currency\n" + "".join(
    f"LP-{n:03d},LP01,{name(n)},c{n}@lp.example,nl,EUR\n" for n in range(1, N + 1)
)
INVOICES = "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
INVOICES += "".join(
    f"LP-{n:03d}-1,LP-{n:03d},N{n},2026-03-01,2026-04-01,EUR,{n}.00,{n}.00\n"
    for n in range(1, N + 1)
)


@pytest.fixture(scope="module")
def api(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T03:00:00+00:00")
        for file, body in (("customers.csv", CUSTOMERS), ("invoices.csv", INVOICES)):
            outcome = driver.put_object("ImportBucket", f"incoming/lp/{file}", body.encode())
            assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
        driver.fire_schedule(datetime(2026, 5, 4, 4, 0, tzinfo=UTC))
        driver.drain()
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T12:00:00+00:00")
        yield driver


def pages(api: LocalDriver, **query: str) -> list[list[str]]:
    """Every page's customer ids, following the cursor to the end."""
    out: list[list[str]] = []
    cursor = None
    while True:
        q: dict[str, Any] = {"subsidiary": "LP01", **query} | ({"cursor": cursor} if cursor else {})
        status, body = api.api("GET", "/customers", None, q)
        assert status == 200, body
        out.append([c["customer_id"] for c in body["customers"]])
        cursor = body["cursor"]
        if cursor is None:
            return out
        assert len(out) < 100, "the cursor does not move on"


def ids(*numbers: int) -> list[str]:
    return [f"LP-{n:03d}" for n in numbers]


def test_a_filtered_page_is_full_and_the_cursor_resumes_exactly(api: LocalDriver) -> None:
    got = pages(api, q="matching", limit="5")
    matching = [n for n in range(N, 0, -1) if n % 9 == 0 and n not in (7, 123)]  # 14 rows
    assert [len(p) for p in got if p] == [5, 5, 4]
    assert [c for p in got for c in p] == ids(*matching)


def test_a_rare_match_far_down_the_index_is_read_on_to(api: LocalDriver) -> None:
    (first, *rest) = pages(api, q="rare", limit="2")
    assert first == ids(123, 7)  # 117 rows apart: two Queries of 100 rows
    assert all(p == [] for p in rest)


def test_filters_with_the_smallest_first_and_a_minimum(api: LocalDriver) -> None:
    got = pages(api, q="matching", min_overdue="50", sort="overdue_asc", limit="3")
    assert [c for p in got for c in p] == ids(54, 63, 72, 81, 90, 99, 108, 117, 126)
    assert all(len(p) == 3 for p in got if p)


def test_without_a_filter_pages_are_full_too(api: LocalDriver) -> None:
    got = pages(api, limit="40")
    assert [len(p) for p in got if p] == [40, 40, 40, 10]
    assert [c for p in got for c in p] == ids(*range(N, 0, -1))


def test_paused_filters_across_pages(api: LocalDriver) -> None:
    for n in (5, 60, 118):
        status, _ = api.api("POST", f"/customers/LP-{n:03d}/pause", {"reason": "dispute"})
        assert status == 200
    with pytest.MonkeyPatch.context() as mp:  # the next run writes the paused rows
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-05T03:00:00+00:00")
        api.fire_schedule(datetime(2026, 5, 5, 4, 0, tzinfo=UTC))
        api.drain()
    got = pages(api, paused="true", limit="2")
    assert [c for p in got for c in p] == ids(118, 60, 5)
    assert [len(p) for p in got if p] == [2, 1]
