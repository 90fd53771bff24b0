"""Thank-you notes' ledger (SPEC 2.9): one item per note id, claimed with a conditional
write before the email goes out, so a redelivered evaluation never thanks twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

from pynamodb.exceptions import DeleteError, PutError

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.errors import is_conditional, typed
from dunning.adapters.dynamodb.models import ContactItem, Item, ThanksItem
from dunning.domain.engine.engagement import ThankYou
from dunning.domain.model import Contact

CLAIMED = "claimed"


def _item(note: ThankYou, status: str, record: dict[str, Any]) -> ThanksItem:
    body = {
        "scope": str(note.ref.scope),
        "scope_id": note.ref.scope_id,
        "currency": note.ref.currency,
        "procedure_id": note.procedure_id,
        "template": note.template,
        "last_letter_date": note.last_letter_date.isoformat() if note.last_letter_date else None,
    } | record
    it = ThanksItem(
        keys.cust_pk(note.customer_id),
        keys.thanks_sk(note.thanks_id),
        thanks_id=note.thanks_id,
        customer_id=note.customer_id,
        subsidiary_id=note.subsidiary_id,
        as_of=note.as_of,
        status=status,
        body=json.dumps(body, ensure_ascii=False),
        updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    it.gsi3pk = keys.thanks_status_key(status)
    it.gsi3sk = f"{note.as_of.isoformat()}#{note.thanks_id}"
    return it


class ThanksLedgerTable(BounceMarksTable):
    """The notes' claims and outcomes; the recipients' contacts and bounce marks."""

    @staticmethod
    def claim_thanks(note: ThankYou, record: dict[str, Any]) -> bool:
        """Claim the note (it does not exist yet); False when it was claimed before."""
        try:
            _item(note, CLAIMED, record).save(condition=ThanksItem.pk.does_not_exist())
        except PutError as e:
            if is_conditional(e):
                return False
            raise typed(e) from e
        return True

    @staticmethod
    def finish_thanks(note: ThankYou, status: str, record: dict[str, Any]) -> None:
        """claimed -> its outcome (sent, failed, no_recipient)."""
        try:
            _item(note, status, record).save(condition=ThanksItem.status == CLAIMED)
        except PutError as e:
            raise typed(e) from e

    @staticmethod
    def release_thanks(note: ThankYou) -> None:
        """Withdraw a claim whose email surely never left (SES refused to take it for
        now): the next delivery of the evaluation claims it again."""
        item = ThanksItem(keys.cust_pk(note.customer_id), keys.thanks_sk(note.thanks_id))
        try:
            item.delete(condition=ThanksItem.status == CLAIMED)
        except DeleteError as e:
            if not is_conditional(e):
                raise typed(e) from e

    @staticmethod
    def contacts(customer_id: str) -> list[Contact]:
        query = ContactItem.query(
            keys.cust_pk(customer_id), ContactItem.sk.startswith(keys.CONTACT)
        )
        return [mapping.contact(it) for it in query]

    @staticmethod
    def thanks(status: str) -> Iterator[dict[str, Any]]:
        """The notes of a status, by date (ByStatus), as records."""
        query = Item.by_status.query(keys.thanks_status_key(status))
        for it in cast(Iterator[ThanksItem], query):
            yield {
                "thanks_id": it.thanks_id,
                "date": it.as_of.isoformat(),
                "customer_id": it.customer_id,
                "subsidiary_id": it.subsidiary_id,
                "status": it.status,
            } | json.loads(it.body)
