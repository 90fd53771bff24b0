"""Addresses SES reported bouncing or complaining (the feedback's AddressBook); sending
checks them inside its claim (letter_ledger.claim_letter)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.models import AddressItem
from dunning.domain.delivery.routing import address_key


class BounceMarksTable:
    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None:
        """Record that SES reported `address` bouncing or complaining (idempotent)."""
        key = address_key(address)
        AddressItem(
            keys.address_pk(key),
            keys.BOUNCE,
            address=key,
            reason=reason,
            at=at.isoformat(timespec="seconds"),
            detail=detail[:1000] or None,
            letter_id=letter_id,
        ).save()

    def marked_addresses(self, addresses: Iterable[str]) -> frozenset[str]:
        """Which of `addresses` are marked (address keys), strongly consistent."""
        wanted = [
            (keys.address_pk(k), keys.BOUNCE) for k in dict.fromkeys(map(address_key, addresses))
        ]
        if not wanted:
            return frozenset()
        found = AddressItem.batch_get(wanted, consistent_read=True, attributes_to_get=["address"])
        return frozenset(it.address for it in found)
