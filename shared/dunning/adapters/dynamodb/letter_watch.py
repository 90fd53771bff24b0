"""Letters watched until their invoices are paid (domain.figures.paid_within), and the
counts they leave on the day item of their letter date (keys.day_sk).

A counted letter's watch is deleted in the same TransactWriteItems that adds it to
its day, on the condition that the watch still exists: a retried or duplicated run
finds it gone and counts nothing twice; a crash before the commit leaves both as
they were for the retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from botocore.exceptions import ClientError

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.models import Item, WatchItem, connection
from dunning.domain.figures.paid_within import LetterWatch, paid_counts

WATCH = "WATCH#"
PAID = "paid"  # day item attributes paid|<level>|<window>
# Deletes per transaction: with one day update per letter date, within 100 actions.
_CHUNK = 50
_TTL_MARGIN = timedelta(days=2)


def watch_sk(letter_id: str) -> str:
    return f"{WATCH}{letter_id}"


def watch_item(w: LetterWatch) -> WatchItem:
    it = WatchItem(
        keys.cust_pk(w.customer_id),
        watch_sk(w.letter_id),
        letter_id=w.letter_id,
        subsidiary_id=w.subsidiary_id,
        customer_id=w.customer_id,
        as_of=w.as_of,
        level=w.level,
        invoice_ids=list(w.invoice_ids),
        closed_on=json.dumps({k: v.isoformat() for k, v in w.closed_on.items()})
        if w.closed_on
        else None,
        expires_at=int(datetime.combine(w.last_day + _TTL_MARGIN, time(0), UTC).timestamp()),
    )
    keys.by_shard(it, w.subsidiary_id, w.customer_id)
    return it


def letter_watch(it: WatchItem) -> LetterWatch:
    closed = json.loads(it.closed_on) if it.closed_on else {}
    return LetterWatch(
        letter_id=it.letter_id,
        subsidiary_id=it.subsidiary_id,
        customer_id=it.customer_id,
        as_of=it.as_of,
        level=int(it.level),
        invoice_ids=tuple(str(i) for i in it.invoice_ids or ()),
        closed_on={k: date.fromisoformat(v) for k, v in closed.items()},
    )


def paid_attribute(level: int, window: int) -> str:
    return f"{PAID}|{level}|{window}"


def count_paid(counted: Sequence[tuple[LetterWatch, frozenset[int]]]) -> int:
    """Delete each counted watch and add it to its letter date's day, exactly once;
    returns how many letters this call counted."""
    done = 0
    for chunk in _chunks(counted):
        try:
            _commit(chunk)
            done += len(chunk)
        except ClientError as e:
            if not _cancelled_by_a_condition(e):
                raise
            # Some watch was settled meanwhile (a duplicated run): one letter at a time.
            for one in chunk:
                try:
                    _commit([one])
                    done += 1
                except ClientError as e1:
                    if not _cancelled_by_a_condition(e1):
                        raise
    return done


def _chunks(
    counted: Sequence[tuple[LetterWatch, frozenset[int]]],
) -> Iterator[list[tuple[LetterWatch, frozenset[int]]]]:
    for start in range(0, len(counted), _CHUNK):
        yield list(counted[start : start + _CHUNK])


def _commit(chunk: Iterable[tuple[LetterWatch, frozenset[int]]]) -> None:
    chunk = list(chunk)
    table = Item.Meta.table_name
    actions: list[dict[str, Any]] = [
        {
            "Delete": {
                "TableName": table,
                "Key": _watch_key(w),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        for w, _ in chunk
    ]
    subsidiary = {w.as_of: w.subsidiary_id for w, _ in chunk}
    for day, counts in sorted(paid_counts(chunk).items()):
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        adds = []
        for n, ((level, window), count) in enumerate(sorted(counts.items())):
            names[f"#p{n}"], values[f":p{n}"] = paid_attribute(level, window), {"N": str(count)}
            adds.append(f"#p{n} :p{n}")
        actions.append(
            {
                "Update": {
                    "TableName": table,
                    "Key": {
                        "pk": {"S": keys.figures_pk(subsidiary[day])},
                        "sk": {"S": keys.day_sk(day)},
                    },
                    "UpdateExpression": f"ADD {', '.join(adds)}",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
    connection().client.transact_write_items(TransactItems=actions)


def _watch_key(w: LetterWatch) -> dict[str, Any]:
    return {"pk": {"S": keys.cust_pk(w.customer_id)}, "sk": {"S": watch_sk(w.letter_id)}}


def _cancelled_by_a_condition(e: ClientError) -> bool:
    if e.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = e.response.get("CancellationReasons") or []
    return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
