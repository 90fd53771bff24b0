"""AWS requests per email tracking event recorded (SPEC 2.9), through the real bounces
function on the embedded AWS.

Letters are sent by the real schedule -> evaluate -> render-and-send path; then each
letter's email gets a Delivery and an Open event in the shape SES publishes to SNS
(dunning_local.ses_events), one SNS record per invocation as SNS delivers them, then
every event again (SNS delivers at least once), an Open earlier than the one kept
(out of order), and events naming no letter on file. botocore `before-call` hooks on
PynamoDB's DynamoDB clients count every request.

    .venv/bin/python bench/bench_tracking.py [--letters 20]

Prints requests per event by operation for each case. Yardstick: <= 3 requests per
first event (find the letter: a ByRef Query and a GetItem; record and count it: one
TransactWriteItems), a replay <= 4 (the transaction refused, then the earlier-time
check), an unknown letter 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dunning.adapters.dynamodb.models import ALL_MODELS, bind
from dunning.domain.model import Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.ses_events import ses_event, sns_event
from dunning_local.table import DunningTable

BOUNCES = "BouncesFunction"
DAY = date(2026, 10, 5)
TARGETS = {"first event": 3.0, "replayed event": 4.0, "earlier event": 4.0, "unknown letter": 1.0}

CONFIG = """
subsidiaries:
  - {id: BENCH, name: Acme Bench B.V., base_currency: EUR, timezone: UTC, locale: en,
     sender: collections@acme.example, default_procedure: STD}
procedures:
  - id: STD
    levels: [{days: 1, template: friendly}]
"""


class Meter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._before)

    def _before(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}.{model.name}"] += 1


def send_letters(aws: EmbeddedAws, driver: LocalDriver, letters: int) -> list[str]:
    repo = DunningTable()
    customers, invoices = [], []
    for n in range(letters):
        cid = f"T{n:04d}"
        customers.append(Customer(cid, "BENCH", f"Customer {cid}", (f"ap@{cid.lower()}.example",)))
        due = DAY - timedelta(days=5)
        amount = Decimal("250.00")
        invoices.append(
            Invoice(f"{cid}-1", cid, f"NR-{cid}", due - timedelta(30), due, "EUR", amount, amount)
        )
    repo.put_customers(customers)
    repo.put_invoices(invoices)
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG.encode()
    )
    driver.fire_schedule(datetime(DAY.year, DAY.month, DAY.day, 6, tzinfo=UTC))
    driver.drain()
    ids = [
        letter_id_for("BENCH", ScopeRef(ScopeKind.CUSTOMER, c.customer_id, "EUR"), DAY)
        for c in customers
    ]
    for c, letter_id in zip(customers, ids, strict=True):
        found = repo.get_letter(c.customer_id, letter_id)
        assert found is not None and found.status == "sent", (c.customer_id, found)
    return ids


def feed(driver: LocalDriver, meter: Meter, messages: list[str], expect: str) -> Counter[str]:
    meter.calls.clear()
    for message in messages:
        summary = driver.invoke(BOUNCES, sns_event(message))
        got = "tracked" if summary["tracked"] else "replayed" if summary["replayed"] else "unknown"
        assert got == expect, (expect, summary)
    return Counter(meter.calls)


def report(label: str, calls: Counter[str], events: int) -> bool:
    total = sum(calls.values()) / events
    parts = ", ".join(f"{op} {n / events:.2f}" for op, n in sorted(calls.items()))
    ok = total <= TARGETS[label]
    print(f"{label}: {total:.2f} AWS requests per event ({parts})")
    print(f"  target <= {TARGETS[label]:.0f}: {'ok' if ok else 'OVER TARGET'}")
    return total > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20)
    args = parser.parse_args()
    os.environ["DUNNING_FIXED_NOW"] = f"{DAY.isoformat()}T12:00:00+00:00"
    with EmbeddedAws() as aws:
        bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
        aws.client("ses").verify_domain_identity(Domain="acme.example")
        driver = LocalDriver(aws, log=open(os.devnull, "w"))  # noqa: SIM115 - the run's life
        ids = send_letters(aws, driver, args.letters)
        meter = Meter()
        # PynamoDB keeps a connection (and botocore client) per model class
        clients = {id(c): c for c in (m._get_connection().connection.client for m in ALL_MODELS)}
        for client in clients.values():
            meter.attach(client)

        first = [ses_event("Delivery", i, at="2026-10-05T06:00:03.000Z") for i in ids]
        first += [ses_event("Open", i, at="2026-10-05T09:00:00.000Z") for i in ids]
        earlier = [ses_event("Open", i, at="2026-10-05T07:00:00.000Z") for i in ids]
        unknown = [ses_event("Open", f"L20261005-{n:016x}") for n in range(len(ids))]
        results = [
            ("first event", feed(driver, meter, first, "tracked"), len(first)),
            ("replayed event", feed(driver, meter, first, "replayed"), len(first)),
            ("earlier event", feed(driver, meter, earlier, "replayed"), len(earlier)),
            ("unknown letter", feed(driver, meter, unknown, "unknown"), len(unknown)),
        ]
        status, body = driver.api(
            "GET", "/dashboard/letters", None, {"from": DAY.isoformat(), "to": DAY.isoformat()}
        )
        assert status == 200, body
        (level,) = body["by_level"]
        assert (level["emails_delivered"], level["emails_opened"]) == (len(ids), len(ids))
        print(f"{len(ids)} letters; dashboard: {level}")
        return 0 if all(report(*r) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
