"""The activity log's items (domain.control.audit): written beside the change they
record, read newest first a page at a time."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import islice

from pynamodb.exceptions import PutError

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.errors import typed
from dunning.adapters.dynamodb.models import ActivityItem
from dunning.domain.control.audit import Action, Activity


def activity_item(a: Activity, pk: str | None = None) -> ActivityItem:
    """`pk`: another partition than the customer's (a mark no customer is known for)."""
    return ActivityItem(
        pk or keys.cust_pk(a.customer_id),
        keys.activity_sk(a.order_key),
        customer_id=a.customer_id,
        at=a.at.isoformat(timespec="microseconds"),
        action=str(a.action),
        actor=a.actor,
        target=a.target,
        target_id=a.target_id,
        detail=json.dumps(dict(a.detail), default=str, ensure_ascii=False),
    )


def activity(it: ActivityItem) -> Activity:
    return Activity(
        customer_id=it.customer_id,
        at=datetime.fromisoformat(it.at),
        action=Action(it.action),
        actor=it.actor,
        target=it.target,
        target_id=it.target_id,
        detail=json.loads(it.detail or "{}"),
        activity_id=it.sk.rsplit("#", 1)[-1],
    )


class ActivityLogTable:
    @staticmethod
    def record_activity(a: Activity, pk: str | None = None) -> None:
        try:
            activity_item(a, pk).save()
        except PutError as e:
            raise typed(e) from e

    @staticmethod
    def activities(
        customer_id: str, limit: int, before: str | None = None
    ) -> tuple[list[Activity], bool]:
        """Up to `limit` activities, newest first, older than the order key `before`;
        and whether there are more."""
        upper = keys.activity_sk(before) if before else keys.ACTIVITY + "\uffff"
        query = ActivityItem.query(
            keys.cust_pk(customer_id),
            ActivityItem.sk.between(keys.ACTIVITY, upper),
            scan_index_forward=False,
            consistent_read=True,
        )
        found = [activity(it) for it in islice((it for it in query if it.sk != upper), limit + 1)]
        return found[:limit], len(found) > limit
