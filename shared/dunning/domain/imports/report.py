"""What the validation of an import file found, for people and for machines.

`report_csv` is opened in a spreadsheet by the finance team, so every cell is
made inert (OWASP "CSV injection"): a cell that a spreadsheet could read as a
formula gets a leading single quote, and every cell is quoted.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dunning.domain.imports.cells import ErrorCode
from dunning.domain.imports.schema import FileKind
from dunning.domain.safe_csv import safe_cell


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # physical line in the file; the header is line 1
    column: str  # empty when the problem is the row as a whole
    value: str  # the offending value, shortened for the report
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class ValidationReport:
    kind: FileKind
    rows: int  # data rows read, blank lines and the header not counted
    errors: list[RowError]  # the first ones (validate_file caps the list), in line order
    file_error: str | None = None
    error_count: int = -1  # all row errors, listed or not (default: len(errors))
    counts_by_code: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.error_count < 0:
            object.__setattr__(self, "error_count", len(self.errors))
        if not self.counts_by_code and self.errors:
            counts = Counter(str(error.code) for error in self.errors)
            object.__setattr__(self, "counts_by_code", dict(counts))

    @property
    def ok(self) -> bool:
        return self.file_error is None and self.error_count == 0

    @property
    def truncated(self) -> bool:
        return self.error_count > len(self.errors)


REPORT_COLUMNS = ("line", "column", "value", "code", "message")


class ReportNote(StrEnum):
    """The code of a report row about the file rather than one of its rows."""

    FILE_ERROR = "file_error"  # the file as a whole could not be read
    MORE_ERRORS = "more_errors"  # the list of errors was cut off


FIRST_ERRORS = 100  # errors repeated in the JSON summary


def report_csv(report: ValidationReport) -> str:
    """One row per listed error; a file-level problem and a cut-off list say so too."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    if report.file_error is not None:
        writer.writerow(["", "", "", ReportNote.FILE_ERROR, safe_cell(report.file_error)])
    for error in report.errors:
        writer.writerow(
            [
                str(error.line),
                safe_cell(error.column),
                safe_cell(error.value),
                str(error.code),
                safe_cell(error.message),
            ]
        )
    if report.truncated:
        message = f"{len(report.errors):,} of {report.error_count:,} errors listed"
        writer.writerow(["", "", "", ReportNote.MORE_ERRORS, message])
    return out.getvalue()


def report_json(report: ValidationReport, first: int = FIRST_ERRORS) -> str:
    """A summary: kind, rows, error counts (all of them, by code), first errors."""
    summary = {
        "file_kind": str(report.kind),
        "ok": report.ok,
        "rows": report.rows,
        "file_error": report.file_error,
        "error_count": report.error_count,
        "errors_listed": len(report.errors),
        "counts_by_code": dict(sorted(report.counts_by_code.items())),
        "first_errors": [_error_json(error) for error in report.errors[:first]],
    }
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def _error_json(error: RowError) -> dict[str, object]:
    return {
        "line": error.line,
        "column": error.column,
        "value": error.value,
        "code": str(error.code),
        "message": error.message,
    }
