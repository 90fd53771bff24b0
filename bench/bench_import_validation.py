"""Import validation yardstick: rows per second and peak memory, streaming.

    .venv/bin/python bench/bench_import_validation.py [--rows 1000000]

1. Writes an invoices CSV of N rows (13 columns, as an ERP exports them) to a
   temporary file. Not timed.
2. Validates it in a fresh child process, streaming the file opened in binary
   mode, with a customer look-up that answers from memory (as a batched
   DynamoDB call would, minus the network) and counts its calls:
   - timed runs (fastest of --repeat, default 3): wall and CPU seconds,
     rows/s, and the growth of the child's maximum resident set size
     (getrusage ru_maxrss after minus before the first validation; the
     interpreter and imports are in the "before");
   - one run under tracemalloc (slower, so not timed): the peak of memory
     allocated by Python during the validation.
Targets: >= 150,000 rows/s (judged on wall and on CPU time) and <= 64 MB.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path

from dunning.domain.imports.schema import FileKind
from dunning.domain.imports.validation import validate_file
from dunning_local.synthetic import INVOICE_COLUMNS

TARGET_ROWS_PER_S = 150_000
TARGET_MB = 64
CUSTOMERS = 50_000


def write_invoices(path: Path, rows: int) -> None:
    rnd = random.Random(2026)
    start = date(2025, 11, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(INVOICE_COLUMNS)
        for i in range(rows):
            issued = start + timedelta(days=rnd.randrange(365))
            cents = rnd.randrange(1_000, 5_000_000)
            paid = rnd.random() < 0.2
            remaining = 0 if paid else (cents if rnd.random() < 0.8 else rnd.randrange(cents))
            writer.writerow(
                [
                    f"INV-{i:010d}",
                    f"C{rnd.randrange(CUSTOMERS):07d}",
                    f"{issued.year}-{i:08d}",
                    issued.isoformat(),
                    (issued + timedelta(days=rnd.choice((14, 30, 60)))).isoformat(),
                    rnd.choice(("EUR", "EUR", "EUR", "USD", "GBP")),
                    f"{cents // 100}.{cents % 100:02d}",
                    f"{remaining // 100}.{remaining % 100:02d}",
                    rnd.choice(("", "", "Sales", "Services")),
                    f"G{rnd.randrange(1000)}" if rnd.random() < 0.1 else "",
                    "",
                    "paid" if paid else "open",
                    (issued + timedelta(days=20)).isoformat() if paid else "",
                ]
            )


def max_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def validate(path: str, trace: bool, repeat: int) -> dict[str, float]:
    """Runs in the child process: `repeat` validations, the fastest reported."""
    calls = 0

    def known_customers(ids: Collection[str]) -> set[str]:
        nonlocal calls
        calls += 1
        return set(ids)

    rss_before = max_rss_mb()
    if trace:
        tracemalloc.start()
    best: dict[str, float] = {}
    rss_growth = 0.0
    for run in range(repeat):
        calls = 0
        wall, cpu = time.perf_counter(), time.process_time()
        with open(path, "rb") as lines:
            report = validate_file(FileKind.INVOICES, lines, known_customers=known_customers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert report.ok, report.errors[:5]
        if not best or wall < best["wall"]:
            best = {"rows": report.rows, "wall": wall, "cpu": cpu, "lookups": calls}
        if run == 0:  # later runs would only add the heap's fragmentation
            rss_growth = max_rss_mb() - rss_before
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    tracemalloc.stop()
    return best | {"rss_before": rss_before, "rss_growth": rss_growth, "traced_peak": peak}


def in_child(path: Path, trace: bool, repeat: int = 1) -> dict[str, float]:
    # A fresh process: its maximum RSS has not seen the generation step.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(validate, (str(path), trace, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the fastest counts")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "invoices_bench.csv"
        started = time.perf_counter()
        write_invoices(path, args.rows)
        size = path.stat().st_size / 2**20
        print(
            f"generated {args.rows:,} rows, {size:.0f} MB in {time.perf_counter() - started:.1f} s"
        )

        timed = in_child(path, trace=False, repeat=args.repeat)
        rate = timed["rows"] / timed["wall"]
        print(
            f"validated {timed['rows']:,.0f} rows in {timed['wall']:.2f} s wall "
            f"(fastest of {args.repeat}) "
            f"({timed['cpu']:.2f} s CPU): {rate:,.0f} rows/s wall, "
            f"{timed['rows'] / timed['cpu']:,.0f} rows/s CPU; "
            f"{timed['lookups']:,.0f} customer look-up calls"
        )
        print(
            f"max RSS growth during validation: {timed['rss_growth']:.1f} MB "
            f"(child at {timed['rss_before']:.1f} MB before, interpreter and imports)"
        )
        traced = in_child(path, trace=True)
        print(f"tracemalloc peak during validation: {traced['traced_peak']:.1f} MB")

    peak = max(timed["rss_growth"], traced["traced_peak"])
    cpu_rate = timed["rows"] / timed["cpu"]
    # On a shared machine the wall clock also counts time spent waiting for a
    # core; CPU time is what the code itself costs. Both are judged.
    load = os.getloadavg()[0]
    print(
        f"targets: >= {TARGET_ROWS_PER_S:,} rows/s: wall {_verdict(rate >= TARGET_ROWS_PER_S)}, "
        f"CPU {_verdict(cpu_rate >= TARGET_ROWS_PER_S)} (load average {load:.1f} on "
        f"{os.cpu_count()} CPUs); <= {TARGET_MB} MB: {_verdict(peak <= TARGET_MB)}"
    )


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    main()
