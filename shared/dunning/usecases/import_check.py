"""Validating an uploaded file whole, streaming, before anything is written.

Then it is written, or rejected, or, when its only errors are customers not
known yet (a customers file dropped with it may still be on its way), it
waits for them: it is validated again later (a delayed message to the import
queue), within the bound of `WaitPolicy`, and only then rejected.
"""

from __future__ import annotations

from dataclasses import replace

from dunning.domain.imports.cells import ErrorCode
from dunning.domain.imports.report import ValidationReport
from dunning.domain.imports.schema import IMPORT_ORDER
from dunning.domain.imports.tracking import ImportRecord, ImportState, new_record
from dunning.domain.imports.validation import validate_file
from dunning.ports import NotFound
from dunning.usecases.import_outcomes import gone, reject
from dunning.usecases.import_run import ImportResult, ImportRun, ImportStatus
from dunning.usecases.import_write import write

KIND_NAMES = ", ".join(str(kind) for kind in IMPORT_ORDER)


def start(run: ImportRun, previous: ImportRecord | None) -> ImportResult:
    """Take a new upload on (`previous`: the record of an earlier one of the key)."""
    if not run.present():
        return run.result(
            ImportStatus.ALREADY_HANDLED,
            moved_to="already handled",
            detail="no longer in incoming/",
        )
    record = new_record(run.ref, str(run.kind or "unknown"), run.now(), run.lease())
    run.save(record if previous is None else replace(record, rev=previous.rev + 1))
    return check(run)


def validate_again(run: ImportRun, record: ImportRecord) -> ImportResult:
    """After waiting for customers, or a validation that stopped half way."""
    run.save(record.evolve(state=ImportState.VALIDATING, lease_until=run.lease()))
    if not run.present():
        return gone(run)
    return check(run)


def check(run: ImportRun) -> ImportResult:
    """Validate the whole file; then write it, let it wait, or reject it."""
    kind, max_bytes = run.kind, run.deps.options.max_bytes
    if kind is None:
        return reject(
            run, None, f"unknown file type: {run.name} (a name starts with one of {KIND_NAMES})"
        )
    if run.ref.size > max_bytes:
        return reject(
            run,
            None,
            f"the file is {run.ref.size / 2**20:,.1f} MB; files of at most "
            f"{max_bytes / 2**20:,.0f} MB are imported: split the export "
            "(any number of files may be dropped together)",
        )
    subsidiaries = {s.subsidiary_id for s in run.deps.config.load().subsidiaries}
    try:
        lines = run.lines(0)
    except NotFound:
        return gone(run)
    report = validate_file(
        kind,
        lines,
        known_customers=lambda ids: set(run.deps.repo.customer_roots(ids)),
        known_subsidiaries=subsidiaries,
    )
    if report.ok:
        # Stored with the first checkpoint: until then a retry validates again.
        run.held = replace(run.record, state=ImportState.WRITING, rows=report.rows)
        return write(run)
    if only_unknown_customers(report):
        return _wait_for_customers(run, report)
    return reject(run, report, None)


def only_unknown_customers(report: ValidationReport) -> bool:
    """Whether all that is wrong with a file is customers not known (yet)."""
    codes = {str(code) for code, count in report.counts_by_code.items() if count}
    return report.file_error is None and codes == {str(ErrorCode.UNKNOWN_CUSTOMER)}


def _wait_for_customers(run: ImportRun, report: ValidationReport) -> ImportResult:
    """Validate again later, while the wait policy allows; then reject."""
    held = run.record
    attempts = held.attempts + 1
    policy = run.deps.options.wait
    if not policy.may_wait(attempts, held.first_seen, run.now()):
        waited = (run.now() - held.first_seen).total_seconds()
        run.held = replace(held, attempts=attempts)  # stored with the rejection
        note = f"customers still unknown after waiting {waited:,.0f} s ({attempts} validation(s))"
        return reject(run, report, note)
    delay = policy.delay(attempts)
    detail = (
        f"{report.error_count} row(s) name customers not known yet: validated "
        f"again in {delay} s (a file waits {policy.describe()})"
    )
    run.save(
        held.evolve(
            state=ImportState.WAITING,
            attempts=attempts,
            lease_until=None,
            rows=report.rows,
            errors=report.error_count,
            detail=detail,
        )
    )
    run.follow_up(delay)
    return run.result(ImportStatus.WAITING, report.rows, report.error_count, detail=detail)
