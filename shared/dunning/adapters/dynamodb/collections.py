"""What the collections API reads and writes, on the key layout of repository.py.

Single-item reads and writes (GetItem, PutItem, DeleteItem, Query) and small
transactions where two items must change together: the API function's IAM
policy grants exactly these (template.yaml, ApiFunction).
"""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb.models import (
    ContactItem,
    CustomerItem,
    InvoiceItem,
    Item,
    LetterItem,
    PauseItem,
    PromiseItem,
)
from dunning.adapters.dynamodb.repository import (
    DunningRepository,
    _contact,
    _customer,
    _index,
    _is_conditional,
    _pause,
    _promise,
    _typed,
    cust_pk,
    ledger_entry,
)
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.model import (
    Contact,
    Customer,
    Letter,
    LetterStatus,
    Pause,
    Promise,
    ScopeKind,
    ScopeState,
)
from dunning.ports import Conflict

_REF_PREFIX = {ScopeKind.INVOICE: "INV", ScopeKind.INVOICE_GROUP: "GRP"}


def _connection() -> Connection:
    return Item._get_connection().connection


def pause_sk(target: ScopeKind, target_id: str) -> str:
    return f"PAUSE#{target}#{target_id}"


class CollectionsRepository(DunningRepository):
    """The dunning table as the collections API sees it."""

    # --- finding things -------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer | None:
        try:
            it = CustomerItem.get(cust_pk(customer_id), "PROFILE", consistent_read=True)
        except CustomerItem.DoesNotExist:
            return None
        return _customer(it)

    def customer_of(self, kind: ScopeKind, target_id: str) -> str | None:
        """The customer an invoice or an invoice group belongs to (index ByRef)."""
        return self._ref(f"{_REF_PREFIX[kind]}#{target_id}")

    def customer_of_letter(self, letter_id: str) -> str | None:
        return self._ref(f"LET#{letter_id}")

    @staticmethod
    def _ref(key: str) -> str | None:
        for it in Item.by_ref.query(key, limit=1):
            return it.gsi2sk
        return None

    def contacts(self, customer_id: str) -> list[Contact]:
        query = ContactItem.query(cust_pk(customer_id), ContactItem.sk.startswith("CONTACT#"))
        return [_contact(it) for it in query]

    def invoice_ids(self, customer_id: str) -> set[str]:
        query = InvoiceItem.query(
            cust_pk(customer_id),
            InvoiceItem.sk.startswith("INV#"),
            attributes_to_get=["pk", "sk", "kind", "invoice_id"],
        )
        return {it.invoice_id for it in query}

    # --- pauses and promises ----------------------------------------------------------

    def put_pause(self, pause: Pause, subsidiary_id: str, root: str) -> None:
        try:
            self._pause_item(pause, subsidiary_id, root).save()
        except PutError as e:
            raise _typed(e) from e

    def get_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> Pause | None:
        try:
            it = PauseItem.get(
                cust_pk(customer_id), pause_sk(target, target_id), consistent_read=True
            )
        except PauseItem.DoesNotExist:
            return None
        return _pause(it)

    def delete_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> bool:
        """True if there was a pause to delete."""
        item = PauseItem(cust_pk(customer_id), pause_sk(target, target_id))
        try:
            item.delete(condition=PauseItem.pk.exists())
        except DeleteError as e:
            if _is_conditional(e):
                return False
            raise _typed(e) from e
        return True

    def add_promise(
        self, subsidiary_id: str, root: str, promise: Promise, pause: Pause | None
    ) -> tuple[Promise, bool]:
        """Store a new promise (and the pause it brings) in one transaction.

        Returns the promise as stored and whether it is new: a promise of the same
        customer, currency and date is never overwritten.
        """
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(
                    self._promise_item(subsidiary_id, promise),
                    condition=PromiseItem.pk.does_not_exist(),
                )
                if pause is not None:
                    tx.save(self._pause_item(pause, subsidiary_id, root))
        except TransactWriteError as e:
            reasons = e.cancellation_reasons or []
            if not (
                reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"
            ):
                raise _typed(e) from e
            existing = PromiseItem.get(
                cust_pk(promise.customer_id),
                f"PROMISE#{promise.currency}#{promise.date.isoformat()}",
                consistent_read=True,
            )
            return _promise(existing), False
        return promise, True

    @staticmethod
    def _pause_item(pause: Pause, subsidiary_id: str, root: str) -> PauseItem:
        it = PauseItem(
            cust_pk(pause.customer_id),
            pause_sk(pause.target, pause.target_id),
            target=str(pause.target),
            target_id=pause.target_id,
            customer_id=pause.customer_id,
            reason=str(pause.reason),
            note=pause.note,
            until=pause.until,
        )
        _index(it, subsidiary_id, root, pause.customer_id)
        return it

    # --- the letter ledger ------------------------------------------------------------

    def approve_letter(
        self, letter: Letter, state: ScopeState, root: str, delivery: dict[str, Any]
    ) -> None:
        """pending_approval -> queued and the scope's new state, together.

        Raises Conflict when the letter is no longer pending approval.
        """
        try:
            with TransactWrite(connection=_connection()) as tx:
                tx.save(
                    self._letter_item(letter, LetterStatus.QUEUED, delivery),
                    condition=LetterItem.status == LetterStatus.PENDING_APPROVAL,
                )
                tx.save(self._state_item(letter.subsidiary_id, root, state))
        except TransactWriteError as e:
            reasons = e.cancellation_reasons or []
            if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
                raise Conflict(f"letter {letter.letter_id} is no longer pending approval") from e
            raise _typed(e) from e

    def customer_letters(self, customer_id: str, limit: int) -> list[LedgerEntry]:
        """The customer's letters, newest first (letter ids start with their date)."""
        query = LetterItem.query(
            cust_pk(customer_id),
            LetterItem.sk.startswith("LETTER#"),
            scan_index_forward=False,
            consistent_read=True,
        )
        return [ledger_entry(it) for it in islice(query, limit)]

    def letters_page(
        self, status: LetterStatus, since: date | None, limit: int
    ) -> tuple[list[LedgerEntry], bool]:
        """Up to `limit` letters of a status (oldest first), and whether there are more."""
        found = list(islice(self.letters(status, since), limit + 1))
        return found[:limit], len(found) > limit
