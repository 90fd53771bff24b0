"""Writing a validated file: in chunks, a checkpoint after each, resumable.

After each chunk of `chunk_rows` rows the byte offset reached is committed to
the ledger; a run that is short of time hands over to a new one (a message to
the import queue) which reads on from that offset (an S3 range read).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from itertools import chain, islice
from typing import Any

from dunning.domain.control.audit import Upload, import_activities
from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.schema import FileKind
from dunning.domain.imports.tracking import ImportRecord, ImportState
from dunning.usecases.import_outcomes import gone
from dunning.usecases.import_run import (
    META_ERRORS,
    META_ROWS,
    META_STATUS,
    ImportRepository,
    ImportResult,
    ImportRun,
    ImportStatus,
)


def resume(run: ImportRun, record: ImportRecord) -> ImportResult:
    """Take over an import that stopped while writing."""
    run.save(record.evolve(lease_until=run.lease()))
    if not run.present():
        if run.deps.files.exists(f"processed/{run.relative}"):
            # An earlier run moved it, then stopped before recording so.
            return finish(run, move=False)
        return gone(run)
    return write(run)


def write(run: ImportRun) -> ImportResult:
    """Write from the checkpoint on, a chunk at a time, committing each chunk's end."""
    kind = run.kind
    assert kind is not None
    held = run.record
    header, header_end, body = _from_checkpoint(run, held)
    rows = parse_rows(kind, chain(header, body))
    touched = set(held.subsidiaries)
    done = held.rows_done
    chunk_rows = max(1, run.deps.options.chunk_rows)
    while chunk := list(islice(rows, chunk_rows)):
        touched |= _write_chunk(kind, chunk, run.deps.repo)
        done += len(chunk)
        progress: dict[str, Any] = {
            "offset": body.position,
            "header_end": header_end,
            "rows_done": done,
            "subsidiaries": tuple(sorted(touched)),
        }
        if body.position >= run.ref.size:  # the last chunk: saved with the outcome
            run.held = replace(run.record, **progress)
            continue
        run.save(run.record.evolve(lease_until=run.lease(), **progress))
        if run.time_left() <= run.deps.options.reserve_seconds:
            return _hand_over(run, done)
    _record_activities(run, kind)
    return finish(run, move=True)


def _record_activities(run: ImportRun, kind: FileKind) -> None:
    """Each customer's activity log gets one entry for the file with its rows (SPEC
    2.10), once every row is written. The file is read once more for its customer ids:
    a customer's rows may be spread over every chunk, and one entry per customer costs
    a write per customer rather than one per customer and chunk. A retry after a crash
    writes them again under the same upload (the log shows them once)."""
    customers = (row.customer_id for row in parse_rows(kind, run.lines(0)))
    tick = f"{int(run.now().timestamp() * 1_000_000):020d}"
    upload = Upload(run.ref.key, run.ref.etag, str(kind))
    at = run.deps.clock.now()
    run.deps.repo.record_activities(import_activities(upload, customers, at, run.ref.size, tick))


def _from_checkpoint(run: ImportRun, held: ImportRecord) -> tuple[list[bytes], int, _Tally]:
    """(the header's lines, where they end, the lines of the rows not written yet)."""
    if held.offset == 0:
        raw = iter(run.lines(0))
        header, header_end = _header_lines(raw)
        return header, header_end, _Tally(raw, header_end)
    header_end = held.header_end
    head = run.deps.files.read(run.ref.key, run.ref.version_id, 0, header_end - 1, run.ref.etag)
    header = head.splitlines(keepends=True)
    return header, header_end, _Tally(iter(run.lines(held.offset)), held.offset)


def _hand_over(run: ImportRun, done: int) -> ImportResult:
    held = run.record
    detail = f"{done:,} of {held.rows:,} rows written: a new run continues from there"
    run.save(held.evolve(lease_until=None, detail=detail))
    run.follow_up(0)
    return run.result(ImportStatus.CONTINUING, held.rows, 0, detail=detail)


def finish(run: ImportRun, move: bool) -> ImportResult:
    """Mark the import time of the subsidiaries touched; the file goes to processed/."""
    held = run.record
    at = run.deps.clock.now()
    for subsidiary in held.subsidiaries:
        run.deps.repo.mark_import(subsidiary, at, run.ref.key)
    target = f"processed/{run.relative}"
    if move:
        metadata = {
            META_STATUS: ImportStatus.IMPORTED,
            META_ROWS: str(held.rows_done),
            META_ERRORS: "0",
        }
        run.deps.files.move(run.ref.key, target, run.ref.version_id, metadata)
    run.save(
        held.evolve(
            state=ImportState.IMPORTED,
            lease_until=None,
            rows=held.rows_done,
            errors=0,
            moved_to=target,
            detail="",
        )
    )
    return run.result(ImportStatus.IMPORTED, held.rows_done, 0, target)


def _header_lines(lines: Iterator[bytes]) -> tuple[list[bytes], int]:
    """The physical lines up to and including the header row, and their length in bytes."""
    taken: list[bytes] = []
    size = 0
    for line in lines:
        taken.append(line)
        size += len(line)
        text = line.removeprefix(b"\xef\xbb\xbf") if len(taken) == 1 else line
        if text.strip().strip(b",").strip():
            break
    return taken, size


class _Tally:
    """Lines passed through, counting the bytes read: the offset of the next row."""

    def __init__(self, lines: Iterator[bytes], start: int):
        self._lines = lines
        self.position = start

    def __iter__(self) -> _Tally:
        return self

    def __next__(self) -> bytes:
        line = next(self._lines)
        self.position += len(line)
        return line


def _write_chunk(kind: FileKind, chunk: list[Any], repo: ImportRepository) -> set[str]:
    """Upsert one chunk of rows; returns the subsidiaries it touched."""
    if kind is FileKind.CUSTOMERS:
        repo.put_customers(chunk)
        return {c.subsidiary_id for c in chunk}
    if kind is FileKind.CONTACTS:
        return repo.put_contacts(chunk)
    if kind is FileKind.INVOICE_GROUPS:
        return repo.put_groups(chunk)
    if kind is FileKind.INVOICES:
        return repo.put_invoices(chunk)
    return repo.put_credits(chunk)
