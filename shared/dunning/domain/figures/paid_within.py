"""Letters paid within 7, 14 and 30 days (SPEC 2.7): for each level, how many letters
had all their invoices paid within that many days of the letter date.

Kept as aggregates, never scanned on a request: every letter the daily run makes is
watched (a LetterWatch), and each later run settles the watches of its shard against
the invoices it read anyway. A letter is counted once, when its last invoice is paid,
under its own date and level; one that cannot be counted any more is dropped.

- An invoice is paid on its `paid_date` (status paid). One closed without a paid date
  (status paid with none, or open with nothing remaining) is paid on the day a run
  first saw it closed: the watch remembers that day.
- A void invoice is never paid: its letter is not counted.
- Paid on or before the letter date counts as within every window (0 days).
- A watch lives `WATCH_DAYS` after the letter date: an ERP export may report a payment
  some days after it was made, with its real paid date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from dunning.domain.model import Invoice, InvoiceStatus, Letter

WINDOWS = (7, 14, 30)
WATCH_DAYS = 45


@dataclass(frozen=True)
class LetterWatch:
    """A letter whose invoices are not all known paid yet."""

    letter_id: str
    subsidiary_id: str
    customer_id: str  # the letter's customer (dunned): places the watch in its shard
    as_of: date  # the letter date
    level: int
    invoice_ids: tuple[str, ...]
    # Invoices seen closed without a paid date, and the first day a run saw them so.
    closed_on: Mapping[str, date] = field(default_factory=dict)

    @property
    def last_day(self) -> date:
        return self.as_of + timedelta(days=WATCH_DAYS)


def watch(letter: Letter) -> LetterWatch:
    return LetterWatch(
        letter_id=letter.letter_id,
        subsidiary_id=letter.subsidiary_id,
        customer_id=letter.customer_id,
        as_of=letter.as_of,
        level=letter.level,
        invoice_ids=tuple(letter.invoice_ids),
    )


def windows_met(letter_date: date, last_paid: date) -> frozenset[int]:
    """The windows (7, 14, 30) that the last payment falls in."""
    days = (last_paid - letter_date).days
    return frozenset(n for n in WINDOWS if days <= n)


@dataclass(frozen=True)
class Settled:
    """What one run makes of its shard's watches."""

    counted: tuple[tuple[LetterWatch, frozenset[int]], ...] = ()  # paid, and within which
    dropped: tuple[LetterWatch, ...] = ()  # can never count: forget them
    updated: tuple[LetterWatch, ...] = ()  # still watched, with a closing day learned


def settle(
    watches: Iterable[LetterWatch],
    open_invoices: Iterable[Invoice],
    closed_invoices: Iterable[Invoice],
    as_of: date,
) -> Settled:
    """`closed_invoices`: the shard's invoices no longer open (the figures' history)."""
    still_open = {i.invoice_id for i in open_invoices}
    closed = {i.invoice_id: i for i in closed_invoices if i.invoice_id not in still_open}
    counted: list[tuple[LetterWatch, frozenset[int]]] = []
    dropped: list[LetterWatch] = []
    updated: list[LetterWatch] = []
    for w in watches:
        paid, learned, void = _paid_days(w, still_open, closed, as_of)
        if void:
            dropped.append(w)
        elif paid is not None:
            met = windows_met(w.as_of, max(paid))
            (counted.append((w, met)) if met else dropped.append(w))
        elif as_of >= w.last_day:
            dropped.append(w)
        elif learned:
            updated.append(replace(w, closed_on={**w.closed_on, **learned}))
    return Settled(tuple(counted), tuple(dropped), tuple(updated))


def _paid_days(
    w: LetterWatch, still_open: set[str], closed: Mapping[str, Invoice], as_of: date
) -> tuple[list[date] | None, dict[str, date], bool]:
    """(every invoice's paid day, or None while one is not known paid; closing days
    learned today; whether one is void)."""
    days: list[date] = []
    learned: dict[str, date] = {}
    complete = True
    for invoice_id in w.invoice_ids:
        invoice = closed.get(invoice_id)
        if invoice_id in still_open or invoice is None:
            complete = False  # open, or not seen (yet) among the shard's closed invoices
            continue
        if invoice.status is InvoiceStatus.VOID:
            return None, {}, True
        if invoice.status is InvoiceStatus.PAID and invoice.paid_date is not None:
            days.append(invoice.paid_date)
            continue
        seen = w.closed_on.get(invoice_id)
        if seen is None:
            seen = learned[invoice_id] = as_of
        days.append(seen)
    return (days if complete and days else None), learned, False


Counted = tuple[LetterWatch, frozenset[int]]  # a paid letter and the windows it met


def paid_counts(counted: Iterable[Counted]) -> dict[date, dict[tuple[int, int], int]]:
    """letter date -> (level, window) -> letters: what each day's item gains."""
    out: dict[date, dict[tuple[int, int], int]] = {}
    for w, met in counted:
        per_day = out.setdefault(w.as_of, {})
        for n in met:
            per_day[(w.level, n)] = per_day.get((w.level, n), 0) + 1
    return out
