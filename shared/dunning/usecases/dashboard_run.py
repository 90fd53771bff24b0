"""The daily run's part of the dashboard (SPEC 2.7): after a shard is evaluated, its
figures are written from the same snapshot, so no request reads an invoice again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Protocol

from dunning.domain.engine.run import Snapshot
from dunning.domain.figures.figures import FigureRow
from dunning.domain.figures.paid_within import LetterWatch, settle
from dunning.domain.figures.partial import Partial
from dunning.domain.figures.shard import ShardFigures, ShardRecords, shard_figures
from dunning.domain.model import Letter
from dunning.ports import Clock


class FiguresRecorder(Protocol):
    def write_rows(
        self,
        rows: Iterable[tuple[FigureRow, str]],
        gone: Iterable[tuple[str, str]],
        as_of: date,
        watches: Iterable[LetterWatch] = (),
        unwatched: Iterable[LetterWatch] = (),
    ) -> int: ...

    def count_paid(self, counted: Sequence[tuple[LetterWatch, frozenset[int]]]) -> int:
        """Add each letter to its day's paid counts and stop watching it, exactly once."""
        ...

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
    """Rows and watches first, then the paid letters, then the day: a crash between them
    leaves the rest to the retry, and what was written is unchanged or gone (a counted
    watch), so nothing is counted twice.

    Every letter the run makes is watched until its invoices are paid (the watch is
    written with the letter: evaluate.py); the watches the shard Query returned are
    settled against the invoices it read (paid_within)."""
    records = ShardRecords(
        subsidiary_id=subsidiary_id,
        customers=snapshot.customers,
        invoices=snapshot.invoices,
        history=snapshot.history,
        credits=snapshot.credits,
        pauses=snapshot.pauses,
        previous=snapshot.figures,
    )
    made = list(letters)
    done = shard_figures(records, as_of, made)
    ours = {letter.letter_id for letter in made}  # a retried run's own, just made
    older = [w for w in snapshot.watches if w.letter_id not in ours]
    settled = settle(older, snapshot.invoices, snapshot.history, as_of)
    recorder.write_rows(done.changed, done.gone, as_of, settled.updated, settled.dropped)
    if settled.counted:
        recorder.count_paid(settled.counted)
    at = clock.now().isoformat(timespec="seconds")
    recorder.add_to_day(subsidiary_id, as_of, shard, done.totals, done.letters_by_level, at)
    return done
