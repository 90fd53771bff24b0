"""The print room's end of day (SPEC 2.8): each subsidiary's printed letters of a day,
once the day is over, as merged batches of at most 100 letters with a manifest and
the list of letters without a postal address, under print-room/<subsidiary>/<day>/.

The hourly schedule fires it; a subsidiary is published at its local `print_hour`
(01:00 by default), when its previous day can no longer grow (a letter is queued for
its subsidiary's date when it is sent, and no render Lambda outlives 15 minutes).

Safe to repeat, and nothing is lost. Each run looks at the subsidiary's last
`lookback_days` complete days, and compares each day's print queue (one listing:
keys and ETags) with the fingerprint the marker of its publication recorded: the
same, nothing is written; different (a day never published, a run that failed
part way, an entry changed or withdrawn after publishing), the day is published
again from the queue as it is now. The files depend on the entries only (pypdf
writes the same bytes for the same letters), so publishing again writes the same
objects, and files a day no longer has are removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from dunning.domain.delivery.print_batches import PrintPlan, complete_days, plan_for
from dunning.domain.delivery.print_queue import PrintEntry
from dunning.ports import ConfigSource

DEFAULT_PRINT_HOUR = 1
DEFAULT_LOOKBACK_DAYS = 7


class PrintRoom(Protocol):
    def queued(self, subsidiary_id: str, day: date) -> str:
        """The fingerprint of what the subsidiary's day holds in the print queue
        (empty when nothing)."""
        ...

    def published(self, subsidiary_id: str, day: date) -> str | None:
        """The fingerprint the day was last published from; None if never."""
        ...

    def entries(self, day: date, subsidiary_id: str | None = None) -> list[PrintEntry]: ...

    def publish(self, plan: PrintPlan, fingerprint: str) -> list[str]:
        """Writes the plan's files and then its marker; the keys written."""
        ...


@dataclass
class PrintRoomDeps:
    config: ConfigSource
    room: PrintRoom
    print_hour: int = DEFAULT_PRINT_HOUR
    lookback_days: int = DEFAULT_LOOKBACK_DAYS


@dataclass
class PublishSummary:
    published: dict[str, list[str]] = field(default_factory=dict)  # subsidiary -> days
    republished: dict[str, list[str]] = field(default_factory=dict)  # of those, changed ones
    letters: int = 0  # in the batches published by this run
    batches: int = 0
    unaddressed: int = 0  # printed letters with no postal address: listed apart
    files: int = 0
    unchanged: int = 0  # days found as they were published


def publish_print_room(scheduled_time: datetime, deps: PrintRoomDeps) -> PublishSummary:
    summary = PublishSummary()
    for sub in deps.config.load().subsidiaries:
        local = sub.local_time(scheduled_time)
        if local.hour != deps.print_hour:
            continue
        for day in complete_days(local, deps.lookback_days):
            _publish_day(sub.subsidiary_id, day, deps.room, summary)
    return summary


def _publish_day(subsidiary_id: str, day: date, room: PrintRoom, summary: PublishSummary) -> None:
    queued = room.queued(subsidiary_id, day)
    before = room.published(subsidiary_id, day)
    if queued == before or (not queued and before is None):
        summary.unchanged += before is not None
        return  # as published, or nothing was ever printed that day
    # The fingerprint is taken before the entries are read: a letter changed in
    # between leaves a marker that no longer matches, and the next run publishes again.
    plan = plan_for(subsidiary_id, day, room.entries(day, subsidiary_id))
    written = room.publish(plan, queued)
    summary.published.setdefault(subsidiary_id, []).append(day.isoformat())
    if before is not None:
        summary.republished.setdefault(subsidiary_id, []).append(day.isoformat())
    summary.letters += sum(len(b.entries) for b in plan.batches)
    summary.batches += len(plan.batches)
    summary.unaddressed += len(plan.unaddressed)
    summary.files += len(written)
