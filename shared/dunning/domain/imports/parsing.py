"""Turning a validated import file into model objects, one row at a time (SPEC 3.2)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from dunning.domain.imports.reading import EMPTY_FILE, InvalidFileError, csv_problem, csv_rows
from dunning.domain.imports.row_cells import RowCells, column_count_message
from dunning.domain.imports.schema import SCHEMAS, FileKind, ImportedRow, Values


def parse_rows(kind: FileKind, lines: Iterable[bytes]) -> Iterator[ImportedRow]:
    """The model objects of a validated file, one row at a time.

    Raises InvalidFileError on the first problem a validation would have
    reported about a single row (cross-row checks, like duplicates, are the
    validation's job).
    """
    schema = SCHEMAS[kind]
    row_cells: RowCells | None = None
    for line, row in csv_rows(lines):
        if isinstance(row, csv.Error):
            raise InvalidFileError(f"line {line}: {csv_problem(row).message}")
        if row_cells is None:
            row_cells = RowCells(schema, row)
            continue
        yield schema.model(**_parsed(row_cells, row, line))
    if row_cells is None:
        raise InvalidFileError(EMPTY_FILE)


def _parsed(row_cells: RowCells, row: list[str], line: int) -> Values:
    if len(row) != row_cells.width:
        raise InvalidFileError(f"line {line}: {column_count_message(row_cells.width, len(row))}")
    values, problems = row_cells.check(row)
    if problems:
        first = problems[0]
        raise InvalidFileError(f"line {line}, {first.column}: {first.message} ({first.code})")
    return values
