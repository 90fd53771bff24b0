"""What the steps of an import share: its ports, options, outcome, and one run's state.

See `dunning.usecases.import_file` for the import as a whole.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from dunning.domain.control.audit import Activity
from dunning.domain.imports.schema import kind_for_key
from dunning.domain.imports.tracking import ImportRecord, ObjectRef, WaitPolicy
from dunning.domain.model import Contact, Credit, Customer, Invoice, InvoiceGroup
from dunning.ports import Clock, ConfigSource, Conflict


class ImportRepository(Protocol):
    def customer_roots(self, customer_ids: Iterable[str]) -> dict[str, tuple[str, str]]: ...
    def put_customers(self, customers: Iterable[Customer]) -> int: ...
    # Rows of stored customers; each returns the subsidiaries of the customers written for.
    def put_contacts(self, contacts: Iterable[Contact]) -> set[str]: ...
    def put_groups(self, groups: Iterable[InvoiceGroup]) -> set[str]: ...
    def put_invoices(self, invoices: Iterable[Invoice]) -> set[str]: ...
    def put_credits(self, credits: Iterable[Credit]) -> set[str]: ...
    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None: ...
    def record_activities(self, activities: Iterable[Activity]) -> int:
        """The customers' activity entries of a chunk (who imported what)."""
        ...


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


class ImportStatus(StrEnum):
    """What one look at an uploaded file came to (in results, logs and object metadata)."""

    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # the same bytes as the last import of the key
    REJECTED = "rejected"
    WAITING = "waiting"  # for customers not known yet: validated again later
    CONTINUING = "continuing"  # a new run writes on from the checkpoint
    SUPERSEDED = "superseded"  # a newer upload of the key was taken on
    ALREADY_HANDLED = "already handled"
    IN_PROGRESS = "in progress"  # another run works on this upload
    QUEUED = "queued"  # behind an older upload of the key: looked at again later


@dataclass(frozen=True)
class ImportResult:
    key: str
    kind: str
    status: ImportStatus
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
LEASE_MARGIN = timedelta(seconds=5)


class ImportRun:
    """One look at one object version, within one Lambda run: what its steps share."""

    def __init__(self, ref: ObjectRef, deps: ImportDeps, time_left: Callable[[], float]):
        self.ref = ref
        self.deps = deps
        self.time_left = time_left  # seconds left in this Lambda run
        self.kind = kind_for_key(ref.key)
        self.name = ref.key.rsplit("/", 1)[-1]
        self.relative = ref.key.removeprefix("incoming/")  # processed/ keeps the folders
        self.held: ImportRecord | None = None  # the record as this run last wrote it

    @property
    def record(self) -> ImportRecord:
        """The record held; a step only asks once it has written or read one."""
        assert self.held is not None, "the record is written before it is used"
        return self.held

    def present(self) -> bool:
        """Whether this very upload is still under incoming/."""
        try:
            return self.deps.files.exists(self.ref.key, self.ref.version_id, self.ref.etag)
        except Conflict:  # replaced by another upload, which has an event of its own
            return False

    def lines(self, start: int) -> Iterator[bytes]:
        return self.deps.files.lines(self.ref.key, self.ref.version_id, start, self.ref.etag)

    def now(self) -> datetime:
        return self.deps.timer.now()

    def lease(self) -> datetime:
        """Until when this run holds the record: the time it has left, and a margin."""
        return self.now() + timedelta(seconds=max(0.0, self.time_left())) + LEASE_MARGIN

    def save(self, record: ImportRecord) -> None:
        """Write the record if the stored one is still its previous revision (rev 0: if
        there is none); Conflict otherwise."""
        self.deps.ledger.put(record, None if record.rev == 0 else record.rev - 1)
        self.held = record

    def release(self) -> None:
        """After a failure, free the lease so that the retry need not wait it out."""
        held = self.held
        if held is None or held.lease_until is None:
            return
        # Best effort: the error being raised is what matters, and the lease expires anyway.
        with contextlib.suppress(Exception):
            self.deps.ledger.put(held.evolve(lease_until=None), held.rev)

    def follow_up(self, delay: int) -> None:
        """Have the import queue bring this upload back in `delay` seconds."""
        self.deps.follow_ups.send_later(self.ref.to_json(), delay)

    def result(
        self,
        status: ImportStatus,
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

    def from_record(self, status: ImportStatus, record: ImportRecord) -> ImportResult:
        return self.result(
            status, record.rows, record.errors, record.moved_to, record.report, record.detail
        )
