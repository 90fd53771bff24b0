"""The daily run's part of the dashboard (SPEC 2.7): after a shard is evaluated, its
figures are written from the same snapshot, so no request reads an invoice again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol

from dunning.domain.engine.run import Snapshot
from dunning.domain.figures.figures import FigureRow
from dunning.domain.figures.partial import Partial
from dunning.domain.figures.shard import ShardFigures, ShardRecords, shard_figures
from dunning.domain.model import Letter
from dunning.ports import Clock


class FiguresRecorder(Protocol):
    def write_rows(
        self, rows: Iterable[tuple[FigureRow, str]], gone: Iterable[tuple[str, str]], as_of: date
    ) -> int: ...

    def add_to_day(
        self,
        subsidiary_id: str,
        as_of: date,
        shard: str,
        totals: Mapping[str, Partial],
        letters_by_level: Mapping[int, int],
        computed_at: str,
    ) -> bool: ...


def record_figures(
    recorder: FiguresRecorder,
    clock: Clock,
    subsidiary_id: str,
    shard: str,
    snapshot: Snapshot,
    letters: Iterable[Letter],
    as_of: date,
) -> ShardFigures:
    """Rows first, then the day: a crash between them leaves the day to the retry, and
    the retried rows are unchanged, so nothing is written twice."""
    records = ShardRecords(
        subsidiary_id=subsidiary_id,
        customers=snapshot.customers,
        invoices=snapshot.invoices,
        history=snapshot.history,
        credits=snapshot.credits,
        pauses=snapshot.pauses,
        previous=snapshot.figures,
    )
    done = shard_figures(records, as_of, letters)
    recorder.write_rows(done.changed, done.gone, as_of)
    at = clock.now().isoformat(timespec="seconds")
    recorder.add_to_day(subsidiary_id, as_of, shard, done.totals, done.letters_by_level, at)
    return done
