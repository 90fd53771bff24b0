"""What the dashboard costs on the embedded AWS (SPEC 2.7: reads bounded whatever the
number of invoices; figures kept as aggregates by the daily run).

Data: `dunning generate` (seeded; --customers, 10 invoices each, 2 subsidiaries),
imported through the real S3 -> import path. Then one daily run through the real
evaluate handler, metered, with the requests the aggregates add (figure rows, the day
item, letter watches) counted apart; then, through the real API handler, the DynamoDB
requests and read units (as DynamoDB Local reports them) of one dashboard summary, one
top-customers page, one customer-list page and one customer view; beside them a naive
summary that Queries every shard of every subsidiary and adds the invoices up (the same
figures: the bench checks that they agree).

    .venv/bin/python bench/bench_dashboard.py [--customers 10000]

The issue's size is 100,000 customers / 1,000,000 invoices; loading that onto DynamoDB
Local takes far longer than the ~10 minutes this machine allows a benchmark, so the
size is a flag and printed with the figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))

from bench_lambda_path import Meter, _evaluate_queue, write_data

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.figures import history_invoice
from dunning.adapters.dynamodb.mapping import invoice as invoice_of
from dunning.adapters.dynamodb.mapping import to_domain
from dunning.adapters.dynamodb.models import (
    CreditItem,
    HistoryItem,
    InvoiceItem,
    Item,
)
from dunning.composition import evaluate_deps
from dunning.domain.figures.figures import by_currency, customer_rows, figures
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.simulation import Simulation

AS_OF = date(2026, 10, 30)


class LabelledMeter(Meter):
    """A Meter that also counts the requests made while `label` is set, apart."""

    def __init__(self) -> None:
        super().__init__()
        self.label: str | None = None
        self.labelled: dict[str, int] = {}

    def _before(self, model: Any, **kw: Any) -> None:
        super()._before(model, **kw)
        if self.active and self.label:
            self.labelled[self.label] = self.labelled.get(self.label, 0) + 1

    @contextmanager
    def measuring(self) -> Iterator[None]:
        self.reset()
        self.labelled = {}
        self.active = True
        try:
            yield
        finally:
            self.active = False

    def figures(self) -> tuple[int, float]:
        return sum(self.calls.values()), self.read_units


def labelled(meter: LabelledMeter, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        meter.label = label
        try:
            return fn(*args, **kwargs)
        finally:
            meter.label = None

    return wrapped


def naive_summary(subsidiaries: list[str], as_of: date) -> dict[str, Any]:
    """The summary computed on request: every shard's invoices, history and credits read
    with Queries of the ByShard index (all pages), then added up."""
    parts = []
    for sub in subsidiaries:
        invoices, history, credits = [], [], []
        for it in Item.by_shard.query(keys.shard_key(sub)):
            if isinstance(it, InvoiceItem):
                invoices.append(invoice_of(it))
            elif isinstance(it, HistoryItem):
                history.append(history_invoice(it))
            elif isinstance(it, CreditItem):
                credits.append(to_domain(it))
        rows = customer_rows(invoices, history, credits, as_of)
        parts += [{cur: p} for (_, cur), p in rows.items()]
    return {c: figures(p) for c, p in by_currency(parts).items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedAws() as aws:
        folder = Path(tmp)
        started = clock.monotonic()
        open_invoices = write_data(folder, args.customers)
        sim = Simulation(folder, folder / "out", aws)
        sim.setup()
        loaded = clock.monotonic() - started
        invoices = args.customers * 10
        print(f"size: {args.customers:,} customers, {invoices:,} invoices generated")
        print(f"({open_invoices:,} open), loaded in {loaded:.0f} s")
        driver = LocalDriver(aws, log=open("/dev/null", "w"))  # noqa: SIM115
        meter = LabelledMeter()
        meter.active = False
        meter.attach(Item._get_connection().connection.client)
        with aws.function_env("EvaluateFunction"):
            deps = evaluate_deps(Settings.from_env())
            deps.config.load()
            meter.attach(deps.letters._client)  # type: ignore[attr-defined]
            figures_writer = deps.figures
            assert figures_writer is not None
            for name in ("write_rows", "count_paid", "add_to_day"):
                wrapped = labelled(meter, "aggregates", getattr(figures_writer, name))
                setattr(figures_writer, name, wrapped)
        subsidiaries = [s.subsidiary_id for s in sim.config.subsidiaries]
        for offset, kind in ((0, "first run"), (1, "a later day")):
            day = AS_OF + timedelta(days=offset)
            with meter.measuring():
                for sub in sim.config.subsidiaries:
                    morning = datetime.combine(day, time(6), ZoneInfo(sub.timezone))
                    meter.active = False  # the scheduler shares the process's DynamoDB client
                    driver.fire_schedule(morning.astimezone(UTC))
                    meter.active = True
                    _evaluate_queue(driver, aws, deps)
            total = sum(meter.calls.values())
            extra = meter.labelled.get("aggregates", 0)
            per = 1000 / open_invoices
            print(f"\n--- daily run {day} ({kind}), {open_invoices:,} open invoices evaluated")
            for name, n in sorted(meter.calls.items()):
                print(f"  {name}: {n}")
            print(f"requests per 1,000 invoices: {total * per:.2f}; of which the aggregates'")
            print(f"  writes (figure rows, day item, settled letter watches): {extra * per:.2f}")
            print("  (each letter's watch rides in its ledger transaction: 50 letters per")
            print("  TransactWriteItems instead of 100)")
            print(f"read units per 1,000 invoices: {meter.read_units * per:.2f}")

        last = AS_OF + timedelta(days=1)
        now = {"DUNNING_FIXED_NOW": datetime.combine(last, time(12), UTC).isoformat()}
        print("\n--- API reads (DynamoDB requests, read units as DynamoDB Local reports them)")
        rows: list[tuple[str, int, float]] = []
        customer = "C0000001"
        reads = [
            ("dashboard summary", "/dashboard/summary", {}),
            ("top customers (10)", "/dashboard/top-customers", {"subsidiary": subsidiaries[0]}),
            ("customer list page (50)", "/customers", {"limit": "50"}),
            ("customer list page, q= filter", "/customers", {"limit": "50", "q": "9"}),
            ("customer view", f"/customers/{customer}", {}),
        ]
        with aws.function_env("ApiFunction"):
            import os

            os.environ.update(now)
            driver.api("GET", "/dashboard/summary", None, None)  # a warm container
            answers = {}
            for label, path, query in reads:
                with meter.measuring():
                    status, body = driver.api("GET", path, None, query or None)
                assert status == 200, (label, status, body)
                answers[label] = body
                rows.append((label, *meter.figures()))
            with meter.measuring():
                naive = naive_summary(subsidiaries, last)
            rows.append(("naive summary: Query every shard", *meter.figures()))
        for label, n, units in rows:
            print(f"  {label:36s} {n:6d} requests {units:10.1f} RRU")
        stored = answers["dashboard summary"]["currencies"]
        for cur, f in naive.items():
            assert stored[cur]["total_ar"] == str(f.total_ar), (cur, stored[cur], f)
            assert stored[cur]["open_invoices"] == f.open_invoices, cur
        print("  (the naive summary's figures equal the stored ones)")


if __name__ == "__main__":
    main()
