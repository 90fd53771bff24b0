"""`dunning simulate` writes the dashboard summary as of --to (SPEC 3.4); the figures
that follow from the CSVs alone are recomputed here by hand, from examples/*.csv and
the drops up to --to (collector actions change no A/R: every invoice counts paused or
not), and compared."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[2] / "examples"
START, END = date(2026, 9, 1), date(2026, 9, 16)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def invoices_as_of(day: date) -> dict[str, dict[str, str]]:
    """invoices.csv, then every drop up to `day` in date order: rows upsert by id."""
    found = {r["invoice_id"]: r for r in rows(DATA / "invoices.csv")}
    for folder in sorted((DATA / "drops").iterdir()):
        if date.fromisoformat(folder.name) <= day:
            for path in sorted(folder.glob("invoices*.csv")):
                found.update((r["invoice_id"], r) for r in rows(path))
    return found


def expected(subsidiary: str | None) -> dict[str, dict[str, object]]:
    where = {r["customer_id"]: r["subsidiary_id"] for r in rows(DATA / "customers.csv")}
    mine = [
        r
        for r in invoices_as_of(END).values()
        if subsidiary is None or where[r["customer_id"]] == subsidiary
    ]
    credits = [
        r
        for r in rows(DATA / "credits.csv")
        if subsidiary is None or where[r["customer_id"]] == subsidiary
    ]
    out: dict[str, dict[str, object]] = {}
    for cur in sorted({r["currency"] for r in mine} | {r["currency"] for r in credits}):
        out[cur] = figures_of(
            [r for r in mine if r["currency"] == cur],
            [r for r in credits if r["currency"] == cur],
        )
    return {c: f for c, f in out.items() if f.pop("listed")}


def figures_of(invoices: list[dict[str, str]], credits: list[dict[str, str]]) -> dict[str, object]:
    def d(s: str) -> date:
        return date.fromisoformat(s)

    def in_window(s: str) -> bool:
        return bool(s) and END - timedelta(days=90) < d(s) <= END

    status = {id(r): (r.get("status") or "open") for r in invoices}
    open_ = [r for r in invoices if status[id(r)] == "open" and Decimal(r["amount_remaining"]) > 0]
    credit = sum(
        (Decimal(r["amount_unapplied"]) for r in credits if Decimal(r["amount_unapplied"]) > 0),
        Decimal(0),
    )
    remaining = sum((Decimal(r["amount_remaining"]) for r in open_), Decimal(0))
    aging: dict[str, Decimal] = defaultdict(Decimal)
    for r in open_:
        days = (END - d(r["due_date"])).days
        bucket = (
            "current"
            if days <= 0
            else "1-30"
            if days <= 30
            else "31-60"
            if days <= 60
            else "61-90"
            if days <= 90
            else "90+"
        )
        aging[bucket] += Decimal(r["amount_remaining"])
    not_void = [r for r in invoices if status[id(r)] != "void"]
    sales = sum((Decimal(r["amount"]) for r in not_void if in_window(r["issue_date"])), Decimal(0))
    paid = [r for r in invoices if status[id(r)] == "paid" and in_window(r.get("paid_date") or "")]
    recent = [r for r in not_void if in_window(r["issue_date"]) or r in paid]

    def one(x: Decimal) -> float:
        return float(x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))

    return {
        "listed": bool(open_ or credit > 0 or recent),
        "total_ar": remaining - credit,
        "overdue_ar": sum(
            (Decimal(r["amount_remaining"]) for r in open_ if (END - d(r["due_date"])).days > 0),
            Decimal(0),
        ),
        "aging": {b: aging[b] for b in ("current", "1-30", "31-60", "61-90", "90+")},
        "dso": one(remaining / sales * 90) if sales else None,
        "avg_days_to_pay": one(
            Decimal(sum((d(r["paid_date"]) - d(r["issue_date"])).days for r in paid)) / len(paid)
        )
        if paid
        else None,
        "avg_days_late": one(
            Decimal(sum(max(0, (d(r["paid_date"]) - d(r["due_date"])).days) for r in paid))
            / len(paid)
        )
        if paid
        else None,
        "open_invoices": len(open_),
    }


def as_written(body: dict[str, object]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for cur, f in body["currencies"].items():  # type: ignore[attr-defined]
        out[cur] = {
            "total_ar": Decimal(f["total_ar"]),
            "overdue_ar": Decimal(f["overdue_ar"]),
            "aging": {b: Decimal(v) for b, v in f["aging"].items()},
            "dso": f["dso"],
            "avg_days_to_pay": f["avg_days_to_pay"],
            "avg_days_late": f["avg_days_late"],
            "open_invoices": f["open_invoices"],
        }
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dash")
    args = ["simulate", "--data", str(DATA), "--from", START.isoformat()]
    args += ["--to", END.isoformat(), "--out", str(folder)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return folder


def test_the_summary_of_all_subsidiaries_is_what_the_csvs_say(out: Path) -> None:
    body = json.loads((out / "dashboard" / "summary.json").read_text())
    assert body["as_of"] == END.isoformat()
    assert as_written(body) == expected(None)


def test_each_subsidiary_has_its_own_summary(out: Path) -> None:
    subs = sorted({r["subsidiary_id"] for r in rows(DATA / "customers.csv")})
    for sub in subs:
        body = json.loads((out / "dashboard" / f"summary-{sub}.json").read_text())
        assert as_written(body) == expected(sub), sub


def expected_levels(letters: list[dict[str, object]]) -> list[dict[str, int]]:
    """SPEC 2.7 by hand: per level, the period's letters, and those whose invoices were
    all paid (a paid_date in the CSVs as of --to) within 7, 14 and 30 days of their date."""
    invoices = invoices_as_of(END)
    by_level: dict[int, dict[str, int]] = {}
    for line in letters:
        level = int(line["level"])  # type: ignore[call-overload]
        counts = by_level.setdefault(
            level, {"letters": 0, "paid_within_7": 0, "paid_within_14": 0, "paid_within_30": 0}
        )
        counts["letters"] += 1
        rows_ = [invoices[i] for i in line["invoice_ids"]]  # type: ignore[attr-defined]
        if not all(r.get("status") == "paid" and r.get("paid_date") for r in rows_):
            continue
        last = max(date.fromisoformat(r["paid_date"]) for r in rows_)
        days = (last - date.fromisoformat(str(line["date"]))).days
        for n in (7, 14, 30):
            counts[f"paid_within_{n}"] += days <= n
    return [{"level": lv} | c for lv, c in sorted(by_level.items())]


PAID_KEYS = ("level", "letters", "paid_within_7", "paid_within_14", "paid_within_30")


def test_letters_by_level_and_paid_within_are_what_the_letters_and_csvs_say(out: Path) -> None:
    letters = [json.loads(x) for x in (out / "letters.jsonl").read_text().splitlines()]
    body = json.loads((out / "dashboard" / "letters.json").read_text())
    wanted = expected_levels(letters)
    assert [{k: lv[k] for k in PAID_KEYS} for lv in body["by_level"]] == wanted
    # The examples pay some letters' invoices within the period: the rule is exercised.
    assert sum(x["paid_within_7"] for x in wanted) > 0
    assert sum(x["paid_within_30"] for x in wanted) < sum(x["letters"] for x in wanted)
