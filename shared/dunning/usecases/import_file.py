"""Import one ERP export dropped under incoming/ (SPEC 3.2): validate the whole file
streaming, then write it, or reject it whole with a report next to it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any, Protocol

from dunning.domain import csv_import as csvi
from dunning.domain.model import Contact, Credit, Customer, Invoice, InvoiceGroup
from dunning.ports import Clock, ConfigSource, NotFound


class ImportRepository(Protocol):
    def customer_roots(self, customer_ids: Iterable[str]) -> dict[str, tuple[str, str]]: ...
    def put_customers(self, customers: Iterable[Customer]) -> int: ...
    def put_contacts(self, contacts: Iterable[Contact]) -> int: ...
    def put_groups(
        self, groups: Iterable[InvoiceGroup], roots: dict[str, tuple[str, str]]
    ) -> int: ...
    def put_invoices(
        self, invoices: Iterable[Invoice], roots: dict[str, tuple[str, str]]
    ) -> int: ...
    def put_credits(self, credits: Iterable[Credit], roots: dict[str, tuple[str, str]]) -> int: ...
    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None: ...


class ObjectStore(Protocol):
    def lines(self, key: str) -> Iterator[bytes]: ...
    def put(self, key: str, body: bytes, content_type: str) -> None: ...
    def move(self, key: str, new_key: str) -> None: ...


@dataclass
class ImportDeps:
    config: ConfigSource
    repo: ImportRepository
    files: ObjectStore
    clock: Clock


@dataclass(frozen=True)
class ImportResult:
    key: str
    kind: str
    rows: int
    errors: int
    moved_to: str


CHUNK = 1000  # rows written per step: memory stays flat whatever the file size


def import_file(key: str, deps: ImportDeps) -> ImportResult:
    kind = csvi.kind_for_key(key)
    name = key.rsplit("/", 1)[-1]
    if kind is None:
        return _reject(key, name, deps, None, f"unknown file type: {name}")
    subsidiaries = {s.subsidiary_id for s in deps.config.load().subsidiaries}
    try:
        lines = deps.files.lines(key)
    except NotFound:  # a redelivered notification: the file was already moved on
        return ImportResult(key, str(kind), 0, 0, "already handled")
    report = csvi.validate_file(
        kind, lines, known_customers=_known(deps.repo), known_subsidiaries=subsidiaries
    )
    if not report.ok:
        return _reject(key, name, deps, report, None)
    touched = _write(kind, csvi.parse_rows(kind, deps.files.lines(key)), deps.repo)
    now = deps.clock.now()
    for sub in sorted(touched):
        deps.repo.mark_import(sub, now, key)
    target = f"processed/{_relative(key)}"
    deps.files.move(key, target)
    return ImportResult(key, str(kind), report.rows, 0, target)


def _known(repo: ImportRepository) -> Any:
    return lambda ids: set(repo.customer_roots(ids))


def _write(kind: csvi.FileKind, rows: Iterator[Any], repo: ImportRepository) -> set[str]:
    touched: set[str] = set()
    while chunk := list(islice(rows, CHUNK)):
        if kind is csvi.FileKind.CUSTOMERS:
            repo.put_customers(chunk)
            touched.update(c.subsidiary_id for c in chunk)
            continue
        roots = repo.customer_roots({r.customer_id for r in chunk})
        touched.update(sub for sub, _ in roots.values())
        if kind is csvi.FileKind.CONTACTS:
            repo.put_contacts(chunk)
        elif kind is csvi.FileKind.INVOICE_GROUPS:
            repo.put_groups(chunk, roots)
        elif kind is csvi.FileKind.INVOICES:
            repo.put_invoices(chunk, roots)
        else:
            repo.put_credits(chunk, roots)
    return touched


def _reject(
    key: str, name: str, deps: ImportDeps, report: Any, message: str | None
) -> ImportResult:
    stem = _relative(key).rsplit(".", 1)[0]
    if report is not None:
        deps.files.put(f"rejected/{stem}.errors.csv", csvi.report_csv(report).encode(), "text/csv")
        deps.files.put(
            f"rejected/{stem}.errors.json", csvi.report_json(report).encode(), "application/json"
        )
    else:
        body = json.dumps({"file": name, "file_error": message}).encode()
        deps.files.put(f"rejected/{stem}.errors.json", body, "application/json")
    target = f"rejected/{_relative(key)}"
    deps.files.move(key, target)
    errors = report.error_count if report is not None else 1
    return ImportResult(key, "unknown", getattr(report, "rows", 0), errors, target)


def _relative(key: str) -> str:
    """The key below incoming/: processed/ and rejected/ keep the drop's folders."""
    return key.removeprefix("incoming/")
