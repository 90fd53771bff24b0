"""The print queue as a print room reads it: the days queued, each day's entries, the
day's index as CSV (domain.print_queue), and the day's batches: merged PDFs of at most
100 letters with their manifests (domain.print_batches), published per subsidiary and
day under print-room/ (usecases/publish_print_room.py).

PDFs are merged with pypdf: pure Python (no system library in the Lambda layer), it
copies each letter's pages and fonts as they are, without rendering them again.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from botocore.exceptions import ClientError
from pypdf import PdfReader, PdfWriter

from dunning.adapters.s3 import typed_s3_error
from dunning.domain.delivery.print_batches import (
    PRINT_ROOM_PREFIX,
    PUBLISHED_MARKER,
    Batch,
    PrintPlan,
    manifest_csv,
    marker_fingerprint,
    plan_day,
    published_marker,
    queue_fingerprint,
    unaddressed_csv,
)
from dunning.domain.delivery.print_queue import (
    PRINT_QUEUE_PREFIX,
    PrintEntry,
    day_prefix,
    entry_from_json,
    index_csv,
)
from dunning.ports import NotFound


class S3PrintRoom:
    """The print queue and the print room's folders in the letter bucket."""

    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def days(self) -> list[date]:
        found: list[date] = []
        for common in self._list(PRINT_QUEUE_PREFIX, delimiter="/", field="CommonPrefixes"):
            name = common["Prefix"][len(PRINT_QUEUE_PREFIX) :].rstrip("/")
            try:
                found.append(date.fromisoformat(name))
            except ValueError:
                continue  # not a day folder: not ours
        return sorted(found)

    def entries(self, day: date, subsidiary_id: str | None = None) -> list[PrintEntry]:
        entries = []
        for obj in self._list(day_prefix(day, subsidiary_id)):
            key = obj["Key"]
            if key.endswith(".json"):
                body = self._get(key)
                if body is not None:  # withdrawn since the listing: not queued any more
                    entries.append(entry_from_json(body, f"s3://{self._bucket}/{key}"))
        return entries

    def index_csv(self, day: date) -> str:
        return index_csv(self.entries(day))

    def pdf(self, key: str) -> bytes:
        body = self._get(key)
        if body is None:
            raise NotFound(f"s3://{self._bucket}/{key}")
        return body

    def day_files(self, day: date) -> Iterator[tuple[str, bytes, str]]:
        """Every subsidiary's batches and manifests of `day`: (path, body, content type)."""
        for plan in plan_day(self.entries(day), day):
            yield from plan_files(plan, self.pdf)

    # --- publishing (usecases/publish_print_room.py) ----------------------------------

    def queued(self, subsidiary_id: str, day: date) -> str:
        """The fingerprint of a subsidiary's day in the queue: one listing, no reads."""
        objects = self._list(day_prefix(day, subsidiary_id))
        return queue_fingerprint((o["Key"], o.get("ETag", "")) for o in objects)

    def published(self, subsidiary_id: str, day: date) -> str | None:
        """The queue fingerprint the day's print-room files were made from; None when
        the day was never published. Listed first: S3 answers a read of a missing
        object with 403 to a role that may list only some prefixes."""
        marker = _folder(subsidiary_id, day) + PUBLISHED_MARKER
        if not any(o["Key"] == marker for o in self._list(marker)):
            return None
        body = self._get(marker)
        return None if body is None else marker_fingerprint(body)

    def publish(self, plan: PrintPlan, fingerprint: str) -> list[str]:
        """Writes the plan's files under print-room/<subsidiary>/<day>/, removes files of
        an earlier publication the plan no longer has (a batch fewer), then the marker;
        returns the keys written. A run that stops part way leaves the old marker (or
        none), so the next run publishes the day again."""
        written = []
        for path, body, content_type in plan_files(plan, self.pdf):
            key = PRINT_ROOM_PREFIX + path
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType=content_type
            )
            written.append(key)
        folder = PRINT_ROOM_PREFIX + plan.folder
        marker = folder + PUBLISHED_MARKER
        for obj in self._list(folder):
            if obj["Key"] not in written and obj["Key"] != marker:
                self._client.delete_object(Bucket=self._bucket, Key=obj["Key"])
        names = [key[len(folder) :] for key in written]
        body = published_marker(plan, fingerprint, names)
        self._client.put_object(
            Bucket=self._bucket, Key=marker, Body=body, ContentType="application/json"
        )
        return written

    def _list(
        self, prefix: str, delimiter: str = "", field: str = "Contents"
    ) -> Iterator[dict[str, Any]]:
        args = {"Bucket": self._bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(**args):
                yield from page.get(field, [])
        except ClientError as e:
            raise typed_s3_error(e, f"s3://{self._bucket}/{prefix}") from e

    def _get(self, key: str) -> bytes | None:
        try:
            return bytes(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
        except ClientError as e:
            error = typed_s3_error(e, f"s3://{self._bucket}/{key}")
            if isinstance(error, NotFound):
                return None
            raise error from e


def _folder(subsidiary_id: str, day: date) -> str:
    return f"{PRINT_ROOM_PREFIX}{subsidiary_id}/{day.isoformat()}/"


def merge_pdfs(documents: Iterable[bytes]) -> bytes:
    """One PDF of every page of `documents`, in order."""
    writer = PdfWriter()
    for data in documents:
        writer.append(PdfReader(io.BytesIO(data)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def plan_files(plan: PrintPlan, fetch: Callable[[str], bytes]) -> Iterator[tuple[str, bytes, str]]:
    """The files of one plan: each batch's merged PDF, the manifest, the letters apart."""
    for batch in plan.batches:
        yield plan.folder + f"{batch.name}.pdf", _merged(batch, fetch), "application/pdf"
    csv_type = "text/csv; charset=utf-8"
    yield plan.folder + "manifest.csv", manifest_csv(plan.batches).encode("utf-8"), csv_type
    if plan.unaddressed:
        body = unaddressed_csv(plan.unaddressed).encode("utf-8")
        yield plan.folder + "no-address.csv", body, csv_type


def _merged(batch: Batch, fetch: Callable[[str], bytes]) -> bytes:
    return merge_pdfs(fetch(entry.pdf_key) for entry in batch.entries)
