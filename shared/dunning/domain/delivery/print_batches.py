"""The print room's batches (SPEC 2.8): per subsidiary and day, at most 100 letters in
one merged PDF, sorted by country and postal code, each with a manifest.

Pure planning: which letters go in which batch, in which order, and the manifest
rows. Merging the PDFs is an adapter's job (adapters/print_room.py). A printed
letter without a postal address cannot go in an envelope: it is listed apart, in
its own manifest, and kept out of the batches.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dunning.domain.delivery.print_queue import PrintEntry
from dunning.domain.safe_csv import one_line

BATCH_SIZE = 100
PRINT_ROOM_PREFIX = "print-room/"
# Written last into a published day's folder: what the files were made from.
PUBLISHED_MARKER = "published.json"
# A letter is queued for the day its subsidiary's clock shows when it is sent
# (send_letter), and a render Lambda lives at most 15 minutes: 15 minutes into the
# next local day, no letter can still be added to the day before.
LATEST_QUEUE_WRITE = timedelta(minutes=15)
MANIFEST_COLUMNS = (
    "batch",
    "position",
    "first_page",
    "pages",
    "letter_id",
    "customer_id",
    "customer_name",
    "address",
    "country",
    "postal_code",
    "currency",
    "amount_due",
    "pdf_key",
)


@dataclass(frozen=True, slots=True)
class Batch:
    number: int  # from 1, as in batch-001.pdf
    entries: tuple[PrintEntry, ...]

    @property
    def name(self) -> str:
        return f"batch-{self.number:03d}"

    @property
    def pages(self) -> int:
        return sum(e.pages for e in self.entries)


@dataclass(frozen=True, slots=True)
class PrintPlan:
    subsidiary_id: str
    day: date
    batches: tuple[Batch, ...]
    unaddressed: tuple[PrintEntry, ...]  # printed, but no address to post them to

    @property
    def folder(self) -> str:
        """Where the plan's files go, under the print room's prefix or a local folder."""
        return f"{self.subsidiary_id}/{self.day.isoformat()}/"


def complete_days(local_now: datetime, lookback_days: int) -> list[date]:
    """The subsidiary's days whose print queue can no longer grow, latest
    `lookback_days` of them, oldest first. Publishing looks at all of them, not only
    yesterday: a run that failed or a queue changed after publishing is made good by
    the next run."""
    if lookback_days < 1:
        raise ValueError("the print room looks back at least one day")
    last = (local_now - LATEST_QUEUE_WRITE).date() - timedelta(days=1)
    return [last - timedelta(days=n) for n in range(lookback_days - 1, -1, -1)]


def queue_fingerprint(objects: Iterable[tuple[str, str]]) -> str:
    """What a subsidiary's day in the print queue holds, from a listing of its objects
    (key, ETag): the same objects give the same fingerprint, any change another;
    empty for an empty queue."""
    lines = sorted(f"{key} {etag}" for key, etag in objects)
    if not lines:
        return ""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def plan_for(
    subsidiary_id: str, day: date, entries: Iterable[PrintEntry], batch_size: int = BATCH_SIZE
) -> PrintPlan:
    """The plan of one subsidiary's day; with no letters, a plan of nothing."""
    if batch_size < 1:
        raise ValueError("a batch holds at least one letter")
    mine = [e for e in entries if e.subsidiary_id == subsidiary_id and e.day == day]
    return _plan(subsidiary_id, day, mine, batch_size)


def published_marker(plan: PrintPlan, fingerprint: str, files: Sequence[str]) -> bytes:
    """The marker of a published day: the queue's fingerprint it was made from, and
    what it holds. No time in it, so publishing the same queue again writes the same
    bytes."""
    body = {
        "subsidiary_id": plan.subsidiary_id,
        "day": plan.day.isoformat(),
        "queue_fingerprint": fingerprint,
        "letters": sum(len(b.entries) for b in plan.batches),
        "batches": len(plan.batches),
        "unaddressed": len(plan.unaddressed),
        "files": sorted(files),
    }
    return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")


def marker_fingerprint(text: str | bytes) -> str | None:
    """The queue fingerprint a marker records; None when it is not a marker of ours
    (then the day is published again)."""
    try:
        value = json.loads(text).get("queue_fingerprint")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def _post_order(entry: PrintEntry) -> tuple[str, str, str, str]:
    # Country, then postal code: the post's own sorting; the ids make the order total.
    return (entry.country or "", entry.postal_code or "", entry.customer_id, entry.letter_id)


def plan_day(
    entries: Iterable[PrintEntry], day: date, batch_size: int = BATCH_SIZE
) -> list[PrintPlan]:
    """One plan per subsidiary with letters queued for printing on `day`."""
    if batch_size < 1:
        raise ValueError("a batch holds at least one letter")
    by_subsidiary: dict[str, list[PrintEntry]] = {}
    for entry in entries:
        if entry.day == day:
            by_subsidiary.setdefault(entry.subsidiary_id, []).append(entry)
    return [
        _plan(subsidiary_id, day, found, batch_size)
        for subsidiary_id, found in sorted(by_subsidiary.items())
    ]


def _plan(subsidiary_id: str, day: date, entries: list[PrintEntry], size: int) -> PrintPlan:
    posted = sorted((e for e in entries if e.has_address), key=_post_order)
    unaddressed = sorted((e for e in entries if not e.has_address), key=_post_order)
    batches = tuple(
        Batch(n // size + 1, tuple(posted[n : n + size])) for n in range(0, len(posted), size)
    )
    return PrintPlan(subsidiary_id, day, batches, tuple(unaddressed))


def manifest_csv(batches: Sequence[Batch]) -> str:
    """One row per letter in print order: where it starts in its batch's PDF and what
    goes on the envelope; every cell formula-safe and on one line."""
    rows = []
    for batch in batches:
        first_page = 1
        for position, entry in enumerate(batch.entries, start=1):
            rows.append(_row(batch.name, position, first_page, entry))
            first_page += entry.pages
    return _csv(rows)


def unaddressed_csv(entries: Sequence[PrintEntry]) -> str:
    """The letters printed without a postal address: none of them is in a batch."""
    return _csv([_row("", n, 0, e) for n, e in enumerate(entries, start=1)])


def _row(batch: str, position: int, first_page: int, e: PrintEntry) -> list[str]:
    return [
        batch,
        str(position),
        str(first_page) if first_page else "",
        str(e.pages),
        e.letter_id,
        e.customer_id,
        e.customer_name,
        " / ".join(e.address_lines),
        e.country or "",
        e.postal_code or "",
        e.currency,
        e.amount_due,
        e.pdf_key,
    ]


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow([one_line(cell) for cell in row])
    return out.getvalue()
