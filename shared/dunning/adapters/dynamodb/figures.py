"""The dashboard's aggregates (SPEC 2.7): written by the daily run, read by the API.

- Per customer and currency a FigureItem (keys.figures_sk), rewritten only when its
  figures changed: the run gets the previous ones from the same shard Query.
- Per subsidiary and day one item (keys.day_sk) that every shard adds its totals to
  with one conditional UpdateItem (ADD), the shard's id joining a string set in the
  same write: a redelivered shard fails the condition and adds nothing twice. The
  trend is a Query of these items; the summary reads the newest.
- An invoice no longer open leaves a HistoryItem while it can count towards the
  figures' window (dso's sales, days to pay); TTL removes it afterwards.

Amounts in the day item are DynamoDB numbers written and read with the low-level
client as decimal strings (exact to 38 digits), never through floats.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError, PynamoDBConnectionError

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.errors import typed
from dunning.adapters.dynamodb.letter_watch import PAID, count_paid, watch_item, watch_sk
from dunning.adapters.dynamodb.mapping import Placement
from dunning.adapters.dynamodb.models import FigureItem, HistoryItem, Item, WatchItem, connection
from dunning.domain.figures.codec import flat, partial_from_dict, partial_to_dict, unflat
from dunning.domain.figures.figures import FigureRow
from dunning.domain.figures.paid_within import LetterWatch
from dunning.domain.figures.partial import WINDOW_DAYS, Partial
from dunning.domain.model import Invoice, InvoiceStatus

# A HistoryItem outlives the last day it counts on by this margin (time zones).
_EXPIRY_MARGIN = timedelta(days=2)
SHARDS = "shards"  # the day item's set of shards already added


# --- history of invoices ----------------------------------------------------------------


def history_expiry(i: Invoice) -> date:
    """After this day the invoice counts in no window: as_of - 90 >= its last date."""
    last = max(d for d in (i.issue_date, i.paid_date) if d is not None)
    return last + timedelta(days=WINDOW_DAYS) + _EXPIRY_MARGIN


def history_item(i: Invoice, where: Placement, today: date | None) -> HistoryItem | None:
    """The marker of an invoice that is not open, or None when it is open or past every
    window. A void one is kept too: it replaces the marker of the same invoice paid."""
    if i.is_open:
        return None
    expiry = history_expiry(i)
    if today is not None and expiry < today:
        return None
    it = HistoryItem(
        keys.cust_pk(i.customer_id),
        keys.history_sk(i.invoice_id),
        invoice_id=i.invoice_id,
        customer_id=i.customer_id,
        issue_date=i.issue_date,
        due_date=i.due_date,
        currency=i.currency,
        amount=i.amount,
        status=str(i.status),
        paid_date=i.paid_date,
        expires_at=int(datetime.combine(expiry, time(0), UTC).timestamp()),
    )
    keys.by_shard(it, *where)
    return it


def history_invoice(it: HistoryItem) -> Invoice:
    return Invoice(
        invoice_id=it.invoice_id,
        customer_id=it.customer_id,
        number="",
        issue_date=it.issue_date,
        due_date=it.due_date,
        currency=it.currency,
        amount=it.amount,
        amount_remaining=Decimal(0),
        status=InvoiceStatus(it.status),
        paid_date=it.paid_date,
    )


# --- customer rows ----------------------------------------------------------------------


def figure_item(row: FigureRow, dunned: str, as_of: date) -> FigureItem:
    it = FigureItem(
        keys.cust_pk(row.customer_id),
        keys.figures_sk(row.currency),
        customer_id=row.customer_id,
        subsidiary_id=row.subsidiary_id,
        name=row.name,
        currency=row.currency,
        paused=row.paused,
        as_of=as_of,
        body=json.dumps(partial_to_dict(row.partial)),
    )
    keys.by_shard(it, row.subsidiary_id, dunned)
    it.gsi3pk = keys.overdue_key(row.subsidiary_id, row.currency)
    it.gsi3sk = f"{keys.overdue_sort(row.partial.overdue)}#{row.customer_id}"
    return it


def figure_row(it: FigureItem) -> FigureRow:
    return FigureRow(
        customer_id=it.customer_id,
        currency=it.currency,
        subsidiary_id=it.subsidiary_id,
        name=it.name,
        paused=bool(it.paused),
        partial=partial_from_dict(json.loads(it.body)),
    )


@dataclass(frozen=True)
class DayFigures:
    """A subsidiary's figures of one day, summed over the shards that reported."""

    subsidiary_id: str
    as_of: date
    computed_at: str | None
    shards: int
    currencies: Mapping[str, Partial]
    letters_by_level: Mapping[int, int]
    # (level, window) -> letters of this day paid within it (paid_within.WINDOWS)
    paid_within: Mapping[tuple[int, int], int] = field(default_factory=dict)


class FiguresWriter:
    """The daily run's side: one shard's changed rows and its share of the day."""

    def write_rows(
        self,
        rows: Iterable[tuple[FigureRow, str]],
        gone: Iterable[tuple[str, str]],
        as_of: date,
        watches: Iterable[LetterWatch] = (),
        unwatched: Iterable[LetterWatch] = (),
    ) -> int:
        """Put the changed rows (each with the customer it is dunned as) and the letter
        watches, delete the rows of (customer, currency) that have nothing left to show
        and the watches dropped: one stream of BatchWriteItem requests of 25."""
        puts: list[Item] = [figure_item(row, dunned, as_of) for row, dunned in rows]
        puts += [watch_item(w) for w in watches]
        doomed: list[Item] = [FigureItem(keys.cust_pk(c), keys.figures_sk(cur)) for c, cur in gone]
        doomed += [WatchItem(keys.cust_pk(w.customer_id), watch_sk(w.letter_id)) for w in unwatched]
        if not puts and not doomed:
            return 0
        try:
            with Item.batch_write() as batch:
                for item in puts:
                    batch.save(item)
                for item in doomed:
                    batch.delete(item)
        except (PutError, PynamoDBConnectionError) as e:
            raise typed(e) from e
        return len(puts) + len(doomed)

    def count_paid(self, counted: Sequence[tuple[LetterWatch, frozenset[int]]]) -> int:
        return count_paid(counted)

    def add_to_day(
        self,
        subsidiary_id: str,
        as_of: date,
        shard: str,
        totals: Mapping[str, Partial],
        letters_by_level: Mapping[int, int],
        computed_at: str,
    ) -> bool:
        """Add a shard's totals to its subsidiary's day, once: False when already added."""
        names: dict[str, str] = {"#shards": SHARDS, "#at": "computed_at", "#kind": "kind"}
        values: dict[str, Any] = {
            ":one": {"SS": [shard]},
            ":at": {"S": computed_at},
            ":kind": {"S": "day_figures"},
        }
        adds = ["#shards :one"]
        numbers = _day_numbers(totals, letters_by_level)
        for n, (name, value) in enumerate(numbers.items()):
            names[f"#a{n}"], values[f":a{n}"] = name, {"N": str(value)}
            adds.append(f"#a{n} :a{n}")
        client = connection().client
        try:
            client.update_item(
                TableName=Item.Meta.table_name,
                Key={"pk": {"S": keys.figures_pk(subsidiary_id)}, "sk": {"S": keys.day_sk(as_of)}},
                UpdateExpression=f"ADD {', '.join(adds)} SET #at = :at, #kind = :kind",
                ConditionExpression="attribute_not_exists(#shards) OR NOT contains(#shards, :s1)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values | {":s1": {"S": shard}},
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _day_numbers(totals: Mapping[str, Partial], by_level: Mapping[int, int]) -> dict[str, Decimal]:
    out = {f"{cur}|{name}": v for cur, p in totals.items() for name, v in flat(p).items()}
    out.update({f"letters|{level}": Decimal(n) for level, n in by_level.items()})
    return out


def day_figures(item: Mapping[str, Any]) -> DayFigures:
    """A day item in DynamoDB's wire format -> its figures."""
    subsidiary_id = item["pk"]["S"].removeprefix("FIG#")
    as_of = date.fromisoformat(item["sk"]["S"].removeprefix(keys.DAY))
    per_currency: dict[str, dict[str, Decimal]] = {}
    by_level: dict[int, int] = {}
    paid: dict[tuple[int, int], int] = {}
    for name, value in item.items():
        if "|" not in name or "N" not in value:
            continue
        head, rest = name.split("|", 1)
        if head == "letters":
            by_level[int(rest)] = int(value["N"])
        elif head == PAID:
            level, window = rest.split("|")
            paid[(int(level), int(window))] = int(value["N"])
        else:
            per_currency.setdefault(head, {})[rest] = Decimal(value["N"])
    return DayFigures(
        subsidiary_id=subsidiary_id,
        as_of=as_of,
        computed_at=item.get("computed_at", {}).get("S"),
        shards=len(item.get(SHARDS, {}).get("SS", [])),
        currencies={cur: unflat(v) for cur, v in sorted(per_currency.items())},
        letters_by_level=dict(sorted(by_level.items())),
        paid_within=dict(sorted(paid.items())),
    )


def query_days(
    subsidiary_id: str, first: date, last: date, *, newest_first: bool, limit: int
) -> Iterator[DayFigures]:
    """One Query (pages of at most `limit` days) of a subsidiary's days in first..last."""
    answer = connection().client.query(
        TableName=Item.Meta.table_name,
        KeyConditionExpression="pk = :pk AND sk BETWEEN :a AND :b",
        ExpressionAttributeValues={
            ":pk": {"S": keys.figures_pk(subsidiary_id)},
            ":a": {"S": keys.day_sk(first)},
            ":b": {"S": keys.day_sk(last)},
        },
        ScanIndexForward=not newest_first,
        Limit=limit,
        ReturnConsumedCapacity="TOTAL",
    )
    for item in answer.get("Items", []):
        yield day_figures(item)
