"""The print room's batches (SPEC 2.8): at most 100 letters per merged PDF, per
subsidiary and day, sorted by country and postal code, with formula-safe manifests;
letters without an address listed apart and never in a batch."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from pypdf import PdfReader
from test_delivery_print_queue import DAY, entry
from weasyprint import HTML

from dunning.adapters.print_room import merge_pdfs, plan_files
from dunning.domain.delivery.print_batches import (
    MANIFEST_COLUMNS,
    manifest_csv,
    plan_day,
    unaddressed_csv,
)

pytestmark = pytest.mark.unit


def addressed(n: int, country: str, postal_code: str, **kw):
    lines = (f"Street {n}", f"{postal_code} Town")
    return entry(
        f"L{n:04d}", f"C{n:04d}", lines=lines, country=country, postal_code=postal_code, **kw
    )


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_letters_are_cut_into_batches_of_100_in_country_and_postal_code_order():
    entries = [addressed(n, ("NL", "BE", "DE")[n % 3], f"{9999 - n:04d}") for n in range(250)]
    (plan,) = plan_day(entries, DAY)
    assert [len(b.entries) for b in plan.batches] == [100, 100, 50]
    assert [b.name for b in plan.batches] == ["batch-001", "batch-002", "batch-003"]
    order = [(e.country, e.postal_code) for b in plan.batches for e in b.entries]
    assert order == sorted(order)
    assert plan.unaddressed == ()


def test_one_plan_per_subsidiary_and_only_the_days_letters():
    entries = [
        addressed(1, "NL", "1012", subsidiary_id="NL01"),
        addressed(2, "DE", "50667", subsidiary_id="DE01"),
        addressed(3, "NL", "1013", day=date(2026, 9, 11)),
    ]
    plans = plan_day(entries, DAY)
    assert [(p.subsidiary_id, p.folder) for p in plans] == [
        ("DE01", "DE01/2026-09-10/"),
        ("NL01", "NL01/2026-09-10/"),
    ]


def test_a_letter_without_an_address_is_listed_apart_and_not_batched():
    entries = [addressed(1, "NL", "1012"), entry("L9", "C9", lines=())]
    (plan,) = plan_day(entries, DAY)
    assert [e.letter_id for b in plan.batches for e in b.entries] == ["L0001"]
    assert [e.letter_id for e in plan.unaddressed] == ["L9"]
    (row,) = rows(unaddressed_csv(plan.unaddressed))
    assert (row["letter_id"], row["batch"], row["address"]) == ("L9", "", "")


def test_the_manifest_says_where_each_letter_starts_and_is_formula_safe():
    entries = [
        addressed(1, "NL", "1012", name="=HYPERLINK(1)", pages=2),
        addressed(2, "NL", "1013", pages=1),
        addressed(3, "NL", "1014", name="Line\nbreak"),
    ]
    (plan,) = plan_day(entries, DAY)
    found = rows(manifest_csv(plan.batches))
    assert tuple(found[0]) == MANIFEST_COLUMNS
    assert [(r["position"], r["first_page"], r["pages"]) for r in found] == [
        ("1", "1", "2"),
        ("2", "3", "1"),
        ("3", "4", "2"),
    ]
    assert found[0]["customer_name"] == "'=HYPERLINK(1)"
    assert found[2]["customer_name"] == "Line break"
    assert found[0]["address"] == "Street 1 / 1012 Town"
    assert (found[0]["amount_due"], found[0]["letter_id"]) == ("1210.00", "L0001")


def pdf_of(pages: int, label: str) -> bytes:
    html = "".join(f'<p style="break-after: page">{label} page {n}</p>' for n in range(pages))
    return HTML(string=html).write_pdf()


@pytest.mark.integration
def test_a_batch_is_one_pdf_of_its_letters_pages_in_order():
    entries = [addressed(2, "NL", "2000", pages=1), addressed(1, "NL", "1000", pages=2)]
    pdfs = {
        entries[0].pdf_key: pdf_of(1, "second"),
        entries[1].pdf_key: pdf_of(2, "first"),
    }
    (plan,) = plan_day(entries, DAY)
    files = {path: body for path, body, _ in plan_files(plan, pdfs.__getitem__)}
    assert set(files) == {"NL01/2026-09-10/batch-001.pdf", "NL01/2026-09-10/manifest.csv"}
    merged = PdfReader(io.BytesIO(files["NL01/2026-09-10/batch-001.pdf"]))
    texts = [page.extract_text() for page in merged.pages]
    assert len(texts) == 3 and "first" in texts[0] and "second" in texts[2]
    assert merge_pdfs([]).startswith(b"%PDF")


# --- when a day is published (usecases/publish_print_room.py) ---------------------------


def test_a_day_is_complete_once_the_subsidiary_s_clock_is_past_its_next_midnight():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dunning.domain.delivery.print_batches import complete_days

    amsterdam = ZoneInfo("Europe/Amsterdam")
    at_one = datetime(2026, 9, 11, 1, 0, tzinfo=amsterdam)
    assert complete_days(at_one, 3) == [date(2026, 9, 8), date(2026, 9, 9), DAY]
    # a render Lambda started before midnight may still be writing at 00:10
    just_after = datetime(2026, 9, 11, 0, 10, tzinfo=amsterdam)
    assert complete_days(just_after, 1) == [date(2026, 9, 9)]
    with pytest.raises(ValueError, match="at least one day"):
        complete_days(at_one, 0)


def test_the_queue_s_fingerprint_changes_with_any_object_and_not_with_the_order():
    from dunning.domain.delivery.print_batches import queue_fingerprint

    a, b = ("print-queue/2026-09-10/NL01/L1.json", '"e1"'), ("print-queue/x/L2.pdf", '"e2"')
    assert queue_fingerprint([a, b]) == queue_fingerprint([b, a]) != queue_fingerprint([a])
    assert queue_fingerprint([a]) != queue_fingerprint([(a[0], '"e3"')])  # rewritten
    assert queue_fingerprint([]) == ""


def test_one_subsidiary_s_plan_holds_its_own_letters_and_may_hold_none():
    from dunning.domain.delivery.print_batches import plan_for

    entries = [addressed(1, "NL", "1000"), addressed(2, "NL", "1001", subsidiary_id="BE01")]
    plan = plan_for("NL01", DAY, entries)
    assert [e.letter_id for b in plan.batches for e in b.entries] == ["L0001"]
    empty = plan_for("DE01", DAY, entries)
    assert (empty.batches, empty.unaddressed, empty.folder) == ((), (), "DE01/2026-09-10/")


def test_the_marker_records_the_fingerprint_and_is_the_same_for_the_same_queue():
    from dunning.domain.delivery.print_batches import (
        marker_fingerprint,
        plan_for,
        published_marker,
    )

    plan = plan_for("NL01", DAY, [addressed(1, "NL", "1000"), entry("L9", lines=())])
    marker = published_marker(plan, "abc", ["manifest.csv", "batch-001.pdf"])
    assert marker == published_marker(plan, "abc", ["batch-001.pdf", "manifest.csv"])
    assert marker_fingerprint(marker) == "abc"
    assert b'"letters": 1' in marker and b'"unaddressed": 1' in marker
    assert marker_fingerprint(b"not json") is None and marker_fingerprint(b"[]") is None
