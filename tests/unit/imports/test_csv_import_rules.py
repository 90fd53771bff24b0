"""The rules of the import validation one by one: names, cells, look-ups, limits."""

from __future__ import annotations

import csv
from collections.abc import Collection
from datetime import date
from decimal import Decimal

import pytest

from dunning.domain.imports.cells import (
    CellError,
    ErrorCode,
    parse_amount,
    parse_bool,
    parse_date,
    parse_email_list,
)
from dunning.domain.imports.report import RowError, ValidationReport, report_csv
from dunning.domain.imports.schema import IMPORT_ORDER, FileKind, kind_for_key
from dunning.domain.imports.validation import validate_file
from dunning.domain.safe_csv import safe_cell

pytestmark = pytest.mark.unit

INVOICE_HEADER = (
    b"invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
)


def invoice_line(i: int, customer: str = "C001", amount: str = "10.00") -> bytes:
    return f"INV-{i},{customer},N{i},2026-01-05,2026-02-04,EUR,{amount},{amount}\n".encode()


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("incoming/2026-11-01/invoices_nl.csv", FileKind.INVOICES),
        ("incoming/2026-11-01/invoice_groups_nl.csv", FileKind.INVOICE_GROUPS),
        ("incoming/invoice_groups.csv", FileKind.INVOICE_GROUPS),
        ("incoming/Customers-2026.CSV", FileKind.CUSTOMERS),
        ("contacts.csv", FileKind.CONTACTS),
        ("incoming/credits.csv", FileKind.CREDITS),
        ("incoming/invoices_nl.csv.gz", None),
        ("incoming/payments.csv", None),
        ("incoming/invoices/readme.txt", None),
        ("incoming/customers/notes.csv", None),
    ],
)
def test_kind_for_key_reads_the_file_name(key: str, kind: FileKind | None) -> None:
    assert kind_for_key(key) is kind


def test_import_order_puts_what_is_named_before_what_names_it() -> None:
    assert IMPORT_ORDER == (
        FileKind.CUSTOMERS,
        FileKind.CONTACTS,
        FileKind.INVOICE_GROUPS,
        FileKind.INVOICES,
        FileKind.CREDITS,
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-02-30", ErrorCode.BAD_DATE),
        ("2026-02-3", ErrorCode.BAD_TYPE),
        ("2026-W05-1", ErrorCode.BAD_TYPE),  # date.fromisoformat would take it
        ("２０２６-01-01", ErrorCode.BAD_TYPE),  # full-width digits
    ],
)
def test_dates_are_strict_iso(text: str, code: ErrorCode) -> None:
    with pytest.raises(CellError) as caught:
        parse_date(text)
    assert caught.value.code is code


def test_dates_parse() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "1_000", "+5", "١٢", " 5", "5.", ".5", "1e3"])
def test_amounts_that_decimal_would_take_are_refused(text: str) -> None:
    with pytest.raises(CellError) as caught:
        parse_amount(text)
    assert caught.value.code is ErrorCode.BAD_TYPE


def test_a_decimal_comma_is_named() -> None:
    with pytest.raises(CellError, match=r"use '\.' as the decimal point"):
        parse_amount("12,50")


def test_amounts_parse_exactly() -> None:
    assert parse_amount("0.10") == Decimal("0.10")
    assert str(parse_amount("1234567890123.45")) == "1234567890123.45"


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("Yes", True), ("no", False), ("1", True), ("0", False)],
)
def test_booleans(text: str, value: bool) -> None:
    assert parse_bool(text) is value


def test_a_bad_boolean_says_what_is_accepted() -> None:
    with pytest.raises(CellError, match="true/false, yes/no or 1/0"):
        parse_bool("y")


def test_email_lists_split_on_semicolons() -> None:
    assert parse_email_list(" a@x.example ;b@y.example;") == ("a@x.example", "b@y.example")


def test_known_customers_is_asked_in_batches_of_distinct_ids() -> None:
    calls: list[list[str]] = []

    def known(ids: Collection[str]) -> set[str]:
        calls.append(list(ids))
        return {i for i in ids if not i.endswith("7")}

    # 2,000 rows naming 250 customers, each of them 8 times.
    lines = [INVOICE_HEADER] + [invoice_line(i, f"C{i % 250:03d}") for i in range(2_000)]
    report = validate_file(FileKind.INVOICES, lines, known_customers=known)

    assert len(calls) == 3  # 100 + 100 + 50: every id asked about once
    assert all(len(batch) <= 100 for batch in calls)
    assert sorted(i for batch in calls for i in batch) == [f"C{i:03d}" for i in range(250)]
    unknown = {f"C{i:03d}" for i in range(250) if i % 10 == 7}
    assert report.counts_by_code == {"unknown_customer": 8 * len(unknown)}
    assert {e.value for e in report.errors} == unknown
    assert [e.line for e in report.errors] == sorted(e.line for e in report.errors)


def test_customers_files_find_parents_in_the_file_or_through_the_look_up() -> None:
    data = (
        b"customer_id,subsidiary_id,name,email,language,currency,parent_id\n"
        b"C2,NL01,Child,,en,EUR,C1\n"  # parent further down
        b"C1,NL01,Parent,,en,EUR,\n"
        b"C3,NL01,Child,,en,EUR,P9\n"  # parent in the tables
        b"C4,NL01,Orphan,,en,EUR,P404\n"
    )
    report = validate_file(
        FileKind.CUSTOMERS,
        data.splitlines(),
        known_customers=lambda ids: {"P9"} & set(ids),
        known_subsidiaries=["NL01"],
    )
    assert [(e.line, e.column, e.value, e.code) for e in report.errors] == [
        (5, "parent_id", "P404", ErrorCode.UNKNOWN_CUSTOMER)
    ]


def test_without_look_ups_references_are_not_checked() -> None:
    report = validate_file(FileKind.INVOICES, [INVOICE_HEADER, invoice_line(1, "C404")])
    assert report.ok


def test_the_error_list_is_capped_but_every_error_is_counted() -> None:
    lines = [INVOICE_HEADER] + [invoice_line(i, amount="x") for i in range(30)]
    report = validate_file(FileKind.INVOICES, lines, max_listed_errors=5)

    assert report.error_count == 60
    assert report.counts_by_code == {"bad_type": 60}
    assert len(report.errors) == 5
    assert report.truncated and not report.ok
    assert report_csv(report).endswith('"","","","more_errors","5 of 60 errors listed"\n')


def test_a_cell_over_the_csv_limit_is_reported_and_reading_goes_on() -> None:
    huge = b"x" * (csv.field_size_limit() + 10)
    lines = [INVOICE_HEADER, b"INV-1,C001," + huge + b",2026-01-05\n", invoice_line(2, amount="y")]
    report = validate_file(FileKind.INVOICES, lines)

    assert [(e.line, e.code) for e in report.errors] == [
        (2, ErrorCode.FIELD_TOO_LONG),
        (3, ErrorCode.BAD_TYPE),
        (3, ErrorCode.BAD_TYPE),
    ]
    assert report.rows == 2


def test_line_numbers_count_physical_lines_of_multi_line_cells() -> None:
    data = b'group_id,customer_id,procedure_id\n"G1","C001","a\nlong\nprocedure"\nG2,,\n'
    report = validate_file(FileKind.INVOICE_GROUPS, data.splitlines(keepends=True))
    assert [(e.line, e.column) for e in report.errors] == [(5, "customer_id")]


def test_bad_rows_in_a_large_file_are_found_wherever_they_are() -> None:
    # Rows are checked in batches: one bad cell must not hide among good rows,
    # and its batch must still report the others' duplicates.
    lines = [INVOICE_HEADER] + [invoice_line(i) for i in range(1_234)]
    lines[777] = invoice_line(5, amount="-1")  # line 778, the id of line 7
    report = validate_file(FileKind.INVOICES, lines)
    assert [(e.line, e.code) for e in report.errors] == [
        (778, ErrorCode.NEGATIVE_AMOUNT),
        (778, ErrorCode.NEGATIVE_AMOUNT),
        (778, ErrorCode.DUPLICATE_ID),
    ]
    assert report.errors[-1].message == "the same invoice_id is already on line 7"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_report_cells_that_could_be_formulas_are_quoted(start: str) -> None:
    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("a" + start) == "a" + start


def test_report_csv_defuses_every_column() -> None:
    error = RowError(2, "=col", "=1+1", ErrorCode.BAD_TYPE, "@msg")
    report = ValidationReport(FileKind.INVOICES, 1, [error], file_error="-oops")
    rows = list(csv.reader(report_csv(report).splitlines()))
    assert rows[1] == ["", "", "", "file_error", "'-oops"]
    assert rows[2] == ["2", "'=col", "'=1+1", "bad_type", "'@msg"]
    assert report.error_count == 1 and report.counts_by_code == {"bad_type": 1}
