"""Letters paid within 7, 14 and 30 days (SPEC 2.7) over the embedded AWS: the daily
run watches each letter it makes and counts it once its invoices are all paid, as the
imports report them; GET /dashboard/letters shows the counts per level.

Subsidiary PW01, Amsterdam; the first run on 2026-05-04 makes one letter per customer:
- PW-A (A1): paid 2026-05-08, 4 days after the letter: within 7, 14 and 30;
- PW-C (C1, C2): C1 paid 2026-05-06, C2 2026-05-19: 15 days: within 30 only;
- PW-B (B1): never paid; PW-D (D1): voided, never counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dunning.adapters.dynamodb.figures import FiguresWriter
from dunning.adapters.dynamodb.figures_read import FiguresReader
from dunning.adapters.dynamodb.letter_watch import watch_item
from dunning.composition import bind_table
from dunning.domain.figures.paid_within import LetterWatch
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

CONFIG = """
subsidiaries:
  - {id: PW01, name: Paid B.V., base_currency: EUR, timezone: Europe/Amsterdam, locale: nl,
     sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
      - {days: 60, template: firm}
"""
CUSTOMERS = """\
customer_id,subsidiary_id,name,email,language,currency
PW-A,PW01,Alpha,a@pw.example,nl,EUR
PW-B,PW01,Beta,b@pw.example,nl,EUR
PW-C,PW01,Gamma,c@pw.example,nl,EUR
PW-D,PW01,Delta,d@pw.example,nl,EUR
"""
HEAD = "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining,"
HEAD += "status,paid_date\n"
OPEN = HEAD + (
    "PW-A1,PW-A,A1,2026-03-01,2026-04-01,EUR,100.00,100.00,open,\n"
    "PW-B1,PW-B,B1,2026-03-01,2026-04-01,EUR,200.00,200.00,open,\n"
    "PW-C1,PW-C,C1,2026-03-01,2026-04-01,EUR,300.00,300.00,open,\n"
    "PW-C2,PW-C,C2,2026-03-05,2026-04-05,EUR,50.00,50.00,open,\n"
    "PW-D1,PW-D,D1,2026-03-01,2026-04-01,EUR,70.00,70.00,open,\n"
)
FIRST_PAYMENTS = HEAD + (
    "PW-A1,PW-A,A1,2026-03-01,2026-04-01,EUR,100.00,0.00,paid,2026-05-08\n"
    "PW-C1,PW-C,C1,2026-03-01,2026-04-01,EUR,300.00,0.00,paid,2026-05-06\n"
    "PW-D1,PW-D,D1,2026-03-01,2026-04-01,EUR,70.00,0.00,void,\n"
)
LAST_PAYMENT = HEAD + "PW-C2,PW-C,C2,2026-03-05,2026-04-05,EUR,50.00,0.00,paid,2026-05-19\n"


def run_day(driver: LocalDriver, mp: pytest.MonkeyPatch, day: date, drop: str | None) -> None:
    """Import a drop on `day`, then the daily run at 06:00 in Amsterdam (04:00 UTC)."""
    mp.setenv("DUNNING_FIXED_NOW", f"{day.isoformat()}T03:00:00+00:00")
    if drop is not None:
        key = f"incoming/pw/{day.isoformat()}/invoices.csv"
        outcome = driver.put_object("ImportBucket", key, drop.encode())
        assert "rejected" not in json.dumps(outcome), outcome
        driver.drain()
    driver.fire_schedule(datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC))
    driver.drain()


def by_level(driver: LocalDriver) -> list[dict[str, Any]]:
    query = {"from": "2026-05-01", "to": "2026-05-31"}
    status, body = driver.api("GET", "/dashboard/letters", None, query)
    assert status == 200, body
    # Level 1's letters and paid-within counts (the email tracking counts are tested apart).
    keys = ("level", "letters", "paid_within_7", "paid_within_14", "paid_within_30")
    return [{k: lv[k] for k in keys} for lv in body["by_level"] if lv["level"] == 1]


@pytest.fixture(scope="module")
def paid(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[LocalDriver]:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    with pytest.MonkeyPatch.context() as mp:
        key = "incoming/pw/customers.csv"
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T03:00:00+00:00")
        assert "rejected" not in json.dumps(
            driver.put_object("ImportBucket", key, CUSTOMERS.encode())
        )
        run_day(driver, mp, date(2026, 5, 4), OPEN)
        mp.setenv("DUNNING_FIXED_NOW", "2026-05-04T12:00:00+00:00")
        yield driver
        driver.drain()


def test_a_letter_counts_once_all_its_invoices_are_paid(
    paid: LocalDriver,
) -> None:
    with pytest.MonkeyPatch.context() as mp:
        assert by_level(paid) == [
            {"level": 1, "letters": 4, "paid_within_7": 0, "paid_within_14": 0, "paid_within_30": 0}
        ]
        run_day(paid, mp, date(2026, 5, 9), FIRST_PAYMENTS)
        # A is paid within 7 days; C still has C2 open; D was voided: never counted.
        assert by_level(paid) == [
            {"level": 1, "letters": 4, "paid_within_7": 1, "paid_within_14": 1, "paid_within_30": 1}
        ]
        run_day(paid, mp, date(2026, 5, 20), LAST_PAYMENT)
        expected = [
            {"level": 1, "letters": 4, "paid_within_7": 1, "paid_within_14": 1, "paid_within_30": 2}
        ]
        assert by_level(paid) == expected
        # Later runs see the same payments again and count nothing twice.
        run_day(paid, mp, date(2026, 5, 21), None)
        run_day(paid, mp, date(2026, 5, 22), LAST_PAYMENT)
        assert by_level(paid) == expected


def test_a_letter_settled_twice_counts_once(paid: LocalDriver, aws: EmbeddedAws) -> None:
    """A duplicated run settling the same watches: the second finds them gone."""
    with aws.function_env("EvaluateFunction"):
        bind_table(Settings.from_env())
    day = date(2026, 6, 1)
    watches = [LetterWatch(f"LPW-{n}", "PW01", "PW-A", day, 2, (f"X{n}",)) for n in range(3)]
    for w in watches:
        watch_item(w).save()
    counted = [(w, frozenset({14, 30})) for w in watches]
    writer = FiguresWriter()
    assert writer.count_paid(counted) == 3
    assert writer.count_paid(counted) == 0  # a chunk refused whole, then one by one
    (stored,) = FiguresReader().days("PW01", day, day, 5)
    assert stored.paid_within == {(2, 14): 3, (2, 30): 3}
