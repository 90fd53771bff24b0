"""What the collections API reads and writes (the use case's ActionsRepository).

Single-item reads and writes (GetItem, PutItem, DeleteItem, Query) and small
transactions where two items must change together: the API function's IAM
policy grants exactly these (template.yaml, ApiFunction). Send now evaluates
and approving sends: the daily run's and the ledger's tables serve those.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import islice
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.activity_log import ActivityLogTable, activity_item
from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.customer_partition import CustomerPartitionTable
from dunning.adapters.dynamodb.daily_run import DailyRunTable
from dunning.adapters.dynamodb.errors import first_condition_failed, typed
from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
from dunning.adapters.dynamodb.models import (
    CustomerItem,
    InvoiceItem,
    Item,
    LetterItem,
    PauseItem,
    PromiseItem,
    connection,
)
from dunning.adapters.dynamodb.payment_matches import matches_of, matches_of_letter
from dunning.adapters.dynamodb.phone_marks import PhoneMarksTable
from dunning.adapters.dynamodb.tracking import TrackingTable, with_tracking
from dunning.domain.control.audit import Activity
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.letters.payments import PaymentMatch, payments_record
from dunning.domain.model import (
    Customer,
    Letter,
    LetterStatus,
    Pause,
    Promise,
    ScopeKind,
    ScopeState,
)
from dunning.ports import Conflict


class CollectionsTable(
    DailyRunTable,
    LetterLedgerTable,
    ActivityLogTable,
    CustomerPartitionTable,
    BounceMarksTable,
    PhoneMarksTable,
    TrackingTable,
):
    """The dunning table as the collections API sees it. Every change a collector makes
    is written with its activity item in one transaction (the audit of SPEC 2.10)."""

    # --- finding things -------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer | None:
        try:
            it = CustomerItem.get(keys.cust_pk(customer_id), keys.PROFILE, consistent_read=True)
        except CustomerItem.DoesNotExist:
            return None
        return mapping.customer(it)

    def customer_of(self, kind: ScopeKind, target_id: str) -> str | None:
        """The customer an invoice or an invoice group belongs to (index ByRef)."""
        return self._ref(keys.ref_key(kind, target_id))

    def customer_of_letter(self, letter_id: str) -> str | None:
        return self._ref(keys.letter_ref(letter_id))

    @staticmethod
    def _ref(key: str) -> str | None:
        for it in Item.by_ref.query(key, limit=1):
            return it.gsi2sk
        return None

    def invoice_ids(self, customer_id: str) -> set[str]:
        query = InvoiceItem.query(
            keys.cust_pk(customer_id),
            InvoiceItem.sk.startswith(keys.INVOICE),
            attributes_to_get=["pk", "sk", "kind", "invoice_id"],
        )
        return {it.invoice_id for it in query}

    # --- pauses and promises ----------------------------------------------------------

    def put_pause(self, pause: Pause, customer: Customer, by: Activity) -> None:
        """`customer`: the profile of the pause's customer (it places the pause)."""
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(mapping.pause_item(pause, mapping.placement(customer)))
                tx.save(activity_item(by))
        except TransactWriteError as e:
            raise typed(e) from e

    def get_pause(self, customer_id: str, target: ScopeKind, target_id: str) -> Pause | None:
        try:
            it = PauseItem.get(
                keys.cust_pk(customer_id), keys.pause_sk(target, target_id), consistent_read=True
            )
        except PauseItem.DoesNotExist:
            return None
        return mapping.pause(it)

    def delete_pause(
        self, customer_id: str, target: ScopeKind, target_id: str, by: Activity
    ) -> bool:
        """True if there was a pause to delete (and the activity is recorded with it)."""
        item = PauseItem(keys.cust_pk(customer_id), keys.pause_sk(target, target_id))
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(item, condition=PauseItem.pk.exists())
                tx.save(activity_item(by))
        except TransactWriteError as e:
            if first_condition_failed(e):
                return False
            raise typed(e) from e
        return True

    def add_promise(
        self, customer: Customer, promise: Promise, pause: Pause | None, by: Activity
    ) -> tuple[Promise, bool]:
        """Store a new promise of `customer` (its profile) and the pause it brings, in
        one transaction.

        Returns the promise as stored and whether it is new: a promise of the same
        customer, currency and date is never overwritten.
        """
        where = mapping.placement(customer)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    mapping.promise_item(customer.subsidiary_id, promise),
                    condition=PromiseItem.pk.does_not_exist(),
                )
                if pause is not None:
                    tx.save(mapping.pause_item(pause, where))
                tx.save(activity_item(by))
        except TransactWriteError as e:
            if not first_condition_failed(e):
                raise typed(e) from e
            existing = PromiseItem.get(
                keys.cust_pk(promise.customer_id),
                keys.promise_sk(promise.currency, promise.date),
                consistent_read=True,
            )
            return mapping.promise(existing), False
        return promise, True

    # --- the letter ledger ------------------------------------------------------------

    def approve_letter(
        self, letter: Letter, state: ScopeState, delivery: dict[str, Any], by: Activity
    ) -> None:
        """pending_approval -> queued and the scope's new state, together (the state
        indexed under the letter's customer: letters go to the customer dunned).

        Raises Conflict when the letter is no longer pending approval.
        """
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    mapping.letter_item(letter, LetterStatus.QUEUED, delivery),
                    condition=LetterItem.status == LetterStatus.PENDING_APPROVAL,
                )
                where = (letter.subsidiary_id, letter.customer_id)
                tx.save(mapping.state_item(state, where))
                tx.save(activity_item(by))
        except TransactWriteError as e:
            if first_condition_failed(e):
                raise Conflict(f"letter {letter.letter_id} is no longer pending approval") from e
            raise typed(e) from e

    def change_letter(
        self,
        letter: Letter,
        from_status: LetterStatus,
        to_status: LetterStatus,
        delivery: dict[str, Any],
        by: Activity,
    ) -> None:
        """A collector's transition of a letter (cancel, reconcile) with its activity, in
        one transaction; Conflict when the letter is no longer in `from_status`."""
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.save(
                    mapping.letter_item(letter, to_status, delivery),
                    condition=LetterItem.status == from_status,
                )
                tx.save(activity_item(by))
        except TransactWriteError as e:
            if first_condition_failed(e):
                raise Conflict(f"letter {letter.letter_id} is no longer {from_status}") from e
            raise typed(e) from e

    def customer_letters(self, customer_id: str, limit: int) -> list[LedgerEntry]:
        """The customer's letters, newest first (letter ids start with their date)."""
        query = LetterItem.query(
            keys.cust_pk(customer_id),
            LetterItem.sk.startswith(keys.LETTER),
            scan_index_forward=False,
            consistent_read=True,
        )
        entries = [mapping.ledger_entry(it) for it in islice(query, limit)]
        if not entries:
            return []
        tracked = with_tracking(entries, self.customer_tracking(customer_id))
        return with_payments(tracked, matches_of(customer_id))

    def with_payments(self, entry: LedgerEntry) -> LedgerEntry:
        """The letter's record with the payments that quoted its reference (SPEC 2.8):
        one Query of the matches kept in the letter's partition."""
        letter = entry.letter
        (found,) = with_payments([entry], matches_of_letter(letter.customer_id, letter.letter_id))
        return found

    def letters_page(
        self, status: LetterStatus, since: date | None, limit: int
    ) -> tuple[list[LedgerEntry], bool]:
        """Up to `limit` letters of a status (oldest first), and whether there are more."""
        found = list(islice(self.letters(status, since), limit + 1))
        return found[:limit], len(found) > limit


def with_payments(entries: list[LedgerEntry], matches: list[PaymentMatch]) -> list[LedgerEntry]:
    """Each letter's history with the payments that quoted its reference, if any."""
    by_letter: dict[str, list[PaymentMatch]] = {}
    for m in matches:
        by_letter.setdefault(m.letter_id, []).append(m)
    return [
        replace(
            e, delivery=e.delivery | {"payments": payments_record(by_letter[e.letter.letter_id])}
        )
        if e.letter.letter_id in by_letter
        else e
        for e in entries
    ]
