"""What collectors see on the dashboard (SPEC 2.7, 3.3): every figure comes from the
aggregates the daily run keeps (dashboard_run.py), never from reading invoices, so
each request costs a bounded number of reads: one per subsidiary at most.

The figures are as of each subsidiary's latest daily run (`as_of`, and `computed_at`
when its last shard reported): imports and collector actions during the day show in
the next run's figures; pauses, promises and letters are read live from their
indexes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from dunning.domain.configuration.config import (
    DEFAULT_PROMISE_GRACE_DAYS,
    Config,
    NotConfigured,
    Subsidiary,
)
from dunning.domain.control.marks import EmailMark
from dunning.domain.delivery.ledger import LedgerEntry, UnaddressedLetter
from dunning.domain.engine.holds import promise_deadline
from dunning.domain.figures.figures import FigureRow, Figures, by_currency, figures
from dunning.domain.figures.paid_within import WINDOWS
from dunning.domain.figures.partial import Partial
from dunning.domain.imports.tracking import ImportRecord
from dunning.domain.model import LetterStatus, Pause, Promise
from dunning.ports import Clock, ConfigSource, DunningError, NotFound

# Queries one page of the customer list may make per subsidiary when `q` or `paused`
# leave rows out: a page holds `limit` matching rows unless these ran out first (then
# it is short, and its cursor reads on from where they stopped).
MAX_FILTER_READS = 5


class BadQuery(DunningError):
    """A query parameter the dashboard cannot answer; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class DayLike(Protocol):
    """A subsidiary's figures of one day (adapters' DayFigures)."""

    @property
    def subsidiary_id(self) -> str: ...
    @property
    def as_of(self) -> date: ...
    @property
    def computed_at(self) -> str | None: ...
    @property
    def currencies(self) -> Mapping[str, Partial]: ...
    @property
    def letters_by_level(self) -> Mapping[int, int]: ...
    @property
    def paid_within(self) -> Mapping[tuple[int, int], int]: ...


Page = tuple[list[Any], str | None]


class DashboardRepository(Protocol):
    def latest_day(self, subsidiary_id: str) -> DayLike | None: ...
    def days(self, subsidiary_id: str, first: date, last: date, limit: int) -> list[Any]: ...
    def customer_figures(self, customer_id: str) -> list[FigureRow]: ...
    def ranked(
        self,
        subsidiary_id: str,
        currency: str,
        limit: int,
        cursor: str | None,
        *,
        min_overdue: Decimal | None = None,
        largest_first: bool = True,
        keep: Callable[[FigureRow], bool] | None = None,
        max_reads: int = 1,
    ) -> Page:
        """Up to `limit` rows `keep` accepts, reading on for at most `max_reads`
        Queries; the cursor resumes right after the last row read."""
        ...

    def pauses(self, subsidiary_id: str, limit: int, cursor: str | None) -> Page: ...
    def promises(self, subsidiary_id: str, limit: int, cursor: str | None) -> Page: ...
    def letters(
        self, status: LetterStatus, first: date, last: date, limit: int, cursor: str | None
    ) -> Page: ...
    def skipped_days(self, subsidiary_id: str, limit: int) -> list[tuple[date, str]]: ...
    def unaddressed(self, first: date, last: date, limit: int) -> list[UnaddressedLetter]: ...
    def rejected_imports(self, limit: int) -> list[ImportRecord]: ...
    def bounce_marks(self, limit: int) -> list[EmailMark]: ...
    def tracked(self, subsidiary_id: str, first: date, last: date) -> dict[int, dict[str, int]]:
        """level -> event kind -> letters dated first..last with that event (SPEC 2.9)."""
        ...


@dataclass
class DashboardDeps:
    config: ConfigSource
    repo: DashboardRepository
    clock: Clock


@dataclass(frozen=True)
class Summary:
    as_of: date | None
    computed_at: str | None
    currencies: Mapping[str, Figures]
    subsidiaries: Mapping[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelFigures:
    level: int
    letters: int
    paid_within: Mapping[int, int]  # window (7, 14, 30) -> letters paid within it


@dataclass(frozen=True)
class PromiseView:
    promise: Promise
    subsidiary_id: str
    status: str  # open | kept | broken


@dataclass(frozen=True)
class PauseView:
    pause: Pause
    subsidiary_id: str
    since: str | None


@dataclass(frozen=True)
class Attention:
    """SPEC 2.7's needs attention, each list newest first and at most `limit` long."""

    letters: list[LedgerEntry]  # needs_reconciliation or failed, last 90 days
    skipped: list[tuple[str, date, str]]  # subsidiary, day, why (the freshness guard)
    unaddressed: list[UnaddressedLetter] = field(default_factory=list)  # last 90 days
    bounced: list[EmailMark] = field(default_factory=list)  # not cleared yet
    rejected: list[ImportRecord] = field(default_factory=list)  # newest upload rejected


class Dashboard:
    def __init__(self, deps: DashboardDeps) -> None:
        self.deps = deps
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = self.deps.config.load()
        return self._config

    def subsidiaries(self, subsidiary_id: str | None) -> list[Subsidiary]:
        subs = list(self.config.subsidiaries)
        if subsidiary_id is None:
            return subs
        found = [s for s in subs if s.subsidiary_id == subsidiary_id]
        if not found:
            raise NotFound(f"subsidiary {subsidiary_id} is not configured")
        return found

    # --- figures ---------------------------------------------------------------------

    def summary(self, subsidiary_id: str | None, customer_id: str | None) -> Summary:
        subs = self.subsidiaries(subsidiary_id)
        days = {s.subsidiary_id: self.deps.repo.latest_day(s.subsidiary_id) for s in subs}
        seen = {sub: d.as_of for sub, d in days.items() if d is not None}
        as_of = max(seen.values(), default=None)
        stamps = [d.computed_at for d in days.values() if d is not None and d.computed_at]
        computed_at = max(stamps, default=None)
        if customer_id is not None:
            rows = [
                r
                for r in self.deps.repo.customer_figures(customer_id)
                if subsidiary_id is None or r.subsidiary_id == subsidiary_id
            ]
            sums = by_currency([{r.currency: r.partial} for r in rows])
        else:
            sums = by_currency(d.currencies for d in days.values() if d is not None)
        return Summary(as_of, computed_at, {c: figures(p) for c, p in sums.items()}, seen)

    def trend(
        self, subsidiary_id: str | None, first: date, last: date, limit: int
    ) -> list[tuple[date, dict[str, Figures]]]:
        if last < first:
            raise BadQuery("to", "is before from")
        by_day: dict[date, list[Mapping[str, Partial]]] = {}
        for sub in self.subsidiaries(subsidiary_id):
            for day in self.deps.repo.days(sub.subsidiary_id, first, last, limit):
                by_day.setdefault(day.as_of, []).append(day.currencies)
        points = sorted(by_day.items())[:limit]
        return [(d, {c: figures(p) for c, p in by_currency(parts).items()}) for d, parts in points]

    def by_subsidiary(self) -> list[tuple[Subsidiary, DayLike | None]]:
        return [(s, self.deps.repo.latest_day(s.subsidiary_id)) for s in self.subsidiaries(None)]

    def top_customers(
        self, subsidiary_id: str | None, currency: str | None, limit: int
    ) -> tuple[str, list[FigureRow]]:
        subs = self.subsidiaries(subsidiary_id)
        cur = currency or _one_currency(subs)
        rows: list[FigureRow] = []
        for sub in subs:
            rows += self._pages(sub.subsidiary_id, cur, limit)
        rows = [r for r in rows if r.partial.overdue > 0]
        rows.sort(key=lambda r: (-r.partial.overdue, r.customer_id))
        return cur, rows[:limit]

    def _pages(self, subsidiary_id: str, currency: str, limit: int) -> list[FigureRow]:
        found, _ = self.deps.repo.ranked(subsidiary_id, currency, limit, None)
        return list(found)

    def customers(self, query: CustomerQuery) -> Page:
        subs = self.subsidiaries(query.subsidiary)
        currency_of = {s.subsidiary_id: query.currency or s.base_currency for s in subs}

        filtered = query.paused is not None or bool(query.q)

        def fetch(sub: str, n: int, cursor: str | None) -> Page:
            return self.deps.repo.ranked(
                sub,
                currency_of[sub],
                n,
                cursor,
                min_overdue=query.min_overdue,
                largest_first=query.sort != "overdue_asc",
                keep=query.matches if filtered else None,
                max_reads=MAX_FILTER_READS,
            )

        return self._across(subs, query.cursor, query.limit, fetch)

    # --- live lists ------------------------------------------------------------------

    def paused(self, subsidiary_id: str | None, limit: int, cursor: str | None) -> Page:
        def fetch(sub: str, n: int, c: str | None) -> Page:
            found, more = self.deps.repo.pauses(sub, n, c)
            return [PauseView(p, sub, since) for p, since in found], more

        return self._across(self.subsidiaries(subsidiary_id), cursor, limit, fetch)

    def promises(self, subsidiary_id: str | None, limit: int, cursor: str | None) -> Page:
        today = self.deps.clock.now().date()

        def fetch(sub: str, n: int, c: str | None) -> Page:
            found, more = self.deps.repo.promises(sub, n, c)
            return [PromiseView(p, sub, self._promise_status(p, sub, today)) for p in found], more

        return self._across(self.subsidiaries(subsidiary_id), cursor, limit, fetch)

    def _promise_status(self, p: Promise, subsidiary_id: str, today: date) -> str:
        """Broken once the run judged it; open within its grace; kept after it (the run
        marks a promise not kept as broken on the first day past its grace)."""
        if p.broken:
            return "broken"
        grace = DEFAULT_PROMISE_GRACE_DAYS
        sub = self.config.subsidiary(subsidiary_id)
        if sub.default_procedure:
            with contextlib.suppress(NotConfigured):
                grace = self.config.procedure(sub.default_procedure).promise_grace_days
        return "open" if today <= promise_deadline(p, grace) else "kept"

    def letters(self, first: date, last: date, limit: int, cursor: str | None) -> Page:
        """Sent and printed letters dated first..last, newest first, sent ones first."""
        if last < first:
            raise BadQuery("to", "is before from")
        statuses = [LetterStatus.SENT, LetterStatus.PRINTED]

        def fetch(status: str, n: int, c: str | None) -> Page:
            return self.deps.repo.letters(LetterStatus(status), first, last, n, c)

        return _across_keys([str(s) for s in statuses], cursor, limit, fetch)

    def letters_by_level(self, first: date, last: date) -> list[LevelFigures]:
        """Letters the daily runs made per level dated first..last, and how many of them
        had all their invoices paid within 7, 14 and 30 days (from the day items)."""
        made: dict[int, int] = {}
        paid: dict[tuple[int, int], int] = {}
        for sub in self.subsidiaries(None):
            for day in self.deps.repo.days(sub.subsidiary_id, first, last, 400):
                for level, n in day.letters_by_level.items():
                    made[level] = made.get(level, 0) + n
                for key, n in day.paid_within.items():
                    paid[key] = paid.get(key, 0) + n
        levels = sorted(made.keys() | {level for level, _ in paid})
        return [
            LevelFigures(level, made.get(level, 0), {n: paid.get((level, n), 0) for n in WINDOWS})
            for level in levels
        ]

    def tracked_by_level(self, first: date, last: date) -> dict[int, dict[str, int]]:
        """Letters dated first..last whose email was delivered, opened, clicked, bounced
        or complained about, per level (the counters email tracking keeps)."""
        counts: dict[int, dict[str, int]] = {}
        for sub in self.subsidiaries(None):
            for level, kinds in self.deps.repo.tracked(sub.subsidiary_id, first, last).items():
                per = counts.setdefault(level, {})
                for kind, n in kinds.items():
                    per[kind] = per.get(kind, 0) + n
        return dict(sorted(counts.items()))

    def attention(self, limit: int) -> Attention:
        today = self.deps.clock.now().date()
        since = today - timedelta(days=90)
        letters: list[LedgerEntry] = []
        for status in (LetterStatus.NEEDS_RECONCILIATION, LetterStatus.FAILED):
            found, _ = self.deps.repo.letters(status, since, today, limit, None)
            letters += found
        skipped = [
            (s.subsidiary_id, day, why)
            for s in self.subsidiaries(None)
            for day, why in self.deps.repo.skipped_days(s.subsidiary_id, limit)
        ]
        repo = self.deps.repo
        return Attention(
            letters[:limit],
            skipped[:limit],
            repo.unaddressed(since, today, limit),
            repo.bounce_marks(limit),
            repo.rejected_imports(limit),
        )

    def _across(
        self,
        subs: Sequence[Subsidiary],
        cursor: str | None,
        limit: int,
        fetch: Callable[[str, int, str | None], Page],
    ) -> Page:
        return _across_keys([s.subsidiary_id for s in subs], cursor, limit, fetch)


@dataclass(frozen=True)
class CustomerQuery:
    subsidiary: str | None = None
    currency: str | None = None
    q: str | None = None
    paused: bool | None = None
    min_overdue: Decimal | None = None
    sort: str = "overdue_desc"
    limit: int = 50
    cursor: str | None = None

    def matches(self, row: FigureRow) -> bool:
        if self.paused is not None and row.paused != self.paused:
            return False
        if self.q:
            needle = self.q.casefold()
            return needle in row.name.casefold() or needle in row.customer_id.casefold()
        return True


def _one_currency(subs: Iterable[Subsidiary]) -> str:
    currencies = {s.base_currency for s in subs}
    if len(currencies) != 1:
        raise BadQuery("currency", "is required when the subsidiaries' currencies differ")
    return currencies.pop()


def _across_keys(
    parts: Sequence[str],
    cursor: str | None,
    limit: int,
    fetch: Callable[[str, int, str | None], Page],
) -> Page:
    """One page over several lists in turn (subsidiaries, statuses): the cursor names the
    list and the cursor within it, `<index>.<inner cursor>`."""
    index, inner = _split_cursor(cursor, len(parts))
    out: list[Any] = []
    while index < len(parts) and len(out) < limit:
        found, more = fetch(parts[index], limit - len(out), inner)
        out += found
        if more:
            return out, f"{index}.{more}"
        index, inner = index + 1, None
    return out, (f"{index}." if index < len(parts) else None)


def _split_cursor(cursor: str | None, count: int) -> tuple[int, str | None]:
    if not cursor:
        return 0, None
    head, _, inner = cursor.partition(".")
    if not head.isdigit() or not 0 <= int(head) < count:
        raise BadQuery("cursor", "is not a cursor this API gave")
    return int(head), inner or None
