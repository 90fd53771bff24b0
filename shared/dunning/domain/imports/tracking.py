"""Where the import of one uploaded file stands, and what to do with an event about it.

Every object version the import sees is an `ObjectRef`: bucket, key, ETag,
version and the S3 event's `sequencer`. One `ImportRecord` per key (kept in
DynamoDB) remembers the newest upload of that key that was taken on, and how
far its import got. `next_step` decides, from that record alone, what an event
(an S3 notification, a redelivered one, or the import's own follow-up message)
should do:

- ordered per key by the sequencer, which S3 makes grow with each PUT of a
  key: an event older than the record is *superseded* and never writes;
- idempotent: an event the record already finished is *already handled*; an
  upload of the same bytes (same ETag) as the last one imported is
  *unchanged* and writes nothing;
- one writer per key: a run holds a lease on the record while it works; an
  event that finds the lease taken waits its turn (a newer upload) or leaves
  it to the holder (the same upload).

Sequencers of different keys cannot be compared (S3 says so): files under
different keys are separate exports, imported in the order they arrive.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import unquote_plus


class ImportState(StrEnum):
    VALIDATING = "validating"  # a run is reading the whole file
    WAITING = "waiting"  # only unknown customers: retried later, within a bound
    WRITING = "writing"  # valid; rows are being written from `offset` on
    IMPORTED = "imported"
    UNCHANGED = "unchanged"  # the same bytes as the last import of this key
    REJECTED = "rejected"


FINAL = frozenset({ImportState.IMPORTED, ImportState.UNCHANGED, ImportState.REJECTED})


class Step(StrEnum):
    START = "start"  # take the upload on: validate it
    VALIDATE = "validate"  # validate again (after waiting, or an interrupted validation)
    RESUME = "resume"  # write on from the checkpoint
    UNCHANGED = "unchanged"  # same bytes as the last import: nothing to write
    ALREADY_HANDLED = "already_handled"  # this very upload is finished
    SUPERSEDED = "superseded"  # a newer upload of the key was taken on
    IN_PROGRESS = "in_progress"  # another run works on this very upload right now
    BEHIND = "behind"  # another run writes an older upload of the key: come back later


@dataclass(frozen=True)
class ObjectRef:
    """One uploaded object version, as the S3 notification names it."""

    bucket: str
    key: str
    etag: str
    sequencer: str
    size: int
    version_id: str | None = None

    @classmethod
    def from_s3_record(cls, record: dict[str, Any]) -> ObjectRef:
        """From a record of an S3 event notification."""
        s3 = record["s3"]
        obj = s3["object"]
        return cls(
            bucket=s3["bucket"]["name"],
            key=unquote_plus(obj["key"]),  # S3 notifications URL-encode keys
            etag=str(obj.get("eTag") or "").strip('"'),
            sequencer=str(obj.get("sequencer") or ""),
            size=int(obj.get("size") or 0),
            version_id=obj.get("versionId") or None,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ObjectRef:
        d = json.loads(text)
        return cls(
            d["bucket"],
            d["key"],
            d["etag"],
            d["sequencer"],
            int(d["size"]),
            d.get("version_id"),
        )


def s3_object_refs(event: dict[str, Any]) -> list[ObjectRef]:
    """The objects an S3 event notification names."""
    return [ObjectRef.from_s3_record(record) for record in event.get("Records", [])]


def sequencer_order(a: str, b: str) -> int:
    """-1, 0 or 1 as event `a` happened before, with or after `b` (same key only).

    S3's rule: left-pad the shorter hexadecimal string with zeros, then
    compare them as strings.
    """
    width = max(len(a), len(b))
    x, y = a.upper().rjust(width, "0"), b.upper().rjust(width, "0")
    return (x > y) - (x < y)


@dataclass(frozen=True)
class ImportRecord:
    """The newest upload of one key that was taken on, and how far its import got."""

    key: str
    sequencer: str
    etag: str
    version_id: str | None
    state: ImportState
    file_kind: str
    first_seen: datetime  # when this upload was first taken on (bounds the waiting)
    rev: int = 0  # bumped by every write: writes are conditional on it
    attempts: int = 0  # validations that found only unknown customers
    lease_until: datetime | None = None  # a run works on it until then
    header_end: int = 0  # byte offset of the first data row
    offset: int = 0  # byte offset of the first row not written yet
    rows_done: int = 0  # rows written so far
    subsidiaries: tuple[str, ...] = ()  # touched so far (their import time is marked)
    rows: int = 0  # data rows of the file (known once validated)
    errors: int = 0
    moved_to: str = ""
    report: str = ""  # where the error report is (rejected files)
    detail: str = ""  # a sentence for people: why it waits, why it was rejected

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now

    def evolve(self, **changes: Any) -> ImportRecord:
        """The next revision of the record (what a conditional write stores)."""
        return replace(self, rev=self.rev + 1, **changes)


def new_record(
    ref: ObjectRef, file_kind: str, now: datetime, lease_until: datetime | None
) -> ImportRecord:
    return ImportRecord(
        key=ref.key,
        sequencer=ref.sequencer,
        etag=ref.etag,
        version_id=ref.version_id,
        state=ImportState.VALIDATING,
        file_kind=file_kind,
        first_seen=now,
        lease_until=lease_until,
    )


def next_step(record: ImportRecord | None, ref: ObjectRef, now: datetime) -> Step:
    """What an event about `ref` should do, given the key's record (None: never seen)."""
    if record is None:
        return Step.START
    order = sequencer_order(ref.sequencer, record.sequencer)
    if order < 0:
        return Step.SUPERSEDED
    if order == 0:
        if record.state in FINAL:
            return Step.ALREADY_HANDLED
        if record.leased(now):
            return Step.IN_PROGRESS
        if record.state is ImportState.WRITING:
            return Step.RESUME
        return Step.VALIDATE
    # A newer upload of the key.
    if record.state not in FINAL and record.leased(now):
        return Step.BEHIND
    if (
        record.state in (ImportState.IMPORTED, ImportState.UNCHANGED)
        and ref.etag
        and ref.etag == record.etag
    ):
        return Step.UNCHANGED
    return Step.START


@dataclass(frozen=True)
class WaitPolicy:
    """How long a file naming customers not known yet waits for them (SPEC 3.2).

    It is validated again after `first_delay` seconds, then after twice as
    long each time (at most `max_delay`, SQS's limit), while less than
    `max_wait` seconds have passed since it was first seen and it has had
    fewer than `max_attempts` validations; then it is rejected.
    """

    first_delay: int = 30
    max_delay: int = 900
    max_wait: int = 1800
    max_attempts: int = 8

    def delay(self, attempts: int) -> int:
        """Seconds before validation number `attempts + 1` (attempts >= 1)."""
        return min(self.max_delay, self.first_delay * 2 ** max(0, attempts - 1))

    def may_wait(self, attempts: int, first_seen: datetime, now: datetime) -> bool:
        """Whether a file validated `attempts` times so far may wait once more."""
        waited = (now - first_seen).total_seconds()
        return attempts < self.max_attempts and waited + self.delay(attempts) <= self.max_wait

    def describe(self) -> str:
        return f"at most {self.max_wait} s and {self.max_attempts} validations"
