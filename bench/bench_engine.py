"""Engine throughput: invoices evaluated per second on one core.

Generates a synthetic data set (1,000,000 invoices by default; generation and
parsing are not timed), builds one Snapshot per subsidiary and times
`evaluate()` over all of them, twice: the first run (no stored state, so most
scopes get a letter) and the next day with the first run's states applied
(the steady state of a daily run). The target is >= 200,000 invoices/s.

    .venv/bin/python bench/bench_engine.py [--customers 100000] [--per-customer 10] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from dunning.domain.config import parse_config
from dunning.domain.engine import Evaluation, Snapshot, evaluate
from dunning.domain.model import Config, Invoice, ScopeRef, Sending
from dunning.domain.synthetic import (
    credit_from_row,
    customer_from_row,
    generate,
    group_from_row,
    invoice_from_row,
)

AS_OF = date(2025, 3, 14)
TARGET = 200_000


def build_snapshots(
    customers: int, per_customer: int, seed: int
) -> tuple[Config, dict[str, Snapshot]]:
    data = generate(seed, customers, AS_OF, invoices_per_customer=per_customer, subsidiaries=6)
    config = parse_config(data.config_yaml)
    customer_rows = [customer_from_row(r) for r in data.customers()]
    subsidiary_of = {c.customer_id: c.subsidiary_id for c in customer_rows}
    by_sub: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for c in customer_rows:
        by_sub[c.subsidiary_id]["customers"].append(c)
    dates: dict[str, date] = {}
    for row in data.invoices():
        invoice = invoice_from_row(row, dates)
        by_sub[subsidiary_of[invoice.customer_id]]["invoices"].append(invoice)
    for row in data.credits():
        credit = credit_from_row(row)
        by_sub[subsidiary_of[credit.customer_id]]["credits"].append(credit)
    for row in data.invoice_groups():
        group = group_from_row(row)
        by_sub[subsidiary_of[group.customer_id]]["groups"].append(group)
    snapshots = {
        sub: Snapshot(
            customers=parts["customers"],
            invoices=parts["invoices"],
            credits=parts["credits"],
            groups=parts["groups"],
            pauses=(),
            states=(),
        )
        for sub, parts in sorted(by_sub.items())
    }
    return config, snapshots


def run_all(
    config: Config, snapshots: dict[str, Snapshot], as_of: date, collect: bool = True
) -> tuple[float, dict[str, Evaluation]]:
    """CPU seconds of evaluate() over every subsidiary; `collect=False` runs without the GC."""
    gc.collect()
    if not collect:
        gc.disable()
    try:
        start = time.process_time()
        results = {sub: evaluate(config, sub, snap, as_of) for sub, snap in snapshots.items()}
        elapsed = time.process_time() - start
    finally:
        gc.enable()
    return elapsed, results


def next_day(snapshot: Snapshot, evaluation: Evaluation) -> Snapshot:
    """The stored state after the run: changed states written, manual letters pending."""
    states = {s.ref: s for s in snapshot.states}
    states.update({s.ref: s for s in evaluation.states})
    pending: Iterable[ScopeRef] = (
        ScopeRef(letter.scope, letter.scope_id, letter.currency)
        for letter in evaluation.letters
        if letter.sending == Sending.MANUAL
    )
    return replace(
        snapshot, states=tuple(states.values()), pending=snapshot.pending | frozenset(pending)
    )


def report(label: str, invoices: int, seconds: float, results: dict[str, Evaluation]) -> None:
    letters = sum(len(r.letters) for r in results.values())
    items = sum(len(letter.items) for r in results.values() for letter in r.letters)
    states = sum(len(r.states) for r in results.values())
    rate = invoices / seconds
    verdict = "ok" if rate >= TARGET else f"BELOW target {TARGET:,}"
    print(
        f"{label:<28} {seconds:6.2f} s CPU  {rate:>11,.0f} invoices/s/core  "
        f"({letters:,} letters, {items:,} items, {states:,} states)  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="cProfile the first run")
    args = parser.parse_args()

    start = time.perf_counter()
    config, snapshots = build_snapshots(args.customers, args.per_customer, args.seed)
    invoices = sum(len(s.invoices) for s in snapshots.values())
    open_count = sum(1 for s in snapshots.values() for i in s.invoices if _is_open(i))
    print(
        f"generated {invoices:,} invoices ({open_count:,} open) for {args.customers:,} customers "
        f"in {len(snapshots)} subsidiaries in {time.perf_counter() - start:.1f} s (not timed)"
    )

    if args.profile:
        gc.disable()  # GC pauses would be charged to whichever function allocates
        profiler = cProfile.Profile()
        profiler.enable()
        for sub, snap in snapshots.items():
            evaluate(config, sub, snap, AS_OF)
        profiler.disable()
        gc.enable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    seconds, first = run_all(config, snapshots, AS_OF)
    report("day 1 (no stored state)", invoices, seconds, first)
    seconds, _ = run_all(config, snapshots, AS_OF, collect=False)
    report("day 1, GC off", invoices, seconds, first)
    tomorrow = {sub: next_day(snap, first[sub]) for sub, snap in snapshots.items()}
    day2 = AS_OF + timedelta(days=1)
    seconds, second = run_all(config, tomorrow, day2)
    report("day 2 (day 1 states applied)", invoices, seconds, second)
    rerun = {sub: next_day(snap, second[sub]) for sub, snap in tomorrow.items()}
    seconds, again = run_all(config, rerun, day2)
    report("day 2 rerun (must be empty)", invoices, seconds, again)


def _is_open(invoice: Invoice) -> bool:
    return invoice.is_open


if __name__ == "__main__":
    main()
