"""The dashboard's reads (usecases/dashboard.py DashboardRepository): each is one
Query or GetItem of an aggregate or an index page, whatever the number of invoices."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import QueryError

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.figures import DayFigures, figure_row, query_days
from dunning.adapters.dynamodb.import_ledger import import_record
from dunning.adapters.dynamodb.models import FigureItem, ImportItem, Item, MarkItem
from dunning.adapters.dynamodb.tracking import query_tracked
from dunning.domain.control.marks import EmailMark
from dunning.domain.delivery.ledger import LedgerEntry, UnaddressedLetter
from dunning.domain.figures.figures import FigureRow
from dunning.domain.imports.tracking import ImportRecord
from dunning.domain.model import LetterStatus, Pause, Promise
from dunning.ports import InvalidCursor

Page = tuple[list[Any], str | None]  # items and the cursor of the next page


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


_INDEX_KEY = frozenset({"pk", "sk", "gsi3pk", "gsi3sk"})


def decode_cursor(cursor: str | None, partition: str) -> dict[str, Any] | None:
    """The ByStatus key a page of `partition` ends at; InvalidCursor when it is not one
    this API gave for that list (DynamoDB would refuse it with a server error)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, UnicodeError, json.JSONDecodeError) as e:
        raise InvalidCursor("not a cursor this API gave") from e
    if not isinstance(key, dict) or not all(
        isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values()
    ):
        raise InvalidCursor("not a cursor this API gave")
    if set(key) != _INDEX_KEY or key["gsi3pk"]["S"] != partition:
        raise InvalidCursor("not a cursor of this list")
    return key


def _page(query: Any, cursor: str | None) -> list[Any]:
    """The page's items; a cursor outside the query's range is refused as bad input."""
    try:
        return list(query)
    except QueryError as e:
        if cursor and e.cause_response_code == "ValidationException":
            raise InvalidCursor("not a cursor of this list") from e
        raise


FILTERED_PAGE = 100  # rows read per Query when a filter may leave some out


def _index_key(it: Any) -> dict[str, Any]:
    """The ByStatus key of an item: a Query started after it resumes right behind it."""
    return {name: {"S": getattr(it, name)} for name in sorted(_INDEX_KEY)}


class FiguresReader:
    def latest_day(self, subsidiary_id: str) -> DayFigures | None:
        found = query_days(subsidiary_id, date.min, date.max, newest_first=True, limit=1)
        return next(found, None)

    def days(self, subsidiary_id: str, first: date, last: date, limit: int) -> list[DayFigures]:
        return list(query_days(subsidiary_id, first, last, newest_first=False, limit=limit))

    @staticmethod
    def tracked(subsidiary_id: str, first: date, last: date) -> dict[int, dict[str, int]]:
        """Letters dated first..last whose email was delivered, opened... (SPEC 2.9), per
        level and event kind: one Query of the counters tracking keeps."""
        return query_tracked(subsidiary_id, first, last)

    def customer_figures(self, customer_id: str) -> list[FigureRow]:
        query = FigureItem.query(keys.cust_pk(customer_id), FigureItem.sk.startswith(keys.FIGURES))
        return [figure_row(it) for it in query]

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
        """Customer rows of a subsidiary and currency by overdue amount, up to `limit`
        of those `keep` accepts: the index is read on, a page of at least `FILTERED_PAGE`
        rows at a time, until the page is full, the rows run out or `max_reads` Queries
        were made. The cursor resumes right after the last row read for this page (the
        last one returned when the page is full)."""
        condition = (
            Item.gsi3sk >= keys.overdue_sort(min_overdue) if min_overdue is not None else None
        )
        partition = keys.overdue_key(subsidiary_id, currency)
        start = decode_cursor(cursor, partition)
        size = limit if keep is None else max(limit, FILTERED_PAGE)
        out: list[FigureRow] = []
        for _ in range(max(1, max_reads)):
            query = Item.by_status.query(
                partition,
                condition,
                scan_index_forward=not largest_first,
                limit=size,
                last_evaluated_key=start,
            )
            for it in _page(query, cursor):
                row = figure_row(it)
                if keep is None or keep(row):
                    out.append(row)
                if len(out) == limit:
                    return out, encode_cursor(_index_key(it))
            start = query.last_evaluated_key
            if not start:
                return out, None
        return out, encode_cursor(start)

    def pauses(self, subsidiary_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.pauses_key(subsidiary_id)
        query = Item.by_status.query(
            partition, limit=limit, last_evaluated_key=decode_cursor(cursor, partition)
        )
        found: list[tuple[Pause, str | None]] = [
            (mapping.pause(it), it.since) for it in _page(query, cursor)
        ]
        return found, encode_cursor(query.last_evaluated_key)

    def promises(self, subsidiary_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.promises_key(subsidiary_id)
        query = Item.by_status.query(
            partition,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, partition),
        )
        found: list[Promise] = [mapping.promise(it) for it in _page(query, cursor)]
        return found, encode_cursor(query.last_evaluated_key)

    def letters(
        self, status: LetterStatus, first: date, last: date, limit: int, cursor: str | None
    ) -> Page:
        """Letters of a status dated first..last, newest first."""
        partition = keys.status_key(status)
        query = Item.by_status.query(
            partition,
            Item.gsi3sk.between(first.isoformat(), f"{last.isoformat()}~"),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(cursor, partition),
        )
        found: list[LedgerEntry] = [mapping.ledger_entry(it) for it in _page(query, cursor)]
        return found, encode_cursor(query.last_evaluated_key)

    def skipped_days(self, subsidiary_id: str, limit: int) -> list[tuple[date, str]]:
        """Days the freshness guard held the subsidiary back, newest first."""
        query = MarkItem.query(
            keys.shard_key(subsidiary_id),
            MarkItem.sk.startswith("SKIP#"),
            scan_index_forward=False,
            limit=limit,
        )
        return [(date.fromisoformat(it.sk.removeprefix("SKIP#")), it.detail or "") for it in query]

    # --- needs attention ---------------------------------------------------------------

    def unaddressed(self, first: date, last: date, limit: int) -> list[UnaddressedLetter]:
        """Letters put in the print queue without a postal address, newest first."""
        query = Item.by_status.query(
            keys.UNADDRESSED,
            Item.gsi3sk.between(first.isoformat(), f"{last.isoformat()}~"),
            scan_index_forward=False,
            limit=limit,
        )
        out: list[UnaddressedLetter] = []
        for it in query:
            if not isinstance(it, MarkItem):
                continue
            d = json.loads(it.detail or "{}")
            out.append(
                UnaddressedLetter(
                    d["letter_id"],
                    date.fromisoformat(d["day"]),
                    d["customer_id"],
                    d["subsidiary_id"],
                )
            )
        return out

    def rejected_imports(self, limit: int) -> list[ImportRecord]:
        """Files whose newest upload was rejected, newest first."""
        query = Item.by_status.query(keys.REJECTED_IMPORTS, scan_index_forward=False, limit=limit)
        return [import_record(it) for it in query if isinstance(it, ImportItem)]

    def bounce_marks(self, limit: int) -> list[EmailMark]:
        """Addresses SES reported bouncing or complaining (not cleared yet)."""
        found, _ = BounceMarksTable.marks_page(limit, None)
        return found
