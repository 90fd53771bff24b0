"""What bounce marks (email addresses) and opt-out marks (phone numbers) share: one
AddressItem each, listed by an index key, cleared together with its audit record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import cast

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb.activity_log import activity_item
from dunning.adapters.dynamodb.errors import first_condition_failed, typed
from dunning.adapters.dynamodb.models import AddressItem, Item, connection
from dunning.domain.control.audit import Activity


def mark_item(
    pk: str, sk: str, key: str, reason: str, at: datetime, detail: str, letter_id: str | None
) -> AddressItem:
    return AddressItem(
        pk,
        sk,
        address=key,
        reason=reason,
        at=at.isoformat(timespec="seconds"),
        detail=detail[:1000] or None,
        letter_id=letter_id,
    )


def get_mark_item(pk: str, sk: str) -> AddressItem | None:
    try:
        return AddressItem.get(pk, sk, consistent_read=True)
    except AddressItem.DoesNotExist:
        return None


Page = tuple[list[AddressItem], bool]


def mark_items_page(listed_as: str, limit: int, after: str | None) -> Page:
    """Marks by their key, from the one after `after`; and whether there are more."""
    condition = Item.gsi3sk > after if after else None
    query = Item.by_status.query(listed_as, condition)
    found = list(islice(cast(Iterable[AddressItem], query), limit + 1))
    return found[:limit], len(found) > limit


def clear_mark_item(pk: str, sk: str, by: Activity) -> bool:
    """Delete the mark and record who did, together; False when there was none. The
    activity goes to its customer's log, or beside the mark when it has none."""
    log_pk = None if by.customer_id else pk
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(AddressItem(pk, sk), condition=AddressItem.pk.exists())
            tx.save(activity_item(by, log_pk))
    except TransactWriteError as e:
        if first_condition_failed(e):
            return False
        raise typed(e) from e
    return True
