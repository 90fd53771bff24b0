"""The print queue as a print room reads it: the days queued, each day's entries, the
day's index as CSV (domain.print_queue), and the day's batches: merged PDFs of at most
100 letters with their manifests (domain.print_batches).

PDFs are merged with pypdf: pure Python (no system library in the Lambda layer), it
copies each letter's pages and fonts as they are, without rendering them again.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from pypdf import PdfReader, PdfWriter

from dunning.domain.delivery.print_batches import (
    PRINT_ROOM_PREFIX,
    Batch,
    PrintPlan,
    manifest_csv,
    plan_day,
    unaddressed_csv,
)
from dunning.domain.delivery.print_queue import (
    PRINT_QUEUE_PREFIX,
    PrintEntry,
    day_prefix,
    entry_from_json,
    index_csv,
)


class S3PrintRoom:
    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def days(self) -> list[date]:
        found: list[date] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=PRINT_QUEUE_PREFIX, Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(PRINT_QUEUE_PREFIX) :].rstrip("/")
                try:
                    found.append(date.fromisoformat(name))
                except ValueError:
                    continue  # not a day folder: not ours
        return sorted(found)

    def entries(self, day: date) -> list[PrintEntry]:
        entries = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=day_prefix(day)
        )
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith(".json"):
                    body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
                    entries.append(entry_from_json(body, f"s3://{self._bucket}/{key}"))
        return entries

    def index_csv(self, day: date) -> str:
        return index_csv(self.entries(day))

    def pdf(self, key: str) -> bytes:
        body: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return body

    def day_files(self, day: date) -> Iterator[tuple[str, bytes, str]]:
        """Every subsidiary's batches and manifests of `day`: (path, body, content type)."""
        for plan in plan_day(self.entries(day), day):
            yield from plan_files(plan, self.pdf)

    def publish(self, day: date) -> int:
        """Writes the day's batches under print-room/<subsidiary>/<day>/; how many files.
        Run again, it writes the same files over: the plan depends on the entries only."""
        count = 0
        for path, body, content_type in self.day_files(day):
            self._client.put_object(
                Bucket=self._bucket,
                Key=PRINT_ROOM_PREFIX + path,
                Body=body,
                ContentType=content_type,
            )
            count += 1
        return count


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
