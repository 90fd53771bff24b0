"""Import the ERP exports dropped under incoming/ (SPEC 3.2).

A file is validated whole, streaming, before anything is written: with any
bad row it is rejected whole, an error report next to it under rejected/;
else its rows are upserted in chunks and it moves to processed/.

Around that core (see dunning.domain.imports.tracking for the rules):
- dependency order: the files of one event are taken customers first; a file
  whose only errors are customers not known yet waits for them (a customers
  file dropped with it may still be on its way): it is validated again later
  (a delayed message to the import queue), within the bound of `WaitPolicy`,
  and only then rejected;
- idempotent and ordered per key: the ledger remembers each key's newest
  upload (S3 sequencer, ETag, version); redelivered, older or identical
  uploads write nothing;
- resumable: rows are written in chunks of `chunk_rows`; after each chunk the
  byte offset reached is committed to the ledger, and a run that is short of
  time hands over to a new one (a message to the import queue) which reads on
  from that offset (an S3 range read). Memory stays flat whatever the size.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import Any, Protocol

from dunning.domain.imports import validation as csvi
from dunning.domain.imports.tracking import (
    ImportRecord,
    ImportState,
    ObjectRef,
    Step,
    WaitPolicy,
    new_record,
    next_step,
)
from dunning.domain.model import Contact, Credit, Customer, Invoice, InvoiceGroup
from dunning.ports import Clock, ConfigSource, Conflict, NotFound


class ImportRepository(Protocol):
    def customer_roots(self, customer_ids: Iterable[str]) -> dict[str, tuple[str, str]]: ...
    def put_customers(self, customers: Iterable[Customer]) -> int: ...
    # Rows of stored customers; each returns the subsidiaries of the customers written for.
    def put_contacts(self, contacts: Iterable[Contact]) -> set[str]: ...
    def put_groups(self, groups: Iterable[InvoiceGroup]) -> set[str]: ...
    def put_invoices(self, invoices: Iterable[Invoice]) -> set[str]: ...
    def put_credits(self, credits: Iterable[Credit]) -> set[str]: ...
    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None: ...


class ImportLedgerPort(Protocol):
    def get(self, key: str) -> ImportRecord | None: ...
    def put(self, record: ImportRecord, expected_rev: int | None) -> None:
        """Raises Conflict if the stored record's rev is not `expected_rev`."""
        ...


class ObjectStore(Protocol):
    def lines(
        self, key: str, version_id: str | None = None, start: int = 0, etag: str | None = None
    ) -> Iterator[bytes]: ...
    def read(
        self, key: str, version_id: str | None, first: int, last: int, etag: str | None = None
    ) -> bytes: ...
    def exists(self, key: str, version_id: str | None = None, etag: str | None = None) -> bool: ...
    def put(
        self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None
    ) -> None: ...
    def move(
        self,
        key: str,
        new_key: str,
        version_id: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None: ...


class FollowUps(Protocol):
    """The import queue: "look at this object again in N seconds"."""

    def send_later(self, body: str, delay_seconds: int) -> None: ...


MAX_BYTES = 512 * 2**20


@dataclass(frozen=True)
class ImportOptions:
    chunk_rows: int = 1000  # rows written between two checkpoints
    reserve_seconds: float = 120.0  # a run hands over when less time than this is left
    max_bytes: int = MAX_BYTES  # larger files are rejected (validation runs in one go)
    wait: WaitPolicy = field(default_factory=WaitPolicy)


@dataclass
class ImportDeps:
    config: ConfigSource
    repo: ImportRepository
    files: ObjectStore
    clock: Clock  # the business clock: the import time marked for the freshness guard
    ledger: ImportLedgerPort
    follow_ups: FollowUps
    timer: Clock  # the real clock: leases and the waiting bound
    options: ImportOptions = field(default_factory=ImportOptions)


@dataclass(frozen=True)
class ImportResult:
    key: str
    kind: str
    status: str  # imported, unchanged, rejected, waiting, continuing, superseded, ...
    rows: int
    errors: int
    moved_to: str  # "" while the file stays in incoming/
    report: str = ""  # the error report's key (rejected files)
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Metadata on the moved object: what `dunning import` shows without DynamoDB access.
META_STATUS = "dunning-status"
META_ROWS = "dunning-rows"
META_ERRORS = "dunning-errors"
META_DETAIL = "dunning-detail"
LEASE_MARGIN = timedelta(seconds=5)
KIND_NAMES = ", ".join(str(kind) for kind in csvi.IMPORT_ORDER)


@dataclass
class Importer:
    """The entry point of the import function, for its two kinds of events."""

    deps_for: Callable[[str], ImportDeps]  # the dependencies for a bucket
    time_left: Callable[[], float]  # seconds left in this run
    on_result: Callable[[ImportResult], None] = lambda result: None

    def objects(self, refs: Iterable[ObjectRef]) -> list[ImportResult]:
        """The objects of one S3 event, customers first whatever their names (SPEC 3.2)."""
        results = []
        for ref in dependency_order(refs):
            results.append(import_object(ref, self.deps_for(ref.bucket), self.time_left))
            self.on_result(results[-1])
        return results

    def follow_up(self, body: str) -> ImportResult:
        """A message of the import queue: look at that object again."""
        (result,) = self.objects([ObjectRef.from_json(body)])
        return result


def dependency_order(refs: Iterable[ObjectRef]) -> list[ObjectRef]:
    def rank(ref: ObjectRef) -> tuple[int, str]:
        kind = csvi.kind_for_key(ref.key)
        return (len(csvi.IMPORT_ORDER) if kind is None else csvi.IMPORT_ORDER.index(kind), ref.key)

    return sorted(refs, key=rank)


def import_object(ref: ObjectRef, deps: ImportDeps, time_left: Callable[[], float]) -> ImportResult:
    """Whatever the event (new, redelivered, a follow-up), do what the ledger says."""
    return _Run(ref, deps, time_left).run()


class _Run:
    """One look at one object version, within one Lambda run."""

    def __init__(self, ref: ObjectRef, deps: ImportDeps, time_left: Callable[[], float]):
        self.ref = ref
        self.deps = deps
        self.time_left = time_left
        self.kind = csvi.kind_for_key(ref.key)
        self.name = ref.key.rsplit("/", 1)[-1]
        self.relative = ref.key.removeprefix("incoming/")  # processed/ keeps the folders
        self.held: ImportRecord | None = None  # the record as this run last wrote it

    # --- deciding ------------------------------------------------------------------

    def run(self) -> ImportResult:
        try:
            for _ in range(3):
                try:
                    return self._step()
                except Conflict:  # another run wrote the record meanwhile: look again
                    self.held = None
            return self._result("in progress", detail="other runs keep changing this record")
        except BaseException:
            self._release()
            raise

    def _step(self) -> ImportResult:
        record = self.deps.ledger.get(self.ref.key)
        step = next_step(record, self.ref, self._now())
        if record is None or step is Step.START:
            return self._start(record)
        if step is Step.VALIDATE:
            return self._validate(record)
        if step is Step.RESUME:
            return self._resume(record)
        if step is Step.UNCHANGED:
            return self._unchanged(record)
        if step is Step.SUPERSEDED:
            return self._superseded()
        if step is Step.ALREADY_HANDLED:
            return self._from_record("already handled", record)
        if step is Step.BEHIND:
            delay = max(5, self.deps.options.wait.first_delay)
            self._follow_up(delay)
            detail = f"an older upload of this key is being imported: looked at again in {delay} s"
            return self._result("queued", detail=detail)
        return self._result("in progress", detail="another run is importing this upload")

    # --- validating ----------------------------------------------------------------

    def _start(self, previous: ImportRecord | None) -> ImportResult:
        if not self._present():
            return self._result(
                "already handled", moved_to="already handled", detail="no longer in incoming/"
            )
        record = new_record(self.ref, str(self.kind or "unknown"), self._now(), self._lease())
        self._save(record if previous is None else replace(record, rev=previous.rev + 1))
        return self._check()

    def _validate(self, record: ImportRecord) -> ImportResult:
        self._save(record.evolve(state=ImportState.VALIDATING, lease_until=self._lease()))
        if not self._present():
            return self._gone()
        return self._check()

    def _check(self) -> ImportResult:
        """Validate the whole file; then write it, let it wait, or reject it."""
        options = self.deps.options
        if self.kind is None:
            return self._reject(
                None, f"unknown file type: {self.name} (a name starts with one of {KIND_NAMES})"
            )
        if self.ref.size > options.max_bytes:
            return self._reject(
                None,
                f"the file is {self.ref.size / 2**20:,.1f} MB; files of at most "
                f"{options.max_bytes / 2**20:,.0f} MB are imported: split the export "
                "(any number of files may be dropped together)",
            )
        subsidiaries = {s.subsidiary_id for s in self.deps.config.load().subsidiaries}
        try:
            lines = self._lines(0)
        except NotFound:
            return self._gone()
        report = csvi.validate_file(
            self.kind,
            lines,
            known_customers=lambda ids: set(self.deps.repo.customer_roots(ids)),
            known_subsidiaries=subsidiaries,
        )
        if report.ok:
            # Stored with the first checkpoint: until then a retry validates again.
            self.held = replace(self._held(), state=ImportState.WRITING, rows=report.rows)
            return self._write()
        held = self._held()
        if _only_unknown_customers(report):
            attempts = held.attempts + 1
            policy = options.wait
            if policy.may_wait(attempts, held.first_seen, self._now()):
                delay = policy.delay(attempts)
                detail = (
                    f"{report.error_count} row(s) name customers not known yet: validated "
                    f"again in {delay} s (a file waits {policy.describe()})"
                )
                self._save(
                    held.evolve(
                        state=ImportState.WAITING,
                        attempts=attempts,
                        lease_until=None,
                        rows=report.rows,
                        errors=report.error_count,
                        detail=detail,
                    )
                )
                self._follow_up(delay)
                return self._result("waiting", report.rows, report.error_count, detail=detail)
            waited = (self._now() - held.first_seen).total_seconds()
            self.held = replace(held, attempts=attempts)  # stored with the rejection
            return self._reject(
                report,
                f"customers still unknown after waiting {waited:,.0f} s ({attempts} validation(s))",
            )
        return self._reject(report, None)

    # --- writing -------------------------------------------------------------------

    def _resume(self, record: ImportRecord) -> ImportResult:
        self._save(record.evolve(lease_until=self._lease()))
        if not self._present():
            if self.deps.files.exists(f"processed/{self.relative}"):
                # An earlier run moved it, then stopped before recording so.
                return self._finish(move=False)
            return self._gone()
        return self._write()

    def _write(self) -> ImportResult:
        """Write from the checkpoint on, a chunk at a time, committing each chunk's end."""
        assert self.kind is not None
        held = self._held()
        if held.offset == 0:
            raw = iter(self._lines(0))
            header, header_end = _header_lines(raw)
            body = _Tally(raw, header_end)
        else:
            header_end = held.header_end
            head = self.deps.files.read(
                self.ref.key, self.ref.version_id, 0, header_end - 1, self.ref.etag
            )
            header = head.splitlines(keepends=True)
            body = _Tally(iter(self._lines(held.offset)), held.offset)
        rows = csvi.parse_rows(self.kind, chain(header, body))
        touched = set(held.subsidiaries)
        done = held.rows_done
        chunk_rows = max(1, self.deps.options.chunk_rows)
        while chunk := list(islice(rows, chunk_rows)):
            touched |= _write_chunk(self.kind, chunk, self.deps.repo)
            done += len(chunk)
            progress: dict[str, Any] = {
                "offset": body.position,
                "header_end": header_end,
                "rows_done": done,
                "subsidiaries": tuple(sorted(touched)),
            }
            if body.position >= self.ref.size:  # the last chunk: saved with the outcome
                self.held = replace(self._held(), **progress)
                continue
            self._save(self._held().evolve(lease_until=self._lease(), **progress))
            if self.time_left() <= self.deps.options.reserve_seconds:
                return self._hand_over(done)
        return self._finish(move=True)

    def _hand_over(self, done: int) -> ImportResult:
        held = self._held()
        detail = f"{done:,} of {held.rows:,} rows written: a new run continues from there"
        self._save(held.evolve(lease_until=None, detail=detail))
        self._follow_up(0)
        return self._result("continuing", held.rows, 0, detail=detail)

    def _finish(self, move: bool) -> ImportResult:
        held = self._held()
        at = self.deps.clock.now()
        for subsidiary in held.subsidiaries:
            self.deps.repo.mark_import(subsidiary, at, self.ref.key)
        target = f"processed/{self.relative}"
        if move:
            metadata = {META_STATUS: "imported", META_ROWS: str(held.rows_done), META_ERRORS: "0"}
            self.deps.files.move(self.ref.key, target, self.ref.version_id, metadata)
        self._save(
            held.evolve(
                state=ImportState.IMPORTED,
                lease_until=None,
                rows=held.rows_done,
                errors=0,
                moved_to=target,
                detail="",
            )
        )
        return self._result("imported", held.rows_done, 0, target)

    # --- the other outcomes ----------------------------------------------------------

    def _reject(self, report: csvi.ValidationReport | None, note: str | None) -> ImportResult:
        stem = self.relative.rsplit(".", 1)[0]
        files = self.deps.files
        if report is not None:
            summary = json.loads(csvi.report_json(report))
            if note:
                summary["detail"] = note
            files.put(f"rejected/{stem}.errors.csv", csvi.report_csv(report).encode(), "text/csv")
            rows, errors = report.rows, report.error_count
            report_key = f"rejected/{stem}.errors.csv"
        else:
            summary = {"file": self.name, "ok": False, "rows": 0, "error_count": 1}
            summary["file_error"] = note
            rows, errors, report_key = 0, 1, f"rejected/{stem}.errors.json"
        body = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
        files.put(f"rejected/{stem}.errors.json", body.encode(), "application/json")
        target = f"rejected/{self.relative}"
        detail = note or (report.file_error if report is not None else None) or ""
        metadata = {META_STATUS: "rejected", META_ROWS: str(rows), META_ERRORS: str(errors)}
        files.move(self.ref.key, target, self.ref.version_id, metadata)
        self._save(
            self._held().evolve(
                state=ImportState.REJECTED,
                lease_until=None,
                rows=rows,
                errors=errors,
                moved_to=target,
                report=report_key,
                detail=detail,
            )
        )
        return self._result("rejected", rows, errors, target, report_key, detail)

    def _unchanged(self, record: ImportRecord) -> ImportResult:
        if not self._present():
            return self._result("already handled", moved_to="already handled")
        target = f"processed/{self.relative}"
        detail = "the same bytes as the last import of this file: nothing written"
        metadata = {META_STATUS: "unchanged", META_ROWS: str(record.rows), META_ERRORS: "0"}
        self.deps.files.move(self.ref.key, target, self.ref.version_id, metadata)
        unchanged = replace(
            new_record(self.ref, record.file_kind, self._now(), None),
            state=ImportState.UNCHANGED,
            rev=record.rev + 1,
            lease_until=None,
            rows=record.rows,
            rows_done=record.rows_done,
            moved_to=target,
            detail=detail,
        )
        self._save(unchanged)
        return self._result("unchanged", record.rows, 0, target, detail=detail)

    def _superseded(self) -> ImportResult:
        detail = "a newer upload of this file was taken on: this one is not imported"
        version = self.ref.version_id
        if version is None or not self.deps.files.exists(self.ref.key, version):
            return self._result("superseded", detail=detail)  # never move the newer object
        target = f"superseded/{self.relative}"
        self.deps.files.move(self.ref.key, target, version, {META_STATUS: "superseded"})
        return self._result("superseded", moved_to=target, detail=detail)

    def _gone(self) -> ImportResult:
        detail = "the file was removed from incoming/ before its import finished"
        held = self._held()
        self._save(held.evolve(state=ImportState.REJECTED, lease_until=None, detail=detail))
        return self._result("rejected", held.rows, 1, detail=detail)

    # --- helpers -------------------------------------------------------------------

    def _present(self) -> bool:
        try:
            return self.deps.files.exists(self.ref.key, self.ref.version_id, self.ref.etag)
        except Conflict:  # replaced by another upload, which has an event of its own
            return False

    def _lines(self, start: int) -> Iterator[bytes]:
        return self.deps.files.lines(self.ref.key, self.ref.version_id, start, self.ref.etag)

    def _now(self) -> datetime:
        return self.deps.timer.now()

    def _lease(self) -> datetime:
        return self._now() + timedelta(seconds=max(0.0, self.time_left())) + LEASE_MARGIN

    def _held(self) -> ImportRecord:
        assert self.held is not None, "the record is written before it is used"
        return self.held

    def _save(self, record: ImportRecord) -> None:
        """Write the record if the stored one is still its previous revision (rev 0: if
        there is none); Conflict otherwise."""
        self.deps.ledger.put(record, None if record.rev == 0 else record.rev - 1)
        self.held = record

    def _release(self) -> None:
        """After a failure, free the lease so that the retry need not wait it out."""
        held = self.held
        if held is None or held.lease_until is None:
            return
        # Best effort: the error being raised is what matters, and the lease expires anyway.
        with contextlib.suppress(Exception):
            self.deps.ledger.put(held.evolve(lease_until=None), held.rev)

    def _follow_up(self, delay: int) -> None:
        self.deps.follow_ups.send_later(self.ref.to_json(), delay)

    def _result(
        self,
        status: str,
        rows: int = 0,
        errors: int = 0,
        moved_to: str = "",
        report: str = "",
        detail: str = "",
    ) -> ImportResult:
        return ImportResult(
            self.ref.key,
            str(self.kind or "unknown"),
            status,
            rows,
            errors,
            moved_to,
            report,
            detail,
        )

    def _from_record(self, status: str, record: ImportRecord) -> ImportResult:
        return self._result(
            status, record.rows, record.errors, record.moved_to, record.report, record.detail
        )


def _only_unknown_customers(report: csvi.ValidationReport) -> bool:
    codes = {str(code) for code, count in report.counts_by_code.items() if count}
    return report.file_error is None and codes == {str(csvi.ErrorCode.UNKNOWN_CUSTOMER)}


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


def _write_chunk(kind: csvi.FileKind, chunk: list[Any], repo: ImportRepository) -> set[str]:
    """Upsert one chunk of rows; returns the subsidiaries it touched."""
    if kind is csvi.FileKind.CUSTOMERS:
        repo.put_customers(chunk)
        return {c.subsidiary_id for c in chunk}
    if kind is csvi.FileKind.CONTACTS:
        return repo.put_contacts(chunk)
    if kind is csvi.FileKind.INVOICE_GROUPS:
        return repo.put_groups(chunk)
    if kind is csvi.FileKind.INVOICES:
        return repo.put_invoices(chunk)
    return repo.put_credits(chunk)
