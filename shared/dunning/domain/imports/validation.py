"""Validating the ERP's CSV exports (SPEC 3.2), streaming.

`validate_file` reads a file once, line by line, and lists every bad row; the
caller does the I/O (see `dunning.domain.imports.reading`), and
`dunning.domain.imports.parsing` turns a validated file into model objects.

Speed: rows are checked in batches of ROW_BATCH, a column at a time (map,
set and one regex run in C; a value repeated down a column is parsed once).
Only a batch where something may be wrong is checked again row by row, and
that path alone writes error messages, so both report the same (a property
test holds them to it).

Memory stays flat but for what must be remembered across rows: the ids seen
so far, kept exactly in a compact `ExactIdSet`, and a bounded cache of
customer look-ups.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Iterable
from operator import attrgetter

from dunning.domain.imports.cells import ErrorCode
from dunning.domain.imports.customer_lookup import CustomerLookup, KnownCustomers
from dunning.domain.imports.id_set import ExactIdSet
from dunning.domain.imports.reading import (
    EMPTY_FILE,
    InvalidFileError,
    csv_problem,
    csv_reader,
    is_blank,
    not_utf8,
)
from dunning.domain.imports.report import RowError, ValidationReport
from dunning.domain.imports.row_cells import RowCells, column_count_problem
from dunning.domain.imports.schema import SCHEMAS, FileKind, Problem, Schema, Values

MAX_LISTED_ERRORS = 10_000
CUSTOMER_BATCH = 100
ROW_BATCH = 500  # rows checked together on the fast path
VALUE_SHOWN = 60  # characters of an offending value repeated in the report


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
            else CustomerLookup(known_customers, customer_batch, self._unknown_customer)
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
        # `reading.csv_rows` written out, the header read first: a generator
        # step per row would slow down the path every row takes.
        reader = csv_reader(lines)
        row_cells: RowCells | None = None
        batch: list[list[str]] = []
        batch_lines: list[int] = []
        last = 0  # the last physical line read: a row starts on the next one
        while True:
            try:
                for row in reader:
                    line, last = last + 1, reader.line_num
                    if (not row or not row[0] or row[0].isspace()) and is_blank(row):
                        continue
                    if row_cells is None:
                        row_cells = RowCells(self.schema, row)
                        continue
                    self.rows += 1
                    if len(row) != row_cells.width:
                        self._add(line, column_count_problem(row_cells.width, row))
                        continue
                    batch.append(row)
                    batch_lines.append(line)
                    if len(batch) == ROW_BATCH:
                        self._check_batch(row_cells, batch, batch_lines)
                        batch.clear()
                        batch_lines.clear()
                break
            except csv.Error as exc:
                if row_cells is None:
                    raise InvalidFileError(f"the header is not valid CSV: {exc}") from None
                self.rows += 1
                self._add(last + 1, csv_problem(exc))
                last = reader.line_num
            except UnicodeDecodeError as exc:
                raise not_utf8(exc, reader.line_num + 1) from None
        if row_cells is None:
            raise InvalidFileError(EMPTY_FILE)
        if batch:
            self._check_batch(row_cells, batch, batch_lines)

    def _check_batch(self, row_cells: RowCells, rows: list[list[str]], lines: list[int]) -> None:
        clean = row_cells.clean_batch(rows)
        if clean is None:
            for row, line in zip(rows, lines, strict=True):
                self._check_row(row_cells, row, line)
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

    def _check_row(self, row_cells: RowCells, row: list[str], line: int) -> None:
        """The exact check of one row, naming every problem."""
        values, problems = row_cells.check(row)
        for problem in problems:
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
