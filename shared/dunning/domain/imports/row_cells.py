"""From the cells of a row to model values, for the columns of one file's header.

Both paths of the validation, and the parsing, go through `RowCells`: the
exact check of one row (`convert`), which alone writes error messages, and
the quick check of a batch of rows a column at a time (`clean_batch`), which
only says "certainly fine" or "look again, row by row".
"""

from __future__ import annotations

from itertools import chain, pairwise

from dunning.domain.imports.cells import CONTROL_CHARACTER, CellError, ErrorCode, control_problem
from dunning.domain.imports.reading import InvalidFileError
from dunning.domain.imports.schema import Cells, Column, Problem, Schema, Values

_DELIMITERS = ((";", "';'"), ("\t", "tabs"), ("|", "'|'"))


def header_columns(schema: Schema, header: list[str]) -> list[Column]:
    """The schema column of each header cell; InvalidFileError naming every problem."""
    names = [cell.strip().lower() for cell in header]
    if len(names) == 1:
        for delimiter, label in _DELIMITERS:
            if delimiter in names[0]:
                raise InvalidFileError(f"the header is separated by {label}: use ','")
    by_name = {column.name: column for column in schema.columns}
    missing = [name for name in schema.required if name not in names]
    unknown = [
        repr(cell.strip()) for cell, name in zip(header, names, strict=True) if name not in by_name
    ]
    doubled = sorted({name for name in names if name in by_name and names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if unknown:
        known = ", ".join(schema.required + schema.optional)
        problems.append(f"unknown columns: {', '.join(unknown)} (the columns are: {known})")
    if doubled:
        problems.append(f"duplicated columns: {', '.join(doubled)}")
    if problems:
        raise InvalidFileError(f"{schema.kind} header: {'; '.join(problems)}")
    return [by_name[name] for name in names]


class RowCells:
    """Turns the cells of a row into model values, for one file's header."""

    def __init__(self, schema: Schema, header: list[str]) -> None:
        self.columns = list(enumerate(header_columns(schema, header)))
        self.width = len(header)
        self.checks = schema.checks
        # Rules between cells need their batch form for the fast path; a schema
        # without rules needs none, one without the batch form goes row by row.
        self.batch_checks = schema.batch_checks if schema.checks else _always
        # Plain tuples: the loop in `_convert` runs for every cell of a bad batch.
        self.plan = tuple(
            (i, c.name, c.field_name, c.parse, c.must_be_filled, c.max_length)
            for i, c in self.columns
        )

    def check(self, row: list[str]) -> tuple[Values, list[Problem]]:
        """The exact check of one row: (values of the cells that are set, every
        problem of its cells, then of the rules between them)."""
        values, problems = self._convert(row)
        if self.checks is not None:
            # One problem per cell: a cell found bad is not also reported missing.
            bad = {problem.column for problem in problems}
            problems.extend(p for p in self.checks(values) if p.column not in bad)
        return values, problems

    def _convert(self, row: list[str]) -> tuple[Values, list[Problem]]:
        values: Values = {}
        problems: list[Problem] = []
        for index, name, field_name, parse, filled, max_length in self.plan:
            text = row[index].strip()
            if not text:
                if filled:
                    problems.append(_missing(name))
            elif len(text) > max_length:
                problems.append(_too_long(name, text, max_length))
            elif (control := control_problem(text)) is not None:
                problems.append(Problem(name, text, ErrorCode.CONTROL_CHARACTER, control))
            elif parse is None:
                values[field_name] = text
            else:
                try:
                    values[field_name] = parse(text)
                except CellError as exc:
                    problems.append(Problem(name, text, exc.code, exc.message))
        return values, problems

    def clean_batch(self, rows: list[list[str]]) -> Cells | None:
        """Stripped texts by column if no cell or row rule is broken, else None.

        Whole columns at a time, in C where possible (map, set, one regex);
        only a "certainly fine" counts: any doubt returns None and the rows
        are checked one by one, which alone writes error messages.
        """
        if CONTROL_CHARACTER.search("".join(chain.from_iterable(rows))):
            return None
        by_index = list(zip(*rows, strict=True))
        cells: dict[str, list[str]] = {}
        for index, column in self.columns:
            texts = list(map(str.strip, by_index[index]))
            if not column.cells_valid(texts):
                return None
            cells[column.name] = texts
        if self.batch_checks is None or not self.batch_checks(cells):
            return None
        return cells


def _always(cells: Cells) -> bool:
    return True


def _missing(name: str) -> Problem:
    return Problem(name, "", ErrorCode.MISSING_VALUE, "a value is required")


def _too_long(name: str, text: str, max_length: int) -> Problem:
    message = f"too long: {len(text):,} characters, at most {max_length:,}"
    return Problem(name, text, ErrorCode.FIELD_TOO_LONG, message)


def column_count_message(expected: int, found: int) -> str:
    return f"expected {expected} values as in the header, found {found}"


def column_count_problem(expected: int, row: list[str]) -> Problem:
    """A row with more or fewer cells than the header, and the likely reason."""
    message = column_count_message(expected, len(row))
    if len(row) > expected and _split_decimal(row):
        message += " (a decimal comma, as in 12,50, splits a number in two: use '.')"
    return Problem("", ",".join(row), ErrorCode.WRONG_COLUMN_COUNT, message)


def _split_decimal(row: list[str]) -> bool:
    """Whether two neighbour cells read like the two halves of 12,50."""
    return any(
        whole.lstrip("-").isdecimal() and cents.isdecimal() and len(cents) <= 2
        for whole, cents in pairwise(row)
    )
