"""Email tracking's records (SPEC 2.9): per letter a TrackingItem beside its ledger
item (TRACK#<letter id>) with the first time of each event kind, and per subsidiary
and letter day a counter item (pk FIG#<subsidiary>, sk TRACKED#<day>) of the letters
delivered, opened... per level, for the dashboard.

The first event of a kind updates both in one TransactWriteItems, the tracking item
on the condition that it has no time of that kind yet: a replayed event fails the
condition and counts nothing. An event earlier than the time kept (out of order)
then moves the time back with a second, conditional UpdateItem, counting nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from botocore.exceptions import ClientError

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.models import Item, LetterItem, TrackingItem, connection
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.delivery.tracking import COUNTED, TrackingEvent

TRACKED = "TRACKED#"  # sk prefix of the counters in a subsidiary's figures partition


def tracked_sk(day: date) -> str:
    return f"{TRACKED}{day.isoformat()}"


@dataclass(frozen=True)
class TrackedLetter:
    """What counting an event needs of its letter."""

    letter_id: str
    customer_id: str
    subsidiary_id: str
    as_of: date
    level: int


class TrackingTable:
    @staticmethod
    def tracked_letter(letter_id: str) -> TrackedLetter | None:
        """The letter an event names (ByRef, then its ledger item); None if unknown."""
        customer_id = None
        for it in Item.by_ref.query(keys.letter_ref(letter_id), limit=1):
            customer_id = it.gsi2sk
        if customer_id is None:
            return None
        try:
            found = LetterItem.get(
                keys.cust_pk(customer_id),
                keys.letter_sk(letter_id),
                attributes_to_get=["subsidiary_id", "as_of", "body"],
            )
        except LetterItem.DoesNotExist:
            return None
        level = int(json.loads(found.body)["level"])
        return TrackedLetter(letter_id, customer_id, found.subsidiary_id, found.as_of, level)

    @staticmethod
    def record_event(letter: TrackedLetter, event: TrackingEvent) -> bool:
        """Record the event's time on the letter; True when it was the first of its kind
        (and so counted). Replays change nothing."""
        client = connection().client
        table = Item.Meta.table_name
        track_key = {
            "pk": {"S": keys.cust_pk(letter.customer_id)},
            "sk": {"S": keys.tracking_sk(letter.letter_id)},
        }
        names = {"#k": event.kind, "#kind": "kind", "#letter": "letter", "#m": "message_id"}
        values = {
            ":t": {"S": event.at},
            ":kind": {"S": "tracking"},
            ":letter": {"S": letter.letter_id},
            ":m": {"S": event.message_id or ""},
        }
        first = {
            "Update": {
                "TableName": table,
                "Key": track_key,
                "UpdateExpression": (
                    "SET #k = :t, #kind = :kind, #letter = :letter, #m = if_not_exists(#m, :m)"
                ),
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }
        count = {
            "Update": {
                "TableName": table,
                "Key": {
                    "pk": {"S": keys.figures_pk(letter.subsidiary_id)},
                    "sk": {"S": tracked_sk(letter.as_of)},
                },
                "UpdateExpression": "ADD #c :one SET #kind = :kind",
                "ExpressionAttributeNames": {"#c": f"{event.kind}|{letter.level}", "#kind": "kind"},
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":kind": {"S": "tracked_day"}},
            }
        }
        try:
            client.transact_write_items(TransactItems=[first, count])
            return True
        except ClientError as e:
            if not _first_condition_failed(e):
                raise
        _earlier(client, table, track_key, event)
        return False

    @staticmethod
    def letter_tracking(customer_id: str, letter_id: str) -> dict[str, str]:
        """kind -> first time, of one letter ({} before any event)."""
        try:
            it = TrackingItem.get(keys.cust_pk(customer_id), keys.tracking_sk(letter_id))
        except TrackingItem.DoesNotExist:
            return {}
        return times_of(it)

    @staticmethod
    def customer_tracking(customer_id: str) -> dict[str, dict[str, str]]:
        """letter id -> its tracking, for every letter of the customer's partition."""
        query = TrackingItem.query(
            keys.cust_pk(customer_id), TrackingItem.sk.startswith(keys.TRACKING)
        )
        return {it.letter: times_of(it) for it in query}


def times_of(it: TrackingItem) -> dict[str, str]:
    return {kind: getattr(it, kind) for kind in COUNTED if getattr(it, kind, None)}


def _earlier(client: Any, table: str, key: dict[str, Any], event: TrackingEvent) -> None:
    """Move the kept time back to this event's, if it is earlier (nothing is counted)."""
    try:
        client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #k = :t",
            ConditionExpression="#k > :t",
            ExpressionAttributeNames={"#k": event.kind},
            ExpressionAttributeValues={":t": {"S": event.at}},
        )
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


def _first_condition_failed(e: ClientError) -> bool:
    reasons = e.response.get("CancellationReasons") or []
    return bool(reasons) and reasons[0].get("Code") == "ConditionalCheckFailed"


def tracked_counts(items: Iterable[Mapping[str, Any]]) -> dict[int, dict[str, int]]:
    """Counter items in DynamoDB's wire format -> level -> kind -> letters."""
    by_level: dict[int, dict[str, int]] = {}
    for item in items:
        for name, value in item.items():
            kind, _, level = name.partition("|")
            if kind in COUNTED and level.isdigit() and "N" in value:
                per = by_level.setdefault(int(level), {})
                per[kind] = per.get(kind, 0) + int(value["N"])
    return by_level


def query_tracked(subsidiary_id: str, first: date, last: date) -> dict[int, dict[str, int]]:
    """The counters of a subsidiary's letter days first..last, summed (one Query; pages
    of a year of days stay far below 1 MB)."""
    client = connection().client
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": Item.Meta.table_name,
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {
            ":pk": {"S": keys.figures_pk(subsidiary_id)},
            ":a": {"S": tracked_sk(first)},
            ":b": {"S": tracked_sk(last)},
        },
    }
    while True:
        answer = client.query(**kwargs)
        items.extend(answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return tracked_counts(items)
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def with_tracking(
    entries: list[LedgerEntry], tracking: dict[str, dict[str, str]]
) -> list[LedgerEntry]:
    """Each letter's history with its email's tracking (SPEC 2.9), the first time of
    each SES event, on the letters SES reported any event of."""
    return [
        replace(e, delivery=e.delivery | {"tracking": tracking[e.letter.letter_id]})
        if tracking.get(e.letter.letter_id)
        else e
        for e in entries
    ]
