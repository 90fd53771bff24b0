"""Phone numbers SNS reported opted out of texts (SPEC 2.9), marked as bounced addresses
are (bounce_marks.py): sending checks them inside its claim (letter_ledger.claim_letter)
and leaves them out; collectors list and clear them (GET/DELETE /phone-marks)."""

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
from dunning.domain.control.marks import PhoneMark
from dunning.domain.sms import phone_key

OPTED_OUT = "opted_out"


class PhoneMarksTable:
    def mark_phone(self, phone: str, at: datetime, detail: str, letter_id: str | None) -> None:
        """Record that SNS reported `phone` opted out (idempotent: the same item again)."""
        key = phone_key(phone)
        item = AddressItem(
            keys.phone_pk(key),
            keys.OPT_OUT,
            address=key,
            reason=OPTED_OUT,
            at=at.isoformat(timespec="seconds"),
            detail=detail[:1000] or None,
            letter_id=letter_id,
        )
        keys.by_phone_mark(item, key)
        item.save()

    @staticmethod
    def get_phone_mark(phone: str) -> PhoneMark | None:
        try:
            it = AddressItem.get(
                keys.phone_pk(phone_key(phone)), keys.OPT_OUT, consistent_read=True
            )
        except AddressItem.DoesNotExist:
            return None
        return _mark(it)

    @staticmethod
    def phone_marks_page(limit: int, after: str | None) -> tuple[list[PhoneMark], bool]:
        """Marks by number, from the one after `after`; and whether there are more."""
        condition = Item.gsi3sk > after if after else None
        query = Item.by_status.query(keys.PHONE_MARKS, condition)
        found = [_mark(it) for it in islice(cast(Iterable[AddressItem], query), limit + 1)]
        return found[:limit], len(found) > limit

    @staticmethod
    def clear_phone_mark(phone: str, by: Activity) -> bool:
        """Delete the mark and record who did, together; False when there was none. The
        activity goes to its customer's log, or beside the number when it has none."""
        key = phone_key(phone)
        log_pk = None if by.customer_id else keys.phone_pk(key)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(
                    AddressItem(keys.phone_pk(key), keys.OPT_OUT),
                    condition=AddressItem.pk.exists(),
                )
                tx.save(activity_item(by, log_pk))
        except TransactWriteError as e:
            if first_condition_failed(e):
                return False
            raise typed(e) from e
        return True


def _mark(it: AddressItem) -> PhoneMark:
    return PhoneMark(it.address, it.reason, datetime.fromisoformat(it.at), it.detail, it.letter_id)
