"""An import file is read within bounds: lines are cut from the stream in linear time
and a line no export has is refused by its number; cells hold text, not control
characters; dates lie within the calendar the service works in."""

from __future__ import annotations

import io
from datetime import date

import pytest
from botocore.response import StreamingBody

from dunning.adapters.s3 import S3Files
from dunning.domain.imports.cells import CellError, ErrorCode, parse_date
from dunning.domain.imports.reading import MAX_LINE_BYTES, InvalidFileError, split_lines
from dunning.domain.imports.schema import FileKind
from dunning.domain.imports.validation import validate_file

pytestmark = pytest.mark.unit

HEADER = b"invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"


def invoice(i: int, due: str = "2026-02-04", number: str = "") -> bytes:
    return f"INV-{i},C001,{number or f'N{i}'},2026-01-05,{due},EUR,10.00,10.00\n".encode()


class _Objects:
    """get_object over bytes in memory, as boto3 answers it (a StreamingBody)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def get_object(self, **args: object) -> dict[str, object]:
        return {"Body": StreamingBody(io.BytesIO(self.data), len(self.data))}


# --- lines ------------------------------------------------------------------------------


def test_lines_keep_their_ends_however_the_stream_is_chunked():
    data = b"a,b\r\nc\rd\ne\n\nf\r\r\ng"
    for size in range(1, len(data) + 1):
        chunks = [data[i : i + size] for i in range(0, len(data), size)]
        assert list(split_lines(chunks)) == data.splitlines(keepends=True), size


def test_a_line_longer_than_the_maximum_is_refused_by_its_number():
    lines = split_lines([b"ok\n", b"x" * 60, b"x" * 60, b"\nnever read\n"], max_line=100)
    assert next(lines) == b"ok\n"
    with pytest.raises(InvalidFileError, match=r"^line 2 is longer than 100 bytes"):
        next(lines)


def test_an_object_with_a_huge_line_is_refused_after_reading_at_most_the_maximum():
    # botocore's iter_lines re-joins a line's prefix with each 1 KiB chunk: a 10 MB
    # line took 47 s. The object's lines now stop at the first line past the maximum.
    data = HEADER + b"INV-1," + b"9" * (2 * MAX_LINE_BYTES) + b"\n" + invoice(2)
    lines = iter(S3Files(_Objects(data), "bucket").lines("incoming/invoices.csv"))
    assert next(lines) == HEADER
    with pytest.raises(InvalidFileError, match=rf"^line 2 is longer than {MAX_LINE_BYTES:,} bytes"):
        next(lines)


def test_a_file_with_a_huge_line_is_rejected_naming_the_line():
    data = HEADER + invoice(1) + b"x" * (MAX_LINE_BYTES + 1) + b"\n" + invoice(3)
    lines = S3Files(_Objects(data), "bucket").lines("incoming/invoices.csv")
    report = validate_file(FileKind.INVOICES, lines)
    assert not report.ok
    assert report.file_error is not None and report.file_error.startswith("line 3 is longer")


def test_a_long_line_within_the_maximum_is_read_whole():
    line = b"x" * (MAX_LINE_BYTES - 1) + b"\n"
    chunks = [line[i : i + 4096] for i in range(0, len(line), 4096)]
    assert list(split_lines(chunks)) == [line]


# --- control characters -------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 600])  # one row by itself; a batch on the fast path
def test_a_nul_in_a_cell_is_refused_with_its_line_and_column(rows: int):
    lines = [HEADER] + [invoice(i) for i in range(rows)]
    lines.append(invoice(rows, number="N\x00X"))
    report = validate_file(FileKind.INVOICES, lines)
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (rows + 2, "number", ErrorCode.CONTROL_CHARACTER)
    ]
    assert report.errors[0].message.startswith(
        "holds the control character NUL, U+0000 at character 2: remove it"
    )


def test_tabs_and_line_breaks_inside_quoted_cells_are_text():
    lines = [HEADER, b'INV-1,C001,"N\t1\r\nsecond line",2026-01-05,2026-02-04,EUR,1.00,1.00\n']
    assert validate_file(FileKind.INVOICES, lines).ok


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1899-12-31", "2200-01-01", "9999-12-31", "0001-01-01"])
def test_dates_outside_1900_to_2199_are_refused(text: str):
    with pytest.raises(CellError) as caught:
        parse_date(text)
    assert caught.value.code is ErrorCode.BAD_DATE
    assert caught.value.message == "out of range: dates go from 1900-01-01 to 2199-12-31"


def test_the_first_and_last_day_of_the_range_are_dates():
    assert parse_date("1900-01-01") == date(1900, 1, 1)
    assert parse_date("2199-12-31") == date(2199, 12, 31)


def test_a_due_date_out_of_range_is_named_in_the_report():
    report = validate_file(FileKind.INVOICES, [HEADER, invoice(1, due="2300-01-01")])
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (2, "due_date", ErrorCode.BAD_DATE)
    ]
