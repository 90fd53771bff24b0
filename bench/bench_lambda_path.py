"""The evaluation Lambda path on the embedded AWS: AWS requests per 1,000 invoices
evaluated and DynamoDB read units as DynamoDB Local reports them, against the floor
(bytes of the items read / 4 KB x 0.5 RRU).

Data: `dunning generate` (seeded), imported through the real S3 -> import path.
Then one schedule fires for each subsidiary's morning and every evaluation message
is handled by the real evaluate handler with a deps bundle whose clients carry
botocore event hooks that count requests and read ConsumedCapacity.

    .venv/bin/python bench/bench_lambda_path.py [--customers 300]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dunning.adapters.dynamodb.models import Item
from dunning.composition import evaluate_deps
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LambdaContext, LocalDriver, sqs_record
from dunning_local.simulation import Simulation
from dunning_local.synthetic import generate, write_csv

AS_OF = date(2026, 10, 30)


class Meter:
    """Counts requests by service and operation; sums consumed read units and bytes read."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.read_units = 0.0
        self.bytes_read = 0
        self.active = True

    def reset(self) -> None:
        self.calls.clear()
        self.read_units = 0.0
        self.bytes_read = 0

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call.dynamodb", self._after_dynamodb)

    def _before(self, model: Any, **_: Any) -> None:
        if self.active:
            self.calls[f"{model.service_model.service_name}.{model.name}"] += 1

    def _after_dynamodb(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if self.active and model.name in ("Query", "GetItem", "BatchGetItem", "Scan"):
            capacity = parsed.get("ConsumedCapacity") or {}
            if isinstance(capacity, list):
                self.read_units += sum(c.get("CapacityUnits", 0) for c in capacity)
            else:
                self.read_units += capacity.get("CapacityUnits", 0)
            self.bytes_read += sum(item_size(i) for i in parsed.get("Items", []))


def item_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size rules on the wire format: names plus typed values."""
    return sum(len(name.encode()) + value_size(v) for name, v in item.items())


def value_size(typed: dict[str, Any]) -> int:
    ((kind, v),) = typed.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return len(v.lstrip("-").replace(".", "")) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(x) for x in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(x) for k, x in v.items())
    return len(str(v))


def write_data(folder: Path, customers: int) -> int:
    data = generate(7, customers, AS_OF, invoices_per_customer=10, subsidiaries=2)
    (folder / "dunning.yaml").write_text(data.config_yaml, encoding="utf-8")
    for name, columns, rows in data.tables():
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            write_csv(f, columns, rows)
    # What evaluation reads: invoices still open (paid ones are not in the shard index).
    return sum(
        1
        for row in data.invoices()
        if row["status"] == "open" and Decimal(row["amount_remaining"]) > 0
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedAws() as aws:
        folder = Path(tmp)
        open_invoices = write_data(folder, args.customers)
        sim = Simulation(folder, folder / "out", aws)
        sim.setup()
        driver = LocalDriver(aws, log=open("/dev/null", "w"))  # noqa: SIM115
        with aws.function_env("EvaluateFunction"):
            deps = evaluate_deps(Settings.from_env())
            deps.config.load()  # the config is read once per container: not per shard
            meter = Meter()
            meter.attach(Item._get_connection().connection.client)
            meter.attach(deps.letters._client)  # type: ignore[attr-defined]
        for offset in range(args.days):
            day = AS_OF + timedelta(days=offset)
            meter.reset()
            for sub in sim.config.subsidiaries:
                morning = datetime.combine(day, time(6), ZoneInfo(sub.timezone)).astimezone(UTC)
                meter.active = False  # the scheduler shares the process's DynamoDB client
                driver.fire_schedule(morning)
                meter.active = True
                _evaluate_queue(driver, aws, deps)
            kind = "first run: every overdue customer" if offset == 0 else "a later day"
            print(f"--- {day} ({kind})")
            _report(meter, open_invoices)


def _evaluate_queue(driver: LocalDriver, aws: EmbeddedAws, deps: Any) -> None:
    """Deliver every evaluation message to the real handler, with the metered deps."""
    handler = driver._handler("EvaluateFunction")
    sqs = aws.client("sqs")
    url = aws.deployment.refs["EvaluationQueue"]
    arn = aws.deployment.attrs["EvaluationQueue.Arn"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages"):
        event = {"Records": [sqs_record(m, arn) for m in messages]}
        with aws.function_env("EvaluateFunction"):
            result = handler(event, LambdaContext("EvaluateFunction"), deps=deps)
        assert not result["batchItemFailures"], result
        sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])


def _report(meter: Meter, invoices: int) -> None:
    total = sum(meter.calls.values())
    floor = meter.bytes_read / 4096 * 0.5
    print(f"open invoices evaluated: {invoices}")
    for name, n in sorted(meter.calls.items()):
        print(f"  {name}: {n}")
    print(f"AWS requests per 1,000 invoices: {total / invoices * 1000:.2f} (target <= 12)")
    print(
        f"DynamoDB read units: {meter.read_units:.1f}; floor {floor:.1f} "
        f"({meter.bytes_read} bytes read / 4 KB x 0.5): ratio {meter.read_units / floor:.3f} "
        "(target <= 1.10)"
    )
    print(f"read units per 1,000 invoices: {meter.read_units / invoices * 1000:.2f}")


if __name__ == "__main__":
    main()
