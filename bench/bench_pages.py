"""Pages yardstick: bytes per page (the HTML and every asset it loads, uncompressed, with
an empty cache) and the time to first render (first-contentful-paint, from the
browser's own Paint Timing) of each page under /app/, in headless Debian Chromium
through `dunning serve`.

    .venv/bin/python bench/bench_pages.py [--customers 2000] [--runs 3] [--skip-examples]

First on examples/ (replayed 2026-09-01..2026-10-30, as the browser tests do), then on
a set `dunning generate` writes (--customers, 10 invoices each), served as of
2026-10-30. Each page is opened --runs times in a fresh browser context; the median
first paint is printed, with the time `dunning serve` took to answer the HTML
(responseEnd - requestStart).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).parents[1]
# This checkout's packages first, not another installed copy.
THIS_CHECKOUT = os.environ | {
    "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT / "local")])
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def serving(data: Path, *extra: str) -> Iterator[str]:
    command = [sys.executable, "-m", "dunning_local.cli", "serve", "--data", str(data)]
    proc = subprocess.Popen(
        [*command, *extra, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
        env=THIS_CHECKOUT,
    )
    assert proc.stdout is not None
    started = time.monotonic()
    url = None
    for line in proc.stdout:
        found = re.search(r"Dunning API on (http://\S+?)/ ", line)
        if found:
            url = found.group(1)
            break
    if url is None:
        proc.kill()
        raise SystemExit(f"dunning serve did not start on {data}")
    print(f"  dunning serve ready in {time.monotonic() - started:.0f} s")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def pages_of(url: str) -> list[tuple[str, str]]:
    def get(path: str) -> Any:
        with urllib.request.urlopen(url + path, timeout=120) as r:
            return json.loads(r.read())

    top = get("/customers?limit=1")["customers"][0]["customer_id"]
    invoice = get(f"/customers/{urllib.parse.quote(top)}")["invoices"][0]["invoice_id"]
    return [
        ("dashboard", "/app/"),
        ("customers", "/app/customers"),
        ("customer", f"/app/customers/{urllib.parse.quote(top)}"),
        ("invoice", f"/app/invoices/{urllib.parse.quote(invoice)}"),
        ("approvals", "/app/approvals"),
        ("attention", "/app/attention"),
    ]


def measure(browser: Any, url: str) -> dict[str, float]:
    """One visit with an empty cache: bytes of every response, first paint, server time."""
    context = browser.new_context()
    page = context.new_page()
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.goto(url, wait_until="load")
    # The paint entry may come a little after the load event. Polled from here: the
    # page's CSP forbids the eval that page.wait_for_function would use.
    painted = "() => performance.getEntriesByName('first-contentful-paint').length > 0"
    deadline = time.monotonic() + 10
    while not page.evaluate(painted) and time.monotonic() < deadline:
        time.sleep(0.02)
    timing = page.evaluate(
        """() => {
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            const nav = performance.getEntriesByType('navigation')[0];
            return {fcp: paint ? paint.startTime : -1,
                    server: nav.responseEnd - nav.requestStart};
        }"""
    )
    html = sizes.get(url, 0)
    context.close()
    return {"bytes": sum(sizes.values()), "html": html, **timing}


def report(name: str, url: str, runs: int) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        print(f"  {'page':<10} {'bytes':>9} {'of it HTML':>10} {'FCP ms':>7} {'server ms':>9}")
        for label, path in pages_of(url):
            seen = [measure(browser, url + path) for _ in range(runs)]
            fcp = statistics.median(s["fcp"] for s in seen)
            server = statistics.median(s["server"] for s in seen)
            print(
                f"  {label:<10} {int(seen[-1]['bytes']):>9,} {int(seen[-1]['html']):>10,} "
                f"{fcp:>7.0f} {server:>9.0f}"
            )
        browser.close()
    print(f"  ({name})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-examples", action="store_true")
    args = parser.parse_args()
    if not args.skip_examples:
        print("examples/, replayed 2026-09-01..2026-10-30:")
        extra = ("--from", "2026-09-01", "--today", "2026-10-30")
        with serving(ROOT / "examples", *extra) as url:
            report("examples", url, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "generated"
        subprocess.run(
            [
                *(sys.executable, "-m", "dunning_local.cli", "generate", "--out", str(out)),
                *("--customers", str(args.customers), "--subsidiaries", "3"),
            ],
            check=True,
            cwd=ROOT,
            env=THIS_CHECKOUT,
            stdout=subprocess.DEVNULL,
        )
        rows = sum(1 for _ in (out / "invoices.csv").open()) - 1
        print(f"generated: {args.customers:,} customers, {rows:,} invoices, as of 2026-10-30:")
        with serving(out, "--today", "2026-10-30") as url:
            report(f"generated, {args.customers:,} customers", url, args.runs)


if __name__ == "__main__":
    main()
