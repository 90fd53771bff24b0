"""Addresses SES reported bouncing or complaining (the feedback's AddressBook); sending
checks them inside its claim (letter_ledger.claim_letter)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import islice
from typing import cast

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.activity_log import activity_item
from dunning.adapters.dynamodb.errors import first_condition_failed, typed
from dunning.adapters.dynamodb.models import AddressItem, Item, connection
from dunning.domain.control.audit import Activity
from dunning.domain.control.marks import EmailMark
from dunning.domain.delivery.routing import address_key


class BounceMarksTable:
    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None:
        """Record that SES reported `address` bouncing or complaining (idempotent)."""
        key = address_key(address)
        item = AddressItem(
            keys.address_pk(key),
            keys.BOUNCE,
            address=key,
            reason=reason,
            at=at.isoformat(timespec="seconds"),
            detail=detail[:1000] or None,
            letter_id=letter_id,
        )
        keys.by_mark(item, key)  # listed for collectors (GET /email-marks)
        item.save()

    def marked_addresses(self, addresses: Iterable[str]) -> frozenset[str]:
        """Which of `addresses` are marked (address keys), strongly consistent."""
        wanted = [
            (keys.address_pk(k), keys.BOUNCE) for k in dict.fromkeys(map(address_key, addresses))
        ]
        if not wanted:
            return frozenset()
        found = AddressItem.batch_get(wanted, consistent_read=True, attributes_to_get=["address"])
        return frozenset(it.address for it in found)

    @staticmethod
    def get_mark(address: str) -> EmailMark | None:
        key = address_key(address)
        try:
            it = AddressItem.get(keys.address_pk(key), keys.BOUNCE, consistent_read=True)
        except AddressItem.DoesNotExist:
            return None
        return _mark(it)

    @staticmethod
    def marks_page(limit: int, after: str | None) -> tuple[list[EmailMark], bool]:
        """Marks by address, from the one after `after`; and whether there are more."""
        condition = Item.gsi3sk > after if after else None
        query = Item.by_status.query(keys.MARKS, condition)
        found = [_mark(it) for it in islice(cast(Iterable[AddressItem], query), limit + 1)]
        return found[:limit], len(found) > limit

    @staticmethod
    def clear_mark(address: str, by: Activity) -> bool:
        """Delete the mark and record who did, together; False when there was none. The
        activity goes to its customer's log, or beside the address when it has none."""
        key = address_key(address)
        log_pk = None if by.customer_id else keys.address_pk(key)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(
                    AddressItem(keys.address_pk(key), keys.BOUNCE),
                    condition=AddressItem.pk.exists(),
                )
                tx.save(activity_item(by, log_pk))
        except TransactWriteError as e:
            if first_condition_failed(e):
                return False
            raise typed(e) from e
        return True


def _mark(it: AddressItem) -> EmailMark:
    return EmailMark(it.address, it.reason, datetime.fromisoformat(it.at), it.detail, it.letter_id)
