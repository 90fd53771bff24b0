"""What one shard's daily run adds to the figures: its customers' rows that changed
since the previous run, the rows that have nothing left to show, and its totals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dunning.domain.figures.figures import FigureRow, RowKey, by_currency, customer_rows
from dunning.domain.figures.partial import Partial
from dunning.domain.model import Credit, Customer, Invoice, Letter, Pause, ScopeKind


@dataclass(frozen=True)
class ShardFigures:
    changed: tuple[tuple[FigureRow, str], ...]  # each row with the customer it is dunned as
    gone: tuple[RowKey, ...]
    totals: Mapping[str, Partial]
    letters_by_level: Mapping[int, int]


@dataclass(frozen=True)
class ShardRecords:
    """What the shard Query returned, as the figures need it."""

    subsidiary_id: str
    customers: Sequence[Customer]
    invoices: Sequence[Invoice]
    history: Sequence[Invoice]
    credits: Sequence[Credit]
    pauses: Sequence[Pause]
    previous: Sequence[FigureRow]


def shard_figures(shard: ShardRecords, as_of: date, letters: Iterable[Letter]) -> ShardFigures:
    partials = customer_rows(shard.invoices, shard.history, shard.credits, as_of)
    customers = {c.customer_id: c for c in shard.customers}
    paused = _paused_customers(shard.pauses, as_of)
    rows = {
        key: FigureRow(
            customer_id=key[0],
            currency=key[1],
            subsidiary_id=shard.subsidiary_id,
            name=customers[key[0]].name if key[0] in customers else key[0],
            paused=key[0] in paused,
            partial=p,
        )
        for key, p in partials.items()
    }
    previous = {(r.customer_id, r.currency): r for r in shard.previous}
    changed = tuple(
        (row, customers[key[0]].billed_to if key[0] in customers else key[0])
        for key, row in sorted(rows.items())
        if previous.get(key) != row
    )
    return ShardFigures(
        changed=changed,
        gone=tuple(sorted(previous.keys() - rows.keys())),
        totals=by_currency([{key[1]: p} for key, p in partials.items()]),
        letters_by_level=dict(Counter(letter.level for letter in letters)),
    )


def _paused_customers(pauses: Iterable[Pause], as_of: date) -> set[str]:
    """Customers whose own dunning is paused on as_of (invoice pauses are listed apart)."""
    return {p.target_id for p in pauses if p.target is ScopeKind.CUSTOMER and p.active_on(as_of)}
