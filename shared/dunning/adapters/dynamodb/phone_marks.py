"""Phone numbers SNS reported opted out of texts (SPEC 2.9), marked as bounced addresses
are (bounce_marks.py): sending checks them inside its claim (letter_ledger.claim_letter)
and leaves them out; collectors list and clear them (GET/DELETE /phone-marks)."""

from __future__ import annotations

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
from dunning.domain.control.marks import PhoneMark
from dunning.domain.sms import phone_key

OPTED_OUT = "opted_out"


class PhoneMarksTable:
    def mark_phone(self, phone: str, at: datetime, detail: str, letter_id: str | None) -> None:
        """Record that SNS reported `phone` opted out (idempotent: the same item again)."""
        key = phone_key(phone)
        item = mark_item(keys.phone_pk(key), keys.OPT_OUT, key, OPTED_OUT, at, detail, letter_id)
        keys.by_phone_mark(item, key)
        item.save()

    @staticmethod
    def get_phone_mark(phone: str) -> PhoneMark | None:
        it = get_mark_item(keys.phone_pk(phone_key(phone)), keys.OPT_OUT)
        return _mark(it) if it else None

    @staticmethod
    def phone_marks_page(limit: int, after: str | None) -> tuple[list[PhoneMark], bool]:
        """Marks by number, from the one after `after`; and whether there are more."""
        found, more = mark_items_page(keys.PHONE_MARKS, limit, after)
        return [_mark(it) for it in found], more

    @staticmethod
    def clear_phone_mark(phone: str, by: Activity) -> bool:
        """Delete the mark and record who did (beside the number without a customer)."""
        return clear_mark_item(keys.phone_pk(phone_key(phone)), keys.OPT_OUT, by)


def _mark(it: AddressItem) -> PhoneMark:
    return PhoneMark(it.address, it.reason, datetime.fromisoformat(it.at), it.detail, it.letter_id)
