"""CPU time to render a letter: view + Jinja2 + WeasyPrint PDF, as the render Lambda does.

Run: .venv/bin/python bench/bench_render.py [--repeat N] [--samples docs/]
Prints CPU-ms (time.process_time) per one-page letter (10 lines) and per multi-page
letter (60 lines: two A4 pages), and the median of each step (view with its QR code,
Jinja2's four parts, WeasyPrint's PDF), after a warm-up, with one WeasyPrintPdf (shared
FontConfiguration and pre-parsed CSS) for all letters, each letter with its own id.
Yardsticks: <= 100 ms and <= 400 ms.
With --worst it also renders the largest letter the view lets through (its caps in
domain/letters/view.py: items, credits, text lengths, address lines), 1,000 items of
255-character numbers and hostile names, and prints its pages and CPU time: the
bound on one render job, since WeasyPrint itself has no timeout.
With --samples DIR it also writes DIR/letter-a4-<lang>.png per language and
DIR/letter-letter-en.png (page 1 at 60 dpi, pdftoppm) of a final notice with credits,
fee, interest, payment plan and QR code, on A4 and on US Letter.
It also times the print room's merge of a 100-letter batch (pypdf), CPU and wall ms.
With --baseline DIR it first runs DIR/bench/bench_render.py (a `git worktree add` copy
of older code) with PYTHONPATH at DIR, so both sets of figures come from one run.
Then the statement of account a level may attach (SPEC 2.8), measured in the same
run and process: CPU-ms per page of a one-page statement (20 rows) and of a long one
(its cap, MAX_STATEMENT_ROWS rows), from the records to the PDF (rows, view, Jinja2,
WeasyPrint), next to the one-page letter's figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from dunning.adapters.jinja_renderer import JinjaLetterRenderer
from dunning.adapters.print_room import merge_pdfs
from dunning.adapters.weasyprint_pdf import WeasyPrintPdf
from dunning.domain.configuration.config import Paper, Subsidiary
from dunning.domain.letters.statement import build_statement
from dunning.domain.letters.statement_view import MAX_STATEMENT_ROWS, build_statement_view
from dunning.domain.letters.view import (
    MAX_ADDRESS_LINES,
    MAX_LISTED_CREDITS,
    MAX_LISTED_ITEMS,
    MAX_TEXT_CHARS,
    build_view,
)
from dunning.domain.model import (
    Credit,
    CreditKind,
    Customer,
    Instalment,
    Invoice,
    Letter,
    LetterCredit,
    LetterItem,
    ScopeKind,
)
from dunning.domain.postal import PostalAddress

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
TODAY = date(2025, 3, 4)
TARGETS_MS = {10: 100.0, 60: 400.0}

SUBSIDIARY = Subsidiary(
    subsidiary_id="NL01",
    name="Acme Nederland B.V.",
    base_currency="EUR",
    timezone="Europe/Amsterdam",
    locale="nl",
    sender="collections@acme.example",
    payment_url="https://pay.acme.example/checkout",
    iban="NL91ABNA0417164300",
    address_lines=("Keizersgracht 1", "1015 CJ Amsterdam"),
)
US_SUBSIDIARY = Subsidiary(
    subsidiary_id="US01",
    name="Acme Inc.",
    base_currency="USD",
    timezone="America/New_York",
    locale="en",
    sender="collections-us@acme.example",
    payment_url="https://pay.acme.example/us",
    address_lines=("200 Liberty Street", "Suite 1400", "New York, NY 10281"),
    paper=Paper.LETTER,
)
US_CUSTOMER = Customer(
    customer_id="US3003",
    subsidiary_id="US01",
    name="Pinecrest Dental Group, PLLC",
    language="en",
    currency="USD",
    address=PostalAddress(
        "715 Pinecrest Avenue",
        "Building B",
        postal_code="27601",
        city="Raleigh",
        region="NC",
        country="US",
    ),
)
CUSTOMER = Customer(
    customer_id="C-1001",
    subsidiary_id="NL01",
    name="Globex Retail GmbH",
    language="de",
    address=PostalAddress("Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
)


def letter(lines: int) -> Letter:
    items = tuple(
        LetterItem(
            invoice_id=f"I-{n}",
            number=f"INV-2024-{1000 + n}",
            issue_date=TODAY - timedelta(days=60 + n),
            due_date=TODAY - timedelta(days=30 + n),
            amount=Decimal("1000.00") + n,
            amount_remaining=Decimal("900.00") + n,
            days_overdue=30 + n,
            interest=Decimal("7.25"),
        )
        for n in range(lines)
    )
    return Letter(
        letter_id=f"L20250304-bench{lines:011d}",
        as_of=TODAY,
        subsidiary_id="NL01",
        customer_id="C-1001",
        scope=ScopeKind.CUSTOMER,
        scope_id="C-1001",
        procedure_id="STD",
        level=2,
        template="firm",
        currency="EUR",
        items=items,
        fees=Decimal("15.00"),
        interest=Decimal("7.25") * lines,
    )


def sample_letter() -> Letter:
    """A final notice with everything a letter can show, for the pictures in docs/."""
    base = letter(4)
    return replace(
        base,
        letter_id="L20250304-fedcba9876543210",
        level=3,
        template="final",
        credits=(
            LetterCredit("CM-778", date(2025, 1, 15), Decimal("300.00")),
            LetterCredit("PAY-9912", date(2025, 2, 20), Decimal("120.50"), CreditKind.PAYMENT),
        ),
        fees=Decimal("40.00"),
        payment_plan=(
            Instalment(date(2025, 3, 31), Decimal("1200.00")),
            Instalment(date(2025, 4, 30), Decimal("1200.00")),
            Instalment(date(2025, 5, 30), Decimal("1092.50")),
        ),
    )


def worst_letter() -> tuple[Letter, Customer, Subsidiary]:
    """Everything at or past the view's caps: what a render job can be asked to do."""
    long = "W" * (MAX_TEXT_CHARS * 2)  # no space: a line cannot break inside it
    words = ("Lorem ipsum dolor sit amet " * MAX_TEXT_CHARS)[: MAX_TEXT_CHARS * 2]
    base = letter(MAX_LISTED_ITEMS * 5)
    items = tuple(replace(i, number=f"{n}{long}") for n, i in enumerate(base.items))
    credits = tuple(
        LetterCredit(f"CM-{n}{long}", TODAY - timedelta(days=n), Decimal("1.00"))
        for n in range(MAX_LISTED_CREDITS * 5)
    )
    plan = tuple(Instalment(TODAY + timedelta(days=30 * n), Decimal("10.00")) for n in range(12))
    lines = tuple(words for _ in range(MAX_ADDRESS_LINES * 3))
    worst = replace(base, items=items, credits=credits, payment_plan=plan)
    customer = replace(CUSTOMER, name=words, address=PostalAddress(*lines[:6], country="DE"))
    subsidiary = replace(SUBSIDIARY, name=words, address_lines=lines)
    return worst, customer, subsidiary


def measure_worst(renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, repeat: int) -> None:
    worst, customer, subsidiary = worst_letter()
    samples: list[float] = []
    pages = 0
    for _ in range(max(1, repeat // 3)):
        start = time.process_time()
        view = build_view(worst, customer, subsidiary, "de", TODAY)
        pages = pdf.render_document(renderer.render(view).print_html).pages
        samples.append((time.process_time() - start) * 1000)
    print(
        f"worst case ({len(worst.items)} items, {len(worst.credits)} credits, long texts): "
        f"{pages} page(s) of at most {pdf.max_pages}, "
        f"median {statistics.median(samples):.0f} CPU-ms, max {max(samples):.0f}"
    )


def write_samples(renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pages = [(Paper.A4, lang, SUBSIDIARY, CUSTOMER) for lang in ("en", "de", "fr", "nl")]
    pages.append((Paper.LETTER, "en", US_SUBSIDIARY, US_CUSTOMER))
    for paper, language, subsidiary, customer in pages:
        sample = replace(sample_letter(), currency=subsidiary.base_currency)
        view = build_view(sample, customer, replace(subsidiary, paper=paper), language, TODAY)
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf.render(renderer.render(view).print_html))
            f.flush()
            target = folder / f"letter-{paper}-{language}"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-singlefile", f.name, str(target)], check=True
            )
        print(f"wrote {target}.png")


def measure_merge(renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, letters: int = 100) -> None:
    """The print room's end-of-day step for one full batch: 100 one-page letters."""
    documents = [
        pdf.render(
            renderer.render(
                build_view(
                    replace(letter(10), letter_id=f"L20250304-merge{n:011d}"),
                    CUSTOMER,
                    SUBSIDIARY,
                    "de",
                    TODAY,
                )
            ).print_html
        )
        for n in range(letters)
    ]
    cpu, wall = time.process_time(), time.perf_counter()
    merged = merge_pdfs(documents)
    cpu, wall = (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000
    kib = sum(map(len, documents)) // 1024
    print(
        f"merge of a {letters}-letter batch (pypdf): {cpu:.0f} CPU-ms, {wall:.0f} ms wall, "
        f"{kib} KiB of letters -> {len(merged) // 1024} KiB"
    )


def run_baseline(folder: Path, repeat: int) -> None:
    """The same benchmark of older code, in its own process (its own imports)."""
    env = dict(os.environ, PYTHONPATH=f"{folder / 'shared'}:{folder / 'local'}")
    script = folder / "bench" / "bench_render.py"
    done = subprocess.run(
        [sys.executable, str(script), "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stdout.splitlines():
        print(f"before: {line}")


def account(rows: int) -> tuple[list[Invoice], list[Credit]]:
    """A customer's open invoices and credits: one credit for every tenth row."""
    invoices, credits = [], []
    for n in range(rows):
        day = TODAY - timedelta(days=rows - n)
        if n % 10 == 9:
            credits.append(Credit(f"CM-{n}", "C-1001", "EUR", day, Decimal("50.00")))
            continue
        invoices.append(
            Invoice(
                f"I-{n}",
                "C-1001",
                f"INV-2024-{1000 + n}",
                day,
                day + timedelta(days=30),
                "EUR",
                Decimal("1000.00") + n,
                Decimal("900.00") + n,
            )
        )
    return invoices, credits


def measure_statement(
    renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, rows: int, repeat: int
) -> float:
    """Median CPU-ms per page of a statement of `rows` rows; prints both figures."""
    invoices, credits = account(rows)
    samples: list[float] = []
    pages = 0
    for n in range(repeat):
        sample = replace(letter(10), letter_id=f"L20250304-{rows:04d}{n:012d}")
        start = time.process_time()
        statement = build_statement("C-1001", "EUR", TODAY, invoices, credits)
        view = build_statement_view(statement, sample, CUSTOMER, SUBSIDIARY, "de", TODAY)
        pages = pdf.render_document(renderer.render_statement(view)).pages
        samples.append((time.process_time() - start) * 1000)
    median = statistics.median(samples)
    print(
        f"statement {rows:>3} rows, {pages} page(s): median {median:6.1f} CPU-ms, "
        f"{median / pages:6.1f} CPU-ms per page (of at most {pdf.max_pages} pages)"
    )
    return median / pages


def measure(renderer: JinjaLetterRenderer, pdf: WeasyPrintPdf, lines: int, repeat: int) -> float:
    samples: list[float] = []
    phases: dict[str, list[float]] = {"view": [], "Jinja2": [], "PDF": []}
    page_count = 0
    for n in range(repeat):
        # A new letter id each time, as in real traffic: nothing per letter can be reused
        # (the QR code's payload and the references differ).
        sample = replace(letter(lines), letter_id=f"L20250304-{lines:04d}{n:012d}")
        start = time.process_time()
        view = build_view(sample, CUSTOMER, SUBSIDIARY, "de", TODAY)
        viewed = time.process_time()
        html = renderer.render(view).print_html
        templated = time.process_time()
        result = pdf.render_document(html)
        done = time.process_time()
        samples.append((done - start) * 1000)
        steps = ((start, viewed), (viewed, templated), (templated, done))
        for phase, (a, b) in zip(phases, steps, strict=True):
            phases[phase].append((b - a) * 1000)
        page_count = result.pages
    median = statistics.median(samples)
    verdict = "ok" if median <= TARGETS_MS[lines] else "OVER TARGET"
    print(
        f"{lines:>3} lines, {page_count} page(s): median {median:6.1f} CPU-ms, "
        f"min {min(samples):6.1f}  (target <= {TARGETS_MS[lines]:.0f} ms: {verdict})"
    )
    split = ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in phases.items())
    print(f"{'':>20}medians by step: {split} ms")
    return median / page_count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--samples", type=Path, help="also write sample PNGs into this folder")
    parser.add_argument("--worst", action="store_true", help="also the largest letter allowed")
    parser.add_argument("--baseline", type=Path, help="also run this older copy's benchmark")
    args = parser.parse_args()
    if args.baseline:
        run_baseline(args.baseline, args.repeat)
    renderer = JinjaLetterRenderer([TEMPLATES])
    pdf = WeasyPrintPdf(TEMPLATES)
    if args.samples:
        write_samples(renderer, pdf, args.samples)
    for lines in TARGETS_MS:  # warm-up: fonts, template compilation, caches
        pdf.render(
            renderer.render(build_view(letter(lines), CUSTOMER, SUBSIDIARY, "de", TODAY)).print_html
        )
    per_page = {lines: measure(renderer, pdf, lines, args.repeat) for lines in TARGETS_MS}
    statement_pages = [measure_statement(renderer, pdf, rows, args.repeat) for rows in (20,)]
    statement_pages.append(measure_statement(renderer, pdf, MAX_STATEMENT_ROWS, 3))
    print(
        f"per page: one-page letter {per_page[10]:.1f} CPU-ms, one-page statement "
        f"{statement_pages[0]:.1f}, long statement {statement_pages[1]:.1f} CPU-ms"
    )
    measure_merge(renderer, pdf)
    if args.worst:
        measure_worst(renderer, pdf, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
