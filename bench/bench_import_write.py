"""Import write yardstick: DynamoDB write requests per 1,000 rows through the real
import path on the embedded AWS, against the floor of 40 (1,000 rows / 25 items per
BatchWriteItem).

    .venv/bin/python bench/bench_import_write.py [--rows 20000] [--customers 2000]

A customers file and an invoices file (as `dunning generate` shapes them) are
dropped into the import bucket through the local driver: S3 notification ->
import function -> DynamoDB Local, follow-ups through the import queue, the file
moved to processed/. Requests are counted by botocore event hooks (`before-call`)
on every client the import function's dependency bundle uses: its DynamoDB client
(the batch writer), its S3 and SQS clients, and the clients PynamoDB holds for
the models (ledger, look-ups, import marks). Then the same invoices file is
uploaded again (same bytes, same key): it should write nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from dunning.adapters.dynamodb.models import ALL_MODELS
from dunning.composition import import_deps
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.imports import LOCAL_IMPORT_PARAMETERS

FLOOR = 1000 / 25  # BatchWriteItem takes 25 items
WRITES = {"BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}
CONFIG = b"""\
subsidiaries:
  - {id: NL01, name: Bench B.V., base_currency: EUR, timezone: Europe/Amsterdam}
procedures: []
"""


class Meter:
    """Requests by service and operation, and the items each BatchWriteItem carried."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.batch_items: list[int] = []
        self._seen: set[int] = set()

    def attach(self, client: Any) -> None:
        if id(client) in self._seen:
            return
        self._seen.add(id(client))
        client.meta.events.register("before-call", self._before)

    def reset(self) -> None:
        self.calls.clear()
        self.batch_items.clear()

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.calls[f"{service}.{model.name}"] += 1
        if model.name == "BatchWriteItem":
            body = params.get("body")
            if isinstance(body, bytes | str):
                self.batch_items.append(str(body).count('"PutRequest"'))

    def dynamodb_writes(self) -> int:
        return sum(n for name, n in self.calls.items() if name.split(".")[1] in WRITES)


def customers_csv(n: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["customer_id", "subsidiary_id", "name", "email", "language", "currency"])
    for i in range(n):
        writer.writerow(
            [f"C{i:06d}", "NL01", f"Klant {i} B.V.", f"ap{i}@klant.example", "nl", "EUR"]
        )
    return out.getvalue().encode()


def invoices_csv(n: int, customers: int) -> bytes:
    rnd = random.Random(2026)
    start = date(2026, 1, 1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["invoice_id", "customer_id", "number", "issue_date", "due_date", "currency", "amount",
         "amount_remaining", "status"]
    )  # fmt: skip
    for i in range(n):
        issued = start + timedelta(days=rnd.randrange(300))
        cents = rnd.randrange(1_000, 5_000_000)
        paid = rnd.random() < 0.3
        writer.writerow(
            [
                f"INV{i:08d}",
                f"C{rnd.randrange(customers):06d}",
                f"2026-{i:08d}",
                issued.isoformat(),
                (issued + timedelta(days=30)).isoformat(),
                "EUR",
                f"{cents // 100}.{cents % 100:02d}",
                "0.00" if paid else f"{cents // 100}.{cents % 100:02d}",
                "paid" if paid else "open",
            ]
        )
    return out.getvalue().encode()


def drop(driver: LocalDriver, meter: Meter, key: str, body: bytes) -> tuple[str, float]:
    meter.reset()
    started = time.perf_counter()
    (results,) = driver.put_object("ImportBucket", key, body)
    driver.drain()
    return results[0]["status"], time.perf_counter() - started


def report(title: str, rows: int, status: str, seconds: float, meter: Meter) -> None:
    writes = meter.dynamodb_writes()
    print(f"--- {title}: {rows:,} rows, first run says {status!r}, {seconds:.2f} s")
    for name, n in sorted(meter.calls.items()):
        print(f"  {name}: {n}")
    if meter.batch_items:
        full = sum(1 for n in meter.batch_items if n == 25)
        print(
            f"  BatchWriteItem items: {sum(meter.batch_items):,} in {len(meter.batch_items):,} "
            f"requests ({full:,} of 25)"
        )
    if rows:
        print(
            f"  DynamoDB write requests per 1,000 rows: {writes / rows * 1000:.2f} "
            f"(floor {FLOOR:.0f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000, help="invoice rows")
    parser.add_argument("--customers", type=int, default=2_000)
    args = parser.parse_args()
    invoices = invoices_csv(args.rows, args.customers)
    with (
        EmbeddedAws(parameters=LOCAL_IMPORT_PARAMETERS) as aws,
        open("/dev/null", "w") as log,
    ):
        driver = LocalDriver(aws, log)
        aws.client("s3").put_object(
            Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG
        )
        meter = Meter()
        with aws.function_env("ImportFunction"):
            settings = Settings.from_env()
            # The very bundle the handler uses (cached per settings and bucket).
            deps = import_deps(settings, aws.deployment.refs["ImportBucket"])
            meter.attach(deps.repo.writer.client)  # type: ignore[attr-defined]
            meter.attach(deps.files.client)  # type: ignore[attr-defined]
            meter.attach(deps.follow_ups._client)  # type: ignore[attr-defined]
            meter.attach(deps.config._client)  # type: ignore[attr-defined]
            for model in ALL_MODELS:
                meter.attach(model._get_connection().connection.client)
        print(f"import chunk: {settings.import_chunk_rows} rows between checkpoints")

        status, seconds = drop(
            driver, meter, "incoming/bench/customers.csv", customers_csv(args.customers)
        )
        report("customers.csv", args.customers, status, seconds, meter)
        status, seconds = drop(driver, meter, "incoming/bench/invoices.csv", invoices)
        report("invoices.csv", args.rows, status, seconds, meter)
        per_1000 = meter.dynamodb_writes() / args.rows * 1000
        status, seconds = drop(driver, meter, "incoming/bench/invoices.csv", invoices)
        report("invoices.csv again (same bytes, same key)", 0, status, seconds, meter)
        print(
            f"\nDynamoDB write requests per 1,000 invoice rows: {per_1000:.2f} "
            f"(floor {FLOOR:.0f}: {per_1000 / FLOOR:.3f}x); the same file again: "
            f"{meter.dynamodb_writes()} write requests"
        )


if __name__ == "__main__":
    main()
