"""How an import ends other than by writing: rejected, unchanged, superseded, gone.

A rejected file moves to rejected/ with its error reports beside it:
`<stem>.errors.csv` (one row per listed error, for the finance team) when
rows were read, and always `<stem>.errors.json` (a summary).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from dunning.domain.imports.report import ValidationReport, report_csv, report_json
from dunning.domain.imports.tracking import ImportRecord, ImportState, new_record
from dunning.usecases.import_run import (
    META_ERRORS,
    META_ROWS,
    META_STATUS,
    ImportResult,
    ImportRun,
    ImportStatus,
)


def reject(run: ImportRun, report: ValidationReport | None, note: str | None) -> ImportResult:
    """Move the file to rejected/ with its error reports; `note` says why, if the
    report does not (or there is no report: the file was not read)."""
    rows, errors, report_key = _put_reports(run, report, note)
    target = f"rejected/{run.relative}"
    detail = note or (report.file_error if report is not None else None) or ""
    metadata = {META_STATUS: ImportStatus.REJECTED, META_ROWS: str(rows), META_ERRORS: str(errors)}
    run.deps.files.move(run.ref.key, target, run.ref.version_id, metadata)
    run.save(
        run.record.evolve(
            state=ImportState.REJECTED,
            lease_until=None,
            rows=rows,
            errors=errors,
            moved_to=target,
            report=report_key,
            detail=detail,
        )
    )
    return run.result(ImportStatus.REJECTED, rows, errors, target, report_key, detail)


def _put_reports(
    run: ImportRun, report: ValidationReport | None, note: str | None
) -> tuple[int, int, str]:
    """Put the error reports under rejected/; (rows, errors, the report to show)."""
    stem = run.relative.rsplit(".", 1)[0]
    files = run.deps.files
    summary: dict[str, Any]
    if report is not None:
        summary = json.loads(report_json(report))
        if note:
            summary["detail"] = note
        files.put(f"rejected/{stem}.errors.csv", report_csv(report).encode(), "text/csv")
        rows, errors = report.rows, report.error_count
        report_key = f"rejected/{stem}.errors.csv"
    else:
        summary = {"file": run.name, "ok": False, "rows": 0, "error_count": 1}
        summary["file_error"] = note
        rows, errors, report_key = 0, 1, f"rejected/{stem}.errors.json"
    body = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    files.put(f"rejected/{stem}.errors.json", body.encode(), "application/json")
    return rows, errors, report_key


def unchanged(run: ImportRun, record: ImportRecord) -> ImportResult:
    """The same bytes as the key's last import: moved to processed/, nothing written."""
    if not run.present():
        return run.result(ImportStatus.ALREADY_HANDLED, moved_to="already handled")
    target = f"processed/{run.relative}"
    detail = "the same bytes as the last import of this file: nothing written"
    metadata = {
        META_STATUS: ImportStatus.UNCHANGED,
        META_ROWS: str(record.rows),
        META_ERRORS: "0",
    }
    run.deps.files.move(run.ref.key, target, run.ref.version_id, metadata)
    record_of_this = replace(
        new_record(run.ref, record.file_kind, run.now(), None),
        state=ImportState.UNCHANGED,
        rev=record.rev + 1,
        lease_until=None,
        rows=record.rows,
        rows_done=record.rows_done,
        moved_to=target,
        detail=detail,
    )
    run.save(record_of_this)
    return run.result(ImportStatus.UNCHANGED, record.rows, 0, target, detail=detail)


def superseded(run: ImportRun) -> ImportResult:
    """An upload older than the one taken on: moved aside if it is still there."""
    detail = "a newer upload of this file was taken on: this one is not imported"
    version = run.ref.version_id
    if version is None or not run.deps.files.exists(run.ref.key, version):
        return run.result(ImportStatus.SUPERSEDED, detail=detail)  # never move the newer object
    target = f"superseded/{run.relative}"
    run.deps.files.move(run.ref.key, target, version, {META_STATUS: ImportStatus.SUPERSEDED})
    return run.result(ImportStatus.SUPERSEDED, moved_to=target, detail=detail)


def gone(run: ImportRun) -> ImportResult:
    """The file left incoming/ before its import finished: recorded as rejected."""
    detail = "the file was removed from incoming/ before its import finished"
    held = run.record
    run.save(held.evolve(state=ImportState.REJECTED, lease_until=None, detail=detail))
    return run.result(ImportStatus.REJECTED, held.rows, 1, detail=detail)
