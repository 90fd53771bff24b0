"""Dropping ERP exports into the import bucket, and reading what became of them.

Shared by `dunning import` (embedded AWS or a deployed bucket) and `dunning
simulate`. What became of a file is read from the bucket alone, as a person
would look: `processed/<name>` (its metadata says imported or unchanged, and
how many rows), `rejected/<name>` with `<stem>.errors.csv` and
`<stem>.errors.json` beside it, `superseded/<name>`; a file still under
`incoming/` is not finished (waiting for its customers, or being written in
several runs).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from dunning.domain.imports.schema import import_rank, kind_for_key
from dunning.usecases.import_run import META_ERRORS, META_ROWS, META_STATUS, ImportStatus
from dunning_local.driver import LocalDriver

INCOMING = "incoming/"
# On the embedded AWS every file of a drop is imported before the next is uploaded
# (customers first): nothing is on its way, so a file naming unknown customers need
# not wait in real time. It is still validated again (up to the attempts bound).
LOCAL_IMPORT_PARAMETERS = {"ImportRetrySeconds": 0}


class FileStatus(StrEnum):
    """What became of a dropped file, as the bucket shows it."""

    IMPORTED = ImportStatus.IMPORTED
    UNCHANGED = ImportStatus.UNCHANGED
    REJECTED = ImportStatus.REJECTED
    SUPERSEDED = ImportStatus.SUPERSEDED
    PENDING = "pending"  # still under incoming/: waiting for its customers, or being written


@dataclass(frozen=True)
class FileOutcome:
    file: str  # the file's name
    key: str  # where it was dropped: incoming/<folder>/<name>
    kind: str
    status: FileStatus
    rows: int | None
    errors: int | None
    moved_to: str  # the key it moved to ("" while pending)
    report: str  # the error report's key (rejected files)
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def in_dependency_order(paths: Iterable[Path]) -> list[Path]:
    """Customers first, then contacts, groups, invoices, credits; unknown kinds last."""

    return sorted(paths, key=lambda path: (import_rank(path.name), path.name))


def drop(driver: LocalDriver, paths: Sequence[Path], folder: str) -> list[FileOutcome]:
    """Upload the files under incoming/<folder>/ (each upload delivers its S3 event),
    let the import's follow-ups run, and read back what became of each."""
    keys = []
    for path in in_dependency_order(paths):
        key = f"{INCOMING}{folder}/{path.name}"
        driver.put_object("ImportBucket", key, path.read_bytes())
        keys.append(key)
    driver.drain()
    s3 = driver.aws.client("s3")
    bucket = driver.aws.deployment.refs["ImportBucket"]
    return [outcome(s3, bucket, key) for key in keys]


def outcome(s3: Any, bucket: str, key: str) -> FileOutcome:
    """What became of the file dropped at `key`, from the bucket's contents."""
    name = key.rsplit("/", 1)[-1]
    relative = key.removeprefix(INCOMING)
    kind = str(kind_for_key(name) or "unknown")
    found = _head(s3, bucket, f"processed/{relative}")
    if found is not None:
        meta = found.get("Metadata", {})
        status = FileStatus(meta.get(META_STATUS, FileStatus.IMPORTED))
        unchanged = status is FileStatus.UNCHANGED
        detail = "same bytes as the last import of this file" if unchanged else ""
        return FileOutcome(
            name, key, kind, status, _int(meta, META_ROWS), 0, f"processed/{relative}", "", detail
        )
    found = _head(s3, bucket, f"rejected/{relative}")
    if found is not None:
        return _rejected(s3, bucket, key, kind, found.get("Metadata", {}))
    if _head(s3, bucket, f"superseded/{relative}") is not None:
        detail = "a newer upload of this file was imported instead"
        return FileOutcome(
            name, key, kind, FileStatus.SUPERSEDED, None, None, f"superseded/{relative}", "", detail
        )
    detail = "still under incoming/" if _head(s3, bucket, key) else "not found in the bucket"
    return FileOutcome(name, key, kind, FileStatus.PENDING, None, None, "", "", detail)


def _rejected(s3: Any, bucket: str, key: str, kind: str, meta: dict[str, str]) -> FileOutcome:
    name = key.rsplit("/", 1)[-1]
    relative = key.removeprefix(INCOMING)
    stem = relative.rsplit(".", 1)[0]
    csv_report, json_report = f"rejected/{stem}.errors.csv", f"rejected/{stem}.errors.json"
    summary: dict[str, Any] = {}
    if _head(s3, bucket, json_report) is not None:
        summary = json.loads(s3.get_object(Bucket=bucket, Key=json_report)["Body"].read())
    detail = summary.get("file_error") or summary.get("detail") or _by_code(summary)
    report = csv_report if _head(s3, bucket, csv_report) is not None else json_report
    return FileOutcome(
        name,
        key,
        kind,
        FileStatus.REJECTED,
        _int(meta, META_ROWS),
        _int(meta, META_ERRORS),
        f"rejected/{relative}",
        report,
        str(detail or ""),
    )


def download(s3: Any, bucket: str, key: str, folder: Path) -> Path:
    """Copy one object (an error report) to `folder`, keeping its path below rejected/."""
    target = folder / key.removeprefix("rejected/")
    target.parent.mkdir(parents=True, exist_ok=True)
    s3.download_file(bucket, key, str(target))
    return target


def report_keys(found: FileOutcome) -> list[str]:
    """Both error reports of a rejected file (the CSV only when there are row errors)."""
    if found.status is not FileStatus.REJECTED:
        return []
    stem = found.moved_to.rsplit(".", 1)[0]
    keys = [f"{stem}.errors.json"]
    if found.report.endswith(".errors.csv"):
        keys.insert(0, found.report)
    return keys


def _by_code(summary: dict[str, Any]) -> str:
    counts = summary.get("counts_by_code") or {}
    return ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))


def _head(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return found


def _int(meta: dict[str, str], name: str) -> int | None:
    value = meta.get(name)
    return int(value) if value is not None and value.isdigit() else None
