"""Addresses SES reported bouncing or complaining (the feedback's AddressBook); sending
checks them inside its claim (letter_ledger.claim_letter)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.mark_items import (
    clear_mark_item,
    get_mark_item,
    mark_item,
    mark_items_page,
)
from dunning.adapters.dynamodb.models import AddressItem
from dunning.domain.control.audit import Activity
from dunning.domain.control.marks import EmailMark
from dunning.domain.delivery.routing import address_key


class BounceMarksTable:
    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None:
        """Record that SES reported `address` bouncing or complaining (idempotent)."""
        key = address_key(address)
        item = mark_item(keys.address_pk(key), keys.BOUNCE, key, reason, at, detail, letter_id)
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
        it = get_mark_item(keys.address_pk(address_key(address)), keys.BOUNCE)
        return _mark(it) if it else None

    @staticmethod
    def marks_page(limit: int, after: str | None) -> tuple[list[EmailMark], bool]:
        """Marks by address, from the one after `after`; and whether there are more."""
        found, more = mark_items_page(keys.MARKS, limit, after)
        return [_mark(it) for it in found], more

    @staticmethod
    def clear_mark(address: str, by: Activity) -> bool:
        """Delete the mark and record who did (beside the address without a customer)."""
        return clear_mark_item(keys.address_pk(address_key(address)), keys.BOUNCE, by)


def _mark(it: AddressItem) -> EmailMark:
    return EmailMark(it.address, it.reason, datetime.fromisoformat(it.at), it.detail, it.letter_id)
