"""The print room's batches (SPEC 2.8): per subsidiary and day, at most 100 letters in
one merged PDF, sorted by country and postal code, each with a manifest.

Pure planning: which letters go in which batch, in which order, and the manifest
rows. Merging the PDFs is an adapter's job (adapters/print_room.py). A printed
letter without a postal address cannot go in an envelope: it is listed apart, in
its own manifest, and kept out of the batches.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dunning.domain.delivery.print_queue import PrintEntry
from dunning.domain.safe_csv import one_line

BATCH_SIZE = 100
PRINT_ROOM_PREFIX = "print-room/"
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
