"""The print room's queue (SPEC 2.5: "Print means the PDF stored in S3 for a print room").

Each printed letter is two objects under `print-queue/<day>/<subsidiary>/`: its PDF
and a small JSON entry (who, where, how many pages, which PDF). One object per letter keeps the
queue correct however many render Lambdas add letters at once: nothing is ever read,
changed and written back. `index_csv` turns a day's entries into the sheet a print
room works from, every cell safe from spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from dunning.domain.safe_csv import one_line

PRINT_QUEUE_PREFIX = "print-queue/"
ADDRESS_COLUMNS = 5
INDEX_COLUMNS = (
    "day",
    "letter_id",
    "subsidiary_id",
    "customer_id",
    "customer_name",
    *(f"address_{n}" for n in range(1, ADDRESS_COLUMNS + 1)),
    "pages",
    "level",
    "language",
    "currency",
    "amount_due",
    "also_emailed",
    "pdf_key",
)


class PrintEntryError(ValueError):
    """A print-queue entry that cannot be read."""


@dataclass(frozen=True)
class PrintEntry:
    day: date  # the day it was queued for printing
    letter_id: str
    subsidiary_id: str
    customer_id: str
    customer_name: str
    address_lines: tuple[str, ...]
    pages: int
    level: int
    language: str
    currency: str
    amount_due: str  # decimal string
    also_emailed: bool
    pdf_key: str
    statement_key: str = ""  # the statement of account printed with it, if the level has one
    # The sort order of the print batches (SPEC 2.8); None when there is no address.
    country: str | None = None
    postal_code: str | None = None

    @property
    def has_address(self) -> bool:
        return bool(self.address_lines)


def day_prefix(day: date, subsidiary_id: str | None = None) -> str:
    """Every letter queued on `day`, or only a subsidiary's: one listing finds them."""
    where = f"{PRINT_QUEUE_PREFIX}{day.isoformat()}/"
    return f"{where}{subsidiary_id}/" if subsidiary_id is not None else where


def print_keys(day: date, subsidiary_id: str, letter_id: str) -> tuple[str, str]:
    """The PDF and the entry of one letter: fixed by the day, the subsidiary and the
    letter id, so a retried delivery overwrites its own objects instead of adding new
    ones, and a subsidiary's day is one prefix (the print room lists it, reads nothing)."""
    stem = f"{day_prefix(day, subsidiary_id)}{letter_id}"
    return f"{stem}.pdf", f"{stem}.json"


def entry_json(entry: PrintEntry) -> bytes:
    body = asdict(entry) | {"day": entry.day.isoformat(), "address_lines": entry.address_lines}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def entry_from_json(text: str | bytes, where: str = "entry") -> PrintEntry:
    try:
        d: Any = json.loads(text)
        return PrintEntry(
            day=date.fromisoformat(d["day"]),
            letter_id=str(d["letter_id"]),
            subsidiary_id=str(d["subsidiary_id"]),
            customer_id=str(d["customer_id"]),
            customer_name=str(d["customer_name"]),
            address_lines=tuple(str(x) for x in d["address_lines"]),
            pages=int(d["pages"]),
            level=int(d["level"]),
            language=str(d["language"]),
            currency=str(d["currency"]),
            amount_due=str(d["amount_due"]),
            also_emailed=bool(d["also_emailed"]),
            pdf_key=str(d["pdf_key"]),
            country=_text_or_none(d.get("country")),
            postal_code=_text_or_none(d.get("postal_code")),
            statement_key=str(d.get("statement_key") or ""),
        )
    except (ValueError, TypeError, KeyError) as e:
        raise PrintEntryError(f"{where}: not a print-queue entry ({e!r})") from None


def _text_or_none(value: Any) -> str | None:
    # Entries queued before addresses were imported have neither key.
    return None if value is None else str(value)


def index_csv(entries: Iterable[PrintEntry]) -> str:
    """One row per letter, sorted by subsidiary, customer and letter; formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    ordered = sorted(entries, key=lambda e: (e.subsidiary_id, e.customer_id, e.letter_id))
    for e in ordered:
        lines = list(e.address_lines[: ADDRESS_COLUMNS - 1])
        rest = e.address_lines[ADDRESS_COLUMNS - 1 :]
        lines.append(", ".join(rest))
        lines += [""] * (ADDRESS_COLUMNS - len(lines))
        row = [
            e.day.isoformat(),
            e.letter_id,
            e.subsidiary_id,
            e.customer_id,
            e.customer_name,
            *lines,
            str(e.pages),
            str(e.level),
            e.language,
            e.currency,
            e.amount_due,
            "yes" if e.also_emailed else "no",
            e.pdf_key,
        ]
        writer.writerow([one_line(str(cell)) for cell in row])
    return out.getvalue()
