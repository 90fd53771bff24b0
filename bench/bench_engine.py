"""Engine throughput: invoices evaluated per second on one core.

Generates a synthetic data set (1,000,000 invoices by default; generation and
parsing are not timed), builds one Snapshot per subsidiary and times
`evaluate()` over all of them (CPU time, one process): the first run (no stored
state, so most scopes get a letter: the worst case), the next day with the
first run's states applied (the steady state of a daily run), and that day
once more (must make no letter). The target is >= 200,000 invoices/s.

    .venv/bin/python bench/bench_engine.py [--customers N] [--repeat N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from dunning.domain.configuration.config import Config
from dunning.domain.configuration.parse import parse_config
from dunning.domain.engine.run import Evaluation, Snapshot, evaluate
from dunning.domain.model import Invoice, ScopeRef, Sending
from dunning_local.synthetic import generate
from dunning_local.synthetic_readers import (
    credit_from_row,
    customer_from_row,
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
    config: Config, snapshots: dict[str, Snapshot], as_of: date, repeat: int
) -> tuple[list[float], dict[str, Evaluation]]:
    """CPU seconds of evaluate() over every subsidiary, `repeat` times; the first results."""
    timings: list[float] = []
    results: dict[str, Evaluation] = {}
    for _ in range(repeat):
        gc.collect()  # start each round from the same heap, not mid-way to a collection
        start = time.process_time()
        round_results = {sub: evaluate(config, sub, snap, as_of) for sub, snap in snapshots.items()}
        timings.append(time.process_time() - start)
        results = results or round_results
    return timings, results


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


def report(label: str, invoices: int, timings: list[float], results: dict[str, Evaluation]) -> None:
    letters = sum(len(r.letters) for r in results.values())
    items = sum(len(letter.items) for r in results.values() for letter in r.letters)
    states = sum(len(r.states) for r in results.values())
    best, median = min(timings), statistics.median(timings)
    verdict = "ok" if invoices / best >= TARGET else f"BELOW target {TARGET:,}"
    print(
        f"{label:<28} best {best:5.2f} s  {invoices / best:>9,.0f}/s   "
        f"median {median:5.2f} s  {invoices / median:>9,.0f}/s   {verdict}\n"
        f"{'':<28} ({letters:,} letters, {items:,} items, {states:,} states changed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per scenario")
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

    print(f"CPU time of evaluate() on one core, {args.repeat} rounds each:")
    timings, first = run_all(config, snapshots, AS_OF, args.repeat)
    report("day 1 (no stored state)", invoices, timings, first)
    tomorrow = {sub: next_day(snap, first[sub]) for sub, snap in snapshots.items()}
    day2 = AS_OF + timedelta(days=1)
    timings, second = run_all(config, tomorrow, day2, args.repeat)
    report("day 2 (day 1 states applied)", invoices, timings, second)
    rerun = {sub: next_day(snap, second[sub]) for sub, snap in tomorrow.items()}
    timings, again = run_all(config, rerun, day2, args.repeat)
    report("day 2 again (no new letter)", invoices, timings, again)
    if any(r.letters for r in again.values()):
        raise SystemExit("a second run on the same day made letters")


def _is_open(invoice: Invoice) -> bool:
    return invoice.is_open


if __name__ == "__main__":
    main()
