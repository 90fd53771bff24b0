"""Validating and parsing the ERP's CSV exports (SPEC 3.2), streaming.

`validate_file` reads a file once, line by line, and lists every bad row;
`parse_rows` turns a validated file into model objects, again one row at a
time. The caller does the I/O: both take an iterable of raw byte lines, as
from an S3 body's `iter_lines()` or a file opened in binary mode, line ends
kept or not.

Speed: rows are checked in batches of ROW_BATCH, a column at a time (map,
set and one regex run in C; a value repeated down a column is parsed once).
Only a batch where something may be wrong is checked again row by row, and
that path alone writes error messages, so both report the same (a property
test holds them to it).

Memory stays flat but for what must be remembered across rows: the ids seen
so far, kept exactly in a compact `ExactIdSet` (~34 bytes per row for ids of
14 characters), and a bounded cache of customer look-ups.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from itertools import chain, pairwise, repeat
from operator import attrgetter, methodcaller
from typing import TYPE_CHECKING

from dunning.domain.imports.cells import CellError, ErrorCode
from dunning.domain.imports.id_set import ExactIdSet
from dunning.domain.imports.report import RowError, ValidationReport, report_csv, report_json
from dunning.domain.imports.schema import (
    IMPORT_ORDER,
    SCHEMAS,
    Cells,
    Column,
    FileKind,
    ImportedRow,
    Problem,
    Schema,
    Values,
    kind_for_key,
)

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

__all__ = [
    "IMPORT_ORDER",
    "ErrorCode",
    "FileKind",
    "ImportedRow",
    "InvalidFileError",
    "KnownCustomers",
    "RowError",
    "ValidationReport",
    "kind_for_key",
    "parse_rows",
    "report_csv",
    "report_json",
    "validate_file",
]

MAX_LISTED_ERRORS = 10_000
CUSTOMER_BATCH = 100
ROW_BATCH = 500  # rows checked together on the fast path
VALUE_SHOWN = 60  # characters of an offending value repeated in the report
_EMPTY_FILE = "the file is empty: a header row is expected"

# Given a batch of customer ids, the ones that exist (in the tables, or in a
# customers file dropped together with this one).
KnownCustomers = Callable[[Collection[str]], set[str]]


class InvalidFileError(ValueError):
    """The file as a whole cannot be read: encoding, delimiter, header, or a bad row."""


# --- Public entry points ---------------------------------------------------------


def validate_file(
    kind: FileKind,
    lines: Iterable[bytes],
    *,
    known_customers: KnownCustomers | None = None,
    known_subsidiaries: Collection[str] | None = None,
    max_listed_errors: int = MAX_LISTED_ERRORS,
    customer_batch: int = CUSTOMER_BATCH,
) -> ValidationReport:
    """Check a whole file and list every bad row.

    `known_customers` is asked about customer ids in batches of
    `customer_batch` (None: customer references are not checked);
    `known_subsidiaries` lists the configured subsidiaries (None: not checked).
    """
    validation = _Validation(
        SCHEMAS[kind], known_customers, known_subsidiaries, max_listed_errors, customer_batch
    )
    return validation.run(lines)


def parse_rows(kind: FileKind, lines: Iterable[bytes]) -> Iterator[ImportedRow]:
    """The model objects of a validated file, one row at a time.

    Raises InvalidFileError on the first problem a validation would have
    reported about a single row (cross-row checks, like duplicates, are the
    validation's job).
    """
    schema = SCHEMAS[kind]
    cells: _Cells | None = None
    for line, row in _rows(lines):
        if isinstance(row, csv.Error):
            raise InvalidFileError(f"line {line}: {_csv_problem(row).message}")
        if cells is None:
            cells = _Cells(schema, row)
            continue
        yield schema.model(**_parsed(cells, row, line))
    if cells is None:
        raise InvalidFileError(_EMPTY_FILE)


def _parsed(cells: _Cells, row: list[str], line: int) -> Values:
    if len(row) != cells.width:
        raise InvalidFileError(f"line {line}: {_column_count_message(cells.width, len(row))}")
    values, problems = cells.convert(row)
    if cells.checks is not None:
        problems.extend(cells.checks(values))
    if problems:
        first = problems[0]
        raise InvalidFileError(f"line {line}, {first.column}: {first.message} ({first.code})")
    return values


# --- Reading lines and cells -----------------------------------------------------


def _csv_reader(lines: Iterable[bytes]) -> _CsvReader:
    """A csv reader over the decoded lines (see `_text_lines`), strict on quotes."""
    return csv.reader(_text_lines(lines), strict=True)


def _text_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """The lines decoded for `csv`, each ending in a line feed.

    A BOM is only possible on the first line. `iter_lines()` drops line ends,
    but csv needs them to keep a line break inside a quoted cell: the first
    line tells which kind of lines these are. Decoding runs in C (map) and a
    bad byte raises UnicodeDecodeError from within the reader; see
    `_not_utf8`.
    """
    rest = iter(lines)
    first = next(rest, None)
    if first is None:
        return iter(())
    try:
        text = first.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc, 1) from None
    decoded = map(_DECODE, rest)
    if text.endswith("\n"):
        return chain((text,), decoded)
    return chain((text + "\n",), map(str.__add__, decoded, repeat("\n")))


_DECODE = methodcaller("decode", "utf-8")


def _not_utf8(exc: UnicodeDecodeError, line: int) -> InvalidFileError:
    raw = exc.object
    if line == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return InvalidFileError("file is UTF-16, not UTF-8: export it as CSV UTF-8")
    return InvalidFileError(
        f"file is not UTF-8 (byte 0x{raw[exc.start]:02X} at line {line}): export it as CSV UTF-8"
    )


def _rows(lines: Iterable[bytes]) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """The rows that are not blank, with the physical line each starts on.

    A row that is not valid CSV comes as the csv.Error in its place; reading
    goes on from the next line. (`_Validation._read` has this loop inline.)
    """
    reader = _csv_reader(lines)
    last = 0  # the last physical line read: a row starts on the next one
    while True:
        try:
            for row in reader:
                line, last = last + 1, reader.line_num
                if (not row or not row[0] or row[0].isspace()) and _is_blank(row):
                    continue
                yield line, row
            return
        except csv.Error as exc:
            yield last + 1, exc
            last = reader.line_num
        except UnicodeDecodeError as exc:
            raise _not_utf8(exc, reader.line_num + 1) from None


def _is_blank(row: list[str]) -> bool:
    # A blank line reads as []; a row of empty cells (",,,") is blank too.
    return not row or (not row[0].strip() and not "".join(row).strip())


_DELIMITERS = ((";", "';'"), ("\t", "tabs"), ("|", "'|'"))


def _header_columns(schema: Schema, header: list[str]) -> list[Column]:
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


class _Cells:
    """Turns the cells of a row into model values, for one file's header."""

    def __init__(self, schema: Schema, header: list[str]) -> None:
        self.columns = list(enumerate(_header_columns(schema, header)))
        self.width = len(header)
        self.checks = schema.checks
        # Rules between cells need their batch form for the fast path; a schema
        # without rules needs none, one without the batch form goes row by row.
        self.batch_checks = schema.batch_checks if schema.checks else _always
        # Plain tuples: the loop in `convert` runs for every cell of a bad batch.
        self.plan = tuple(
            (i, c.name, c.field_name, c.parse, c.must_be_filled, c.max_length)
            for i, c in self.columns
        )

    def convert(self, row: list[str]) -> tuple[Values, list[Problem]]:
        """(values of the cells that are set, the problems found)."""
        values: Values = {}
        problems: list[Problem] = []
        for index, name, field_name, parse, filled, max_length in self.plan:
            text = row[index].strip()
            if not text:
                if filled:
                    problems.append(_missing(name))
            elif len(text) > max_length:
                problems.append(_too_long(name, text, max_length))
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


def _column_count_message(expected: int, found: int) -> str:
    return f"expected {expected} values as in the header, found {found}"


def _column_count_problem(expected: int, row: list[str]) -> Problem:
    message = _column_count_message(expected, len(row))
    if len(row) > expected and _split_decimal(row):
        message += " (a decimal comma, as in 12,50, splits a number in two: use '.')"
    return Problem("", ",".join(row), ErrorCode.WRONG_COLUMN_COUNT, message)


def _split_decimal(row: list[str]) -> bool:
    """Whether two neighbour cells read like the two halves of 12,50."""
    return any(
        whole.lstrip("-").isdecimal() and cents.isdecimal() and len(cents) <= 2
        for whole, cents in pairwise(row)
    )


def _csv_problem(exc: csv.Error) -> Problem:
    # csv has one exception type for everything: its message is all there is.
    text = str(exc)
    if "field larger than field limit" in text:
        limit = csv.field_size_limit()
        message = f"a cell is longer than {limit:,} characters"
        return Problem("", "", ErrorCode.FIELD_TOO_LONG, message)
    if "unexpected end of data" in text:
        message = "a quoted cell is still open at the end of the file"
        return Problem("", "", ErrorCode.MALFORMED_ROW, message)
    if "expected after" in text:
        message = "text after the closing quote of a cell: quote the whole cell"
        return Problem("", "", ErrorCode.MALFORMED_ROW, message)
    return Problem("", "", ErrorCode.MALFORMED_ROW, f"not valid CSV: {text}")


# --- Validation ------------------------------------------------------------------


class _Validation:
    """One pass over one file, collecting errors; the state of `validate_file`."""

    def __init__(
        self,
        schema: Schema,
        known_customers: KnownCustomers | None,
        known_subsidiaries: Collection[str] | None,
        max_listed: int,
        customer_batch: int,
    ) -> None:
        self.schema = schema
        self.max_listed = max_listed
        self.subsidiaries = None if known_subsidiaries is None else frozenset(known_subsidiaries)
        self.rows = 0
        self.errors: list[RowError] = []
        self.error_count = 0
        self.counts: Counter[str] = Counter()
        self.ids = ExactIdSet()
        self.lookup = (
            None
            if known_customers is None
            else _CustomerLookup(known_customers, customer_batch, self._unknown_customer)
        )
        # customers files: parents neither known nor seen yet (a parent listed
        # after its children), with the lines naming them; settled at the end
        self.orphans: dict[str, list[int]] = {}

    def run(self, lines: Iterable[bytes]) -> ValidationReport:
        try:
            self._read(lines)
        except InvalidFileError as exc:
            return self._report(str(exc))
        self._finish_references()
        return self._report(None)

    def _report(self, file_error: str | None) -> ValidationReport:
        self.errors.sort(key=attrgetter("line"))  # stable: a row's errors keep their order
        return ValidationReport(
            self.schema.kind,
            self.rows,
            self.errors,
            file_error,
            self.error_count,
            dict(self.counts),
        )

    def _read(self, lines: Iterable[bytes]) -> None:
        # `_rows` written out, the header read first: a generator step per row
        # would cost about a tenth of the whole run.
        reader = _csv_reader(lines)
        cells: _Cells | None = None
        batch: list[list[str]] = []
        batch_lines: list[int] = []
        last = 0  # the last physical line read: a row starts on the next one
        while True:
            try:
                for row in reader:
                    line, last = last + 1, reader.line_num
                    if (not row or not row[0] or row[0].isspace()) and _is_blank(row):
                        continue
                    if cells is None:
                        cells = _Cells(self.schema, row)
                        continue
                    self.rows += 1
                    if len(row) != cells.width:
                        self._add(line, _column_count_problem(cells.width, row))
                        continue
                    batch.append(row)
                    batch_lines.append(line)
                    if len(batch) == ROW_BATCH:
                        self._check_batch(cells, batch, batch_lines)
                        batch.clear()
                        batch_lines.clear()
                break
            except csv.Error as exc:
                if cells is None:
                    raise InvalidFileError(f"the header is not valid CSV: {exc}") from None
                self.rows += 1
                self._add(last + 1, _csv_problem(exc))
                last = reader.line_num
            except UnicodeDecodeError as exc:
                raise _not_utf8(exc, reader.line_num + 1) from None
        if cells is None:
            raise InvalidFileError(_EMPTY_FILE)
        if batch:
            self._check_batch(cells, batch, batch_lines)

    def _check_batch(self, cells: _Cells, rows: list[list[str]], lines: list[int]) -> None:
        clean = cells.clean_batch(rows)
        if clean is None:
            for row, line in zip(rows, lines, strict=True):
                self._check_row(cells, row, line)
            return
        key_columns = [clean.get(name) or [""] * len(rows) for name in self.schema.key_columns]
        make_key = self.schema.make_key
        keys = key_columns[0] if make_key is None else list(map(make_key, *key_columns))
        for index, first in self.ids.add_many(keys, lines):
            self._duplicate(lines[index], clean[self.schema.reported_key][index], first)
        if self.schema.kind is FileKind.CUSTOMERS:
            subsidiaries, parents = clean["subsidiary_id"], clean.get("parent_id")
            for i, line in enumerate(lines):
                self._check_customer_refs(subsidiaries[i], parents[i] if parents else "", line)
        elif self.lookup is not None:
            self.lookup.check_many(clean["customer_id"], lines, "customer_id")

    def _check_row(self, cells: _Cells, row: list[str], line: int) -> None:
        """The exact check of one row, naming every problem."""
        values, problems = cells.convert(row)
        for problem in problems:
            self._add(line, problem)
        if cells.checks is not None:
            for problem in cells.checks(values):
                self._add(line, problem)
        key = self._key(values)
        if key is not None:
            first = self.ids.add(key, line)
            if first:
                self._duplicate(line, str(values[self.schema.reported_key]), first)
        if self.schema.kind is FileKind.CUSTOMERS:
            subsidiary, parent = values.get("subsidiary_id"), values.get("parent_id")
            self._check_customer_refs(
                subsidiary if isinstance(subsidiary, str) else "",
                parent if isinstance(parent, str) else "",
                line,
            )
        elif self.lookup is not None and isinstance(customer_id := values.get("customer_id"), str):
            self.lookup.check(customer_id, line, "customer_id")

    def _key(self, values: Values) -> str | None:
        """The row's key as on the fast path; None when a required part is missing."""
        parts = []
        for name in self.schema.key_columns:
            part = values.get(name)
            if part is None and name in self.schema.required:
                return None
            parts.append("" if part is None else str(part))
        make_key = self.schema.make_key
        return parts[0] if make_key is None else make_key(*parts)

    def _duplicate(self, line: int, value: str, first: int) -> None:
        message = f"the same {self.schema.key_label} is already on line {first}"
        self._add(line, Problem(self.schema.reported_key, value, ErrorCode.DUPLICATE_ID, message))

    def _check_customer_refs(self, subsidiary: str, parent: str, line: int) -> None:
        if subsidiary:
            self._check_subsidiary(subsidiary, line)
        # A parent listed earlier in the file needs no look-up.
        if parent and self.lookup is not None and parent not in self.ids:
            self.lookup.check(parent, line, "parent_id")

    def _check_subsidiary(self, subsidiary: str, line: int) -> None:
        if self.subsidiaries is not None and subsidiary not in self.subsidiaries:
            message = "no such subsidiary in the configuration"
            problem = Problem("subsidiary_id", subsidiary, ErrorCode.UNKNOWN_SUBSIDIARY, message)
            self._add(line, problem)

    def _unknown_customer(self, customer_id: str, refs: list[tuple[int, str]]) -> None:
        for line, column in refs:
            if column == "parent_id":
                # It may still come later in this customers file.
                self.orphans.setdefault(customer_id, []).append(line)
            else:
                message = "no such customer: import it first or drop its file with this one"
                self._add(line, Problem(column, customer_id, ErrorCode.UNKNOWN_CUSTOMER, message))

    def _finish_references(self) -> None:
        if self.lookup is not None:
            self.lookup.flush()
        message = "no such customer, neither imported nor in this file"
        for parent, lines in self.orphans.items():
            if parent not in self.ids:
                for line in lines:
                    self._add(
                        line, Problem("parent_id", parent, ErrorCode.UNKNOWN_CUSTOMER, message)
                    )

    def _add(self, line: int, problem: Problem) -> None:
        self.error_count += 1
        self.counts[problem.code] += 1
        if len(self.errors) < self.max_listed:
            value = problem.value
            if len(value) > VALUE_SHOWN:
                value = value[: VALUE_SHOWN - 1] + "…"
            self.errors.append(RowError(line, problem.column, value, problem.code, problem.message))


# The answers of the customer look-up are remembered, within bounds (a few MB):
# a file naming more customers than this asks about the others again, which
# costs requests, not memory.
_KNOWN_CACHE_MAX = 50_000
_UNKNOWN_CACHE_MAX = 10_000
_WAITING_REFS_MAX = 10_000


class _CustomerLookup:
    """Asks whether customers exist in batches of distinct ids, remembering answers."""

    def __init__(
        self,
        known_customers: KnownCustomers,
        batch: int,
        on_unknown: Callable[[str, list[tuple[int, str]]], None],
    ) -> None:
        self.ask = known_customers
        self.batch = batch
        self.on_unknown = on_unknown
        self.known: set[str] = set()
        self.unknown: set[str] = set()
        self.waiting: dict[str, list[tuple[int, str]]] = {}  # id -> (line, column)
        self.waiting_refs = 0

    def check_many(self, customer_ids: list[str], lines: list[int], column: str) -> None:
        new = set(customer_ids).difference(self.known)  # in C; mostly empty once warm
        if new:
            for customer_id, line in zip(customer_ids, lines, strict=True):
                if customer_id in new:
                    self.check(customer_id, line, column)

    def check(self, customer_id: str, line: int, column: str) -> None:
        if customer_id in self.known:
            return
        if customer_id in self.unknown:
            self.on_unknown(customer_id, [(line, column)])
            return
        self.waiting.setdefault(customer_id, []).append((line, column))
        self.waiting_refs += 1
        if len(self.waiting) >= self.batch or self.waiting_refs >= _WAITING_REFS_MAX:
            self.flush()

    def flush(self) -> None:
        if not self.waiting:
            return
        found = self.ask(list(self.waiting))
        if len(self.unknown) > _UNKNOWN_CACHE_MAX:
            self.unknown.clear()
        for customer_id, refs in self.waiting.items():
            if customer_id in found:
                if len(self.known) < _KNOWN_CACHE_MAX:
                    self.known.add(customer_id)
            else:
                self.unknown.add(customer_id)
                self.on_unknown(customer_id, refs)
        self.waiting.clear()
        self.waiting_refs = 0
