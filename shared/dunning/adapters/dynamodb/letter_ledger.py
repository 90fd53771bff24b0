"""The letter ledger (sending's port, LedgerRepository): one item per letter id, its
state changed only by conditional writes, so a letter is never sent twice."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, cast

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite
from tenacity import Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_random_exponential as full_jitter

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.errors import (
    cancellation_codes,
    failed_conditions,
    is_conditional,
    typed,
)
from dunning.adapters.dynamodb.mapping import ledger_entry, letter_item, records
from dunning.adapters.dynamodb.models import (
    ActivityItem,
    AddressItem,
    FigureItem,
    HistoryItem,
    Item,
    LetterItem,
    MarkItem,
    PaymentMatchItem,
    StateItem,
    WatchItem,
    connection,
)
from dunning.domain.delivery.ledger import LedgerEntry, Transition
from dunning.domain.delivery.print_queue import PrintEntry
from dunning.domain.delivery.refresh import CustomerRecords
from dunning.domain.delivery.routing import address_key
from dunning.domain.model import Letter, LetterStatus
from dunning.domain.sms import phone_key
from dunning.ports import Conflict

TRANSACTION_ITEMS = 100  # TransactWriteItems' limit
TRANSACTION_BYTES = 2_000_000  # well below its 4 MB

# What sending never needs of a customer's partition: its other letters and its activity
# log (they grow with every month of history), its scope states and its dashboard
# figures, letter watches, payment matches and marks. Filtered by kind: keys cannot be.
_NOT_FOR_SENDING = ~Item.kind.is_in(
    LetterItem,
    StateItem,
    ActivityItem,
    HistoryItem,
    FigureItem,
    WatchItem,
    PaymentMatchItem,
    MarkItem,
)


class LetterLedgerTable:
    """The ledger's reads and writes, and the fresh re-read of a customer before sending."""

    @staticmethod
    def get_letter(customer_id: str, letter_id: str) -> LedgerEntry | None:
        try:
            it = LetterItem.get(
                keys.cust_pk(customer_id), keys.letter_sk(letter_id), consistent_read=True
            )
        except LetterItem.DoesNotExist:
            return None
        return ledger_entry(it)

    def transition_letter(
        self,
        letter: Letter,
        from_status: LetterStatus | Sequence[LetterStatus],
        to_status: LetterStatus,
        delivery: dict[str, Any],
    ) -> None:
        """Move a ledger item between states; raises Conflict if it was not in from_status
        (one state, or any of several)."""
        allowed = [from_status] if isinstance(from_status, LetterStatus) else list(from_status)
        item = letter_item(letter, to_status, delivery)
        try:
            item.save(condition=LetterItem.status.is_in(*allowed))
        except PutError as e:
            if is_conditional(e):
                was = " or ".join(allowed)
                raise Conflict(f"letter {letter.letter_id} is no longer {was}") from e
            raise typed(e) from e

    def transition_letters(self, changes: Sequence[Transition]) -> frozenset[str]:
        """Several transitions as few writes, each conditional on its allowed states as
        transition_letter is, in
        TransactWriteItems of up to 100 letters and ~2 MB (one change: a PutItem; one
        letter at most once). Returns the ids of the letters found in another state:
        those are left as they are, every other change is written."""
        latest = {change.letter.letter_id: change for change in changes}  # one write per item
        conflicts: set[str] = set()
        for chunk in transaction_chunks(list(latest.values()), letter_item):
            conflicts |= self._transition_chunk(chunk)
        return frozenset(conflicts)

    def _transition_chunk(self, pending: list[tuple[Transition, LetterItem]]) -> set[str]:
        conflicts: set[str] = set()
        while len(pending) > 1:
            try:
                _write_together(pending)
                return conflicts
            except TransactWriteError as e:
                lost = failed_conditions(e)
                if not any(lost):
                    break  # refused whole (a limit, an outage): one write per letter below
                flagged = list(
                    zip(pending, lost, strict=False)
                )  # leave those out, write the others
                conflicts |= {change.letter.letter_id for (change, _), hit in flagged if hit}
                pending = [p for p, hit in flagged if not hit]
        for change, _ in pending:
            try:
                self.transition_letter(change.letter, change.allowed, change.to, change.delivery)
            except Conflict:
                conflicts.add(change.letter.letter_id)
        return conflicts

    @staticmethod
    def mark_unaddressed(entry: PrintEntry) -> None:
        """A letter queued for print without a postal address, listed by day (ByStatus
        UNADDRESSED) under needs attention."""
        it = MarkItem(
            keys.cust_pk(entry.customer_id),
            keys.unaddressed_sk(entry.letter_id),
            at=entry.day.isoformat(),
            detail=json.dumps(
                {
                    "letter_id": entry.letter_id,
                    "customer_id": entry.customer_id,
                    "subsidiary_id": entry.subsidiary_id,
                    "day": entry.day.isoformat(),
                    "pdf_key": entry.pdf_key,
                }
            ),
        )
        keys.by_unaddressed(it, entry.day, entry.letter_id)
        try:
            it.save()
        except PutError as e:
            raise typed(e) from e

    def claim_letter(
        self, letter: Letter, delivery: dict[str, Any], addresses: Sequence[str]
    ) -> frozenset[str]:
        """queued -> claimed, in one transaction with a check that none of `addresses`
        is marked bounced (strongly consistent, and no extra read). `addresses` may hold
        phone numbers too (E.164): their opt-out marks are checked the same way.

        Returns the addresses found marked (address keys): then nothing is claimed and
        the caller routes again without them. Raises Conflict if the letter is no
        longer queued.
        """
        item = letter_item(letter, LetterStatus.CLAIMED, delivery)
        marks = list(dict.fromkeys(_mark_of(a) for a in addresses))
        if not marks:
            self.transition_letter(letter, LetterStatus.QUEUED, LetterStatus.CLAIMED, delivery)
            return frozenset()
        try:
            with TransactWrite(connection=connection()) as tx:
                for mark in marks:
                    tx.condition_check(
                        AddressItem, *keys.mark_key(mark), AddressItem.pk.does_not_exist()
                    )
                tx.save(item, condition=LetterItem.status == LetterStatus.QUEUED)
        except TransactWriteError as e:
            failed = failed_conditions(e)
            if len(failed) == len(marks) + 1:
                if failed[-1]:
                    raise Conflict(f"letter {letter.letter_id} is no longer queued") from e
                marked = frozenset(k for k, hit in zip(marks, failed, strict=False) if hit)
                if marked:
                    return marked
            raise typed(e) from e
        return frozenset()

    def sending_view(
        self, customer_id: str, letter_id: str
    ) -> tuple[LedgerEntry | None, CustomerRecords]:
        """The ledger entry and the customer's records in one strongly consistent Query
        of the customer's partition (other letters and scope states filtered out)."""
        items = Item.query(
            keys.cust_pk(customer_id),
            consistent_read=True,
            filter_condition=_NOT_FOR_SENDING | (LetterItem.letter_id == letter_id),
        )
        entry = None
        rest: list[Item] = []
        for it in items:
            if isinstance(it, LetterItem):
                entry = ledger_entry(it)
            else:
                rest.append(it)
        return entry, records(rest)

    def customer_records(self, customer_id: str) -> CustomerRecords:
        """A customer's records, strongly consistent (a bill_to_parent child's, before
        its parent's letter goes out)."""
        query = Item.query(
            keys.cust_pk(customer_id), consistent_read=True, filter_condition=_NOT_FOR_SENDING
        )
        return records(query)

    def letters(self, status: LetterStatus, since: date | None = None) -> Iterator[LedgerEntry]:
        condition = LetterItem.gsi3sk >= since.isoformat() if since else None
        query = Item.by_status.query(keys.status_key(status), condition)
        for it in cast(Iterator[LetterItem], query):
            yield ledger_entry(it)


def _mark_of(address: str) -> str:
    """The key of an address's bounce mark, or of a phone number's opt-out mark."""
    if address.strip().startswith("+") and "@" not in address:
        return phone_key(address)
    return address_key(address)


def transaction_chunks(
    changes: list[Transition], item_of: Any
) -> Iterator[list[tuple[Transition, LetterItem]]]:
    """Changes with their items, cut below TransactWriteItems' limits (100 actions, 4 MB
    in all): a long letter's body can be tens of KB."""
    chunk: list[tuple[Transition, LetterItem]] = []
    size = 0
    for change in changes:
        item = item_of(change.letter, change.to, change.delivery)
        item_size = len(item.body.encode()) + 1_000  # keys, index keys, the condition
        if chunk and (len(chunk) == TRANSACTION_ITEMS or size + item_size > TRANSACTION_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append((change, item))
        size += item_size
    if chunk:
        yield chunk


def _write_together(pending: list[tuple[Transition, LetterItem]]) -> None:
    """One TransactWriteItems, each item on its own condition. A transaction that only
    met another one writing the same items (a duplicate delivery flagging a letter)
    goes through on another try, after a short jittered wait."""
    for attempt in Retrying(
        stop=stop_after_attempt(3),
        wait=full_jitter(multiplier=0.05, max=0.5),
        retry=retry_if_exception(_only_met_another_transaction),
        reraise=True,
    ):
        with attempt, TransactWrite(connection=connection()) as tx:
            for change, item in pending:
                tx.save(item, condition=LetterItem.status.is_in(*change.allowed))


def _only_met_another_transaction(e: BaseException) -> bool:
    return (
        isinstance(e, TransactWriteError)
        and "TransactionConflict" in cancellation_codes(e)
        and not any(failed_conditions(e))
    )
