"""The print room's queue: one entry per letter, and a formula-safe index."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from dunning.domain.delivery.print_queue import (
    INDEX_COLUMNS,
    PrintEntry,
    PrintEntryError,
    entry_from_json,
    entry_json,
    index_csv,
    print_keys,
)

pytestmark = pytest.mark.unit

DAY = date(2026, 9, 10)


def entry(letter_id="L1", customer_id="C1", name="Bakkerij de Vries", lines=("Dam 1",), **kw):
    fields = {
        "day": DAY,
        "letter_id": letter_id,
        "subsidiary_id": "NL01",
        "customer_id": customer_id,
        "customer_name": name,
        "address_lines": tuple(lines),
        "pages": 2,
        "level": 3,
        "language": "nl",
        "currency": "EUR",
        "amount_due": "1210.00",
        "also_emailed": False,
        "pdf_key": print_keys(DAY, "NL01", letter_id)[0],
    }
    fields.update(kw)
    return PrintEntry(**fields)


def test_keys_are_fixed_by_day_subsidiary_and_letter():
    assert print_keys(DAY, "NL01", "L1") == (
        "print-queue/2026-09-10/NL01/L1.pdf",
        "print-queue/2026-09-10/NL01/L1.json",
    )


def test_an_entry_round_trips_through_json():
    e = entry(lines=("Dam 1", "1012 JS Amsterdam"), name="Müller & Söhne")
    assert entry_from_json(entry_json(e)) == e


def test_a_broken_entry_is_refused_naming_where():
    with pytest.raises(PrintEntryError, match=r"print-queue/x\.json: not a print-queue entry"):
        entry_from_json(b'{"day": "2026-09-10"}', "print-queue/x.json")


def read(text):
    return list(csv.reader(io.StringIO(text)))


def test_the_index_lists_every_letter_sorted_with_its_address_and_pages():
    rows = read(index_csv([entry("L2", "C2", lines=("a", "b")), entry("L1", "C1")]))
    assert tuple(rows[0]) == INDEX_COLUMNS
    assert [r[1] for r in rows[1:]] == ["L1", "L2"]
    second = dict(zip(INDEX_COLUMNS, rows[2], strict=True))
    assert (second["address_1"], second["address_2"], second["address_3"]) == ("a", "b", "")
    assert (second["pages"], second["also_emailed"]) == ("2", "no")


def test_index_cells_cannot_start_a_formula_or_break_a_row():
    evil = entry(name='=HYPERLINK("http://evil")', lines=("+31 20 123", "@SUM(A1)", "line\nbreak"))
    row = dict(zip(INDEX_COLUMNS, read(index_csv([evil]))[1], strict=True))
    assert row["customer_name"].startswith("'=")
    assert row["address_1"] == "'+31 20 123" and row["address_2"] == "'@SUM(A1)"
    assert row["address_3"] == "line break"


def test_more_address_lines_than_columns_join_in_the_last():
    row = read(index_csv([entry(lines=tuple("abcdefg"))]))[1]
    address = dict(zip(INDEX_COLUMNS, row, strict=True))
    assert address["address_5"] == "e, f, g"
