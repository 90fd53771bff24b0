"""The import use case over in-memory ports: a file written in checkpointed chunks over
many runs, or resumed after a crash, ends up written exactly as it parses, whatever
the chunk size and whatever the file looks like (BOM, CRLF, line breaks in quoted
cells, blank lines); and it is read as a stream."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.domain.configuration.config import Config, Subsidiary
from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.schema import FileKind
from dunning.domain.imports.tracking import ImportRecord, ObjectRef
from dunning.domain.model import Customer
from dunning.ports import Conflict, NotFound, TransientError
from dunning.usecases.import_file import Importer
from dunning.usecases.import_run import ImportDeps, ImportOptions

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
COLUMNS = ["customer_id", "subsidiary_id", "name", "email", "language", "currency"]


@dataclass
class Clock:
    def now(self) -> datetime:
        return NOW


@dataclass
class Files:
    """One bucket in memory; lines come as botocore's iter_lines(keepends=True) gives them."""

    objects: dict[str, bytes] = field(default_factory=dict)
    position: int = 0  # the byte the latest stream has read up to
    moved: dict[str, str] = field(default_factory=dict)

    def lines(self, key: str, version_id: Any = None, start: int = 0, etag: Any = None) -> Any:
        if key not in self.objects:
            raise NotFound(key)
        return self._stream(self.objects[key], start)

    def _stream(self, data: bytes, start: int) -> Iterator[bytes]:
        self.position = start
        for line in data[start:].splitlines(keepends=True):
            self.position += len(line)
            yield line

    def read(self, key: str, version_id: Any, first: int, last: int, etag: Any = None) -> bytes:
        return self.objects[key][first : last + 1]

    def exists(self, key: str, version_id: Any = None, etag: Any = None) -> bool:
        return key in self.objects

    def put(self, key: str, body: bytes, content_type: str, metadata: Any = None) -> None:
        self.objects[key] = body

    def move(self, key: str, new_key: str, version_id: Any = None, metadata: Any = None) -> None:
        self.objects[new_key] = self.objects.pop(key)
        self.moved[key] = new_key


@dataclass
class Ledger:
    records: dict[str, ImportRecord] = field(default_factory=dict)
    checkpoints: list[int] = field(default_factory=list)  # offsets committed, in order

    def get(self, key: str) -> ImportRecord | None:
        return self.records.get(key)

    def put(self, record: ImportRecord, expected_rev: int | None) -> None:
        stored = self.records.get(record.key)
        if (stored.rev if stored else None) != expected_rev:
            raise Conflict(record.key)
        if stored and record.offset != stored.offset:
            self.checkpoints.append(record.offset)
        self.records[record.key] = record


@dataclass
class Repo:
    files: Files
    written: list[Customer] = field(default_factory=list)
    read_up_to: list[int] = field(default_factory=list)  # the stream's position at each write
    fail_on_call: int = -1
    calls: int = 0

    def put_customers(self, customers: Any) -> int:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise TransientError("injected: DynamoDB is throttling")
        rows = list(customers)
        self.written.extend(rows)
        self.read_up_to.append(self.files.position)
        return len(rows)

    def customer_roots(self, ids: Any) -> dict[str, tuple[str, str]]:
        return {}

    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None:
        pass

    def record_activities(self, activities: Any) -> int:
        return len(list(activities))


@dataclass
class Queue:
    bodies: list[str] = field(default_factory=list)

    def send_later(self, body: str, delay_seconds: int) -> None:
        self.bodies.append(body)


class Config1:
    def load(self) -> Config:
        return Config(subsidiaries=(Subsidiary("S1", "S1", "EUR", "UTC"),), procedures=())


def _world(body: bytes, chunk_rows: int) -> tuple[ImportDeps, Files, Repo, Queue]:
    files = Files({"incoming/x/customers.csv": body})
    repo = Repo(files)
    queue = Queue()
    deps = ImportDeps(
        config=Config1(),
        repo=repo,  # type: ignore[arg-type]
        files=files,
        clock=Clock(),
        ledger=Ledger(),
        follow_ups=queue,
        timer=Clock(),
        options=ImportOptions(chunk_rows=chunk_rows, reserve_seconds=60),
    )
    return deps, files, repo, queue


def _run_until_done(deps: ImportDeps, body: bytes, queue: Queue) -> list[str]:
    """The S3 event, then each follow-up the runs send, as the import queue delivers them."""
    importer = Importer(lambda bucket: deps, time_left=lambda: 0.0)  # always short of time
    ref = ObjectRef("b", "incoming/x/customers.csv", "etag", "0A", len(body), "v1")
    statuses = [r.status for r in importer.objects([ref])]
    while queue.bodies:
        statuses.append(importer.follow_up(queue.bodies.pop(0)).status)
    return statuses


# --- files as an ERP writes them ----------------------------------------------------------

_name = st.text(
    st.characters(exclude_categories=("Cc", "Cs")) | st.sampled_from(['"', ",", "\n", " "]),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s)


@st.composite
def customer_files(draw: st.DrawFn) -> bytes:
    n = draw(st.integers(0, 12))
    names = draw(st.lists(_name, min_size=n, max_size=n))
    out = io.StringIO()
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    writer = csv.writer(out, lineterminator=ending)
    writer.writerow(COLUMNS)
    for i, name in enumerate(names):
        if draw(st.booleans()) and i % 4 == 0:
            out.write(ending)  # a blank line between rows
        writer.writerow([f"C{i}", "S1", name, "", "en", "EUR"])
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + out.getvalue()).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customer_files(), st.integers(1, 5))
def test_chunks_over_many_runs_write_exactly_the_rows_of_the_file(body: bytes, chunk: int):
    deps, files, repo, queue = _world(body, chunk)
    statuses = _run_until_done(deps, body, queue)
    expected = list(parse_rows(FileKind.CUSTOMERS, body.splitlines(keepends=True)))
    assert repo.written == expected
    assert statuses[-1] == "imported"
    runs_needed = max(1, -(-len(expected) // chunk))  # one chunk per run
    assert len(statuses) in (runs_needed, runs_needed + 1)  # + one that finds no more rows
    assert files.moved == {"incoming/x/customers.csv": "processed/x/customers.csv"}
    # streaming: when a chunk is written, the file has been read up to its end and no
    # further, and that end is the checkpoint committed next
    assert repo.read_up_to == deps.ledger.checkpoints  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(customer_files(), st.integers(1, 4), st.integers(1, 4))
def test_a_run_that_fails_midway_is_resumed_from_its_checkpoint(
    body: bytes, chunk: int, failing_call: int
):
    deps, _, repo, _ = _world(body, chunk)
    repo.fail_on_call = failing_call
    importer = Importer(lambda bucket: deps, time_left=lambda: 900.0)  # time enough
    ref = ObjectRef("b", "incoming/x/customers.csv", "etag", "0A", len(body), "v1")
    expected = list(parse_rows(FileKind.CUSTOMERS, body.splitlines(keepends=True)))
    if len(expected) > (failing_call - 1) * chunk:
        with pytest.raises(TransientError):
            importer.objects([ref])
        record = deps.ledger.get(ref.key)
        assert record is not None and record.lease_until is None  # freed for the retry
        assert record.rows_done == (failing_call - 1) * chunk
    (again,) = importer.objects([ref])  # Lambda retries the event
    assert again.status == "imported" and again.rows == len(expected)
    assert repo.written == expected  # rows before the checkpoint were not written twice
