"""Scheduler: each subsidiary whose local morning it is gets its day's evaluation,
cut into shards of at most `shard_size` customers (SPEC 1, 2.6).

Safe to repeat: the day is marked as run only after all its shards were sent, so
a fan-out that fails part way (SQS refuses a batch, the function times out) leaves
no mark, and the retried schedule event, which carries the same scheduled time and
so the same day, sends every shard again. A shard sent twice is harmless: the
evaluation of (subsidiary, day) is idempotent (deterministic letter ids written
conditionally, at most one letter per scope and day, states and promises rewritten
to the same values), as it must be anyway for SQS's at-least-once delivery. The mark
only spares a redelivered event the work of a second fan-out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from dunning.domain.configuration.config import Subsidiary
from dunning.messages import EvaluateShard
from dunning.ports import ConfigSource, Queue


class RunRepository(Protocol):
    def last_import(self, subsidiary_id: str) -> datetime | None: ...
    def has_run(self, subsidiary_id: str, as_of: date) -> bool: ...
    def record_run(self, subsidiary_id: str, as_of: date, detail: str) -> None: ...
    def roster(self, subsidiary_id: str) -> list[str]: ...
    def record_skip(self, subsidiary_id: str, as_of: date, why: str) -> None: ...


@dataclass
class FanOut:
    config: ConfigSource
    repo: RunRepository
    evaluations: Queue
    run_hour: int
    shard_size: int


@dataclass
class RunSummary:
    started: dict[str, int] = field(default_factory=dict)  # subsidiary -> shards
    skipped: dict[str, str] = field(default_factory=dict)  # subsidiary -> why
    stale: list[str] = field(default_factory=list)  # of those, held back by the freshness guard


def fan_out(scheduled_time: datetime, deps: FanOut) -> RunSummary:
    summary = RunSummary()
    for sub in deps.config.load().subsidiaries:
        local = sub.local_time(scheduled_time)
        if local.hour != deps.run_hour:
            continue
        why = _stale(sub, scheduled_time, deps.repo)
        if why:
            summary.skipped[sub.subsidiary_id] = why
            summary.stale.append(sub.subsidiary_id)
            deps.repo.record_skip(sub.subsidiary_id, local.date(), why)  # needs attention
            continue
        if deps.repo.has_run(sub.subsidiary_id, local.date()):
            summary.skipped[sub.subsidiary_id] = f"already run for {local.date()}"
            continue
        shards = list(_shards(sub.subsidiary_id, local.date(), deps))
        deps.evaluations.send_all(s.to_json() for s in shards)
        # Only now: a failure above must leave the day to the retry, not mark it done.
        deps.repo.record_run(sub.subsidiary_id, local.date(), f"{len(shards)} shards")
        summary.started[sub.subsidiary_id] = len(shards)
    return summary


def _stale(sub: Subsidiary, now: datetime, repo: RunRepository) -> str | None:
    """The freshness guard: no dunning on data older than the subsidiary allows."""
    if sub.max_import_age_hours is None:
        return None
    last = repo.last_import(sub.subsidiary_id)
    if last is None:
        return "no successful import yet"
    age = now - last
    if age > timedelta(hours=sub.max_import_age_hours):
        hours = age.total_seconds() / 3600
        return f"latest import is {hours:.1f} h old (limit {sub.max_import_age_hours} h)"
    return None


def _shards(subsidiary_id: str, as_of: date, deps: FanOut) -> list[EvaluateShard]:
    bounds = shard_bounds(deps.repo.roster(subsidiary_id), deps.shard_size)
    return [EvaluateShard(subsidiary_id, as_of, first, last) for first, last in bounds]


def shard_bounds(roster: list[str], size: int) -> list[tuple[str, str]]:
    """The first and last customer of each run of `size` consecutive roster customers
    (the roster is in the shard index's order: each range holds exactly its run)."""
    return [
        (roster[i], roster[min(i + size, len(roster)) - 1]) for i in range(0, len(roster), size)
    ]
