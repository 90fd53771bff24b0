"""The daily run's reads and writes: the fan-out's (RunRepository) and evaluation's
(EvaluationRepository)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.batch import write
from dunning.adapters.dynamodb.errors import failed_conditions, typed
from dunning.adapters.dynamodb.figures import figure_row, history_invoice
from dunning.adapters.dynamodb.letter_ledger import TRANSACTION_ITEMS, LetterLedgerTable
from dunning.adapters.dynamodb.letter_watch import letter_watch, watch_item
from dunning.adapters.dynamodb.models import (
    ContactItem,
    CreditItem,
    CustomerItem,
    FigureItem,
    GroupItem,
    HistoryItem,
    InvoiceItem,
    Item,
    LetterItem,
    MarkItem,
    PauseItem,
    PromiseItem,
    StateItem,
    WatchItem,
    connection,
)
from dunning.domain.engine.run import Snapshot
from dunning.domain.figures.figures import FigureRow
from dunning.domain.figures.paid_within import LetterWatch
from dunning.domain.model import (
    Contact,
    Customer,
    Invoice,
    Letter,
    LetterStatus,
    Promise,
    ScopeRef,
    ScopeState,
)

SKIP_KEPT = timedelta(days=35)  # how long a skipped day stays under "needs attention"


class DailyRunTable:
    """Who a subsidiary duns, a shard's items, and what evaluating them changed."""

    # --- the fan-out ------------------------------------------------------------------

    def last_import(self, subsidiary_id: str) -> datetime | None:
        try:
            mark = MarkItem.get(keys.shard_key(subsidiary_id), keys.IMPORT_MARK)
        except MarkItem.DoesNotExist:
            return None
        return datetime.fromisoformat(mark.at)

    def roster(self, subsidiary_id: str) -> list[str]:
        """The customers a subsidiary duns, sorted: the scheduler cuts shards from it."""
        return [
            it.gsi2sk
            for it in Item.by_ref.query(keys.roster_key(subsidiary_id))
            if it.gsi2sk is not None
        ]

    def has_run(self, subsidiary_id: str, as_of: date) -> bool:
        """Whether every shard of (subsidiary, day) was sent (strongly consistent)."""
        try:
            MarkItem.get(keys.shard_key(subsidiary_id), keys.run_sk(as_of), consistent_read=True)
        except MarkItem.DoesNotExist:
            return False
        return True

    def record_run(self, subsidiary_id: str, as_of: date, detail: str) -> None:
        """Mark (subsidiary, day) as fanned out; written only once all its shards were sent,
        so a failed fan-out leaves no mark and its retry sends the day again."""
        mark = MarkItem(
            keys.shard_key(subsidiary_id), keys.run_sk(as_of), at=mapping.now(), detail=detail
        )
        try:
            mark.save()
        except PutError as e:
            raise typed(e) from e

    def record_skip(self, subsidiary_id: str, as_of: date, why: str) -> None:
        """A day the freshness guard held back: the dashboard lists it for a while."""
        expires = int((datetime.combine(as_of, time(0), UTC) + SKIP_KEPT).timestamp())
        mark = MarkItem(
            keys.shard_key(subsidiary_id),
            keys.skip_sk(as_of),
            at=mapping.now(),
            detail=why,
            expires_at=expires,
        )
        try:
            mark.save()
        except PutError as e:
            raise typed(e) from e

    # --- evaluation -------------------------------------------------------------------

    def load_shard(self, subsidiary_id: str, first: str, last: str) -> Snapshot:
        parts: dict[type, list[Any]] = {}
        pending: set[ScopeRef] = set()
        history: list[Invoice] = []
        figures: list[FigureRow] = []
        watches: list[LetterWatch] = []
        query = Item.by_shard.query(keys.shard_key(subsidiary_id), Item.gsi1sk.between(first, last))
        for it in query:
            if isinstance(it, LetterItem):
                pending.add(mapping.held_scope(it))
            elif isinstance(it, HistoryItem):
                history.append(history_invoice(it))
            elif isinstance(it, FigureItem):
                figures.append(figure_row(it))
            elif isinstance(it, WatchItem):
                watches.append(letter_watch(it))
            else:
                parts.setdefault(type(it), []).append(mapping.to_domain(it))
        return Snapshot(
            customers=parts.get(CustomerItem, []),
            invoices=parts.get(InvoiceItem, []),
            credits=parts.get(CreditItem, []),
            groups=parts.get(GroupItem, []),
            pauses=parts.get(PauseItem, []),
            states=parts.get(StateItem, []),
            promises=parts.get(PromiseItem, []),
            pending=frozenset(pending),
            history=history,
            figures=figures,
            watches=watches,
        )

    def save_states(
        self, subsidiary_id: str, customers: Iterable[Customer], states: Iterable[ScopeState]
    ) -> int:
        """States of `customers` (the profiles the caller holds: the shard it loaded),
        each indexed under the customer it is dunned as; a state of a customer not
        among them is indexed under that customer itself."""
        dunned = {c.customer_id: mapping.billed_to_of(c) for c in customers}
        return write(
            mapping.state_item(s, (subsidiary_id, dunned.get(s.customer_id, s.customer_id)))
            for s in states
        )

    def save_promises(self, subsidiary_id: str, promises: Iterable[Promise]) -> int:
        return write(mapping.promise_item(subsidiary_id, p) for p in promises)

    def contacts(self, customer_id: str) -> list[Contact]:
        query = ContactItem.query(
            keys.cust_pk(customer_id), ContactItem.sk.startswith(keys.CONTACT)
        )
        return [mapping.contact(it) for it in query]

    def record_letters(
        self,
        letters: Sequence[Letter],
        status_of: dict[str, LetterStatus],
        deliveries: dict[str, dict[str, Any]] | None = None,
        watches: Sequence[LetterWatch] = (),
    ) -> list[Letter]:
        """Write each new letter to the ledger; returns those not delivered yet (to enqueue).

        Up to 100 letters per TransactWriteItems, each conditional on its id being
        new: a letter id already in the ledger is left as it is, so a redelivered
        evaluation message cannot reset a letter that is being sent. A letter's watch
        (`watches`, by letter id: figures.paid_within) is written in the same
        transaction, so it exists exactly when its letter does and a redelivery does
        not start it again (50 letters per transaction then).
        """
        watched = {w.letter_id: w for w in watches}
        per = TRANSACTION_ITEMS // 2 if watched else TRANSACTION_ITEMS
        fresh: list[Letter] = []
        for start in range(0, len(letters), per):
            chunk = list(letters[start : start + per])
            fresh += _record_chunk(chunk, status_of, deliveries or {}, watched)
        return fresh


def _record_chunk(
    pending: list[Letter],
    status_of: dict[str, LetterStatus],
    deliveries: dict[str, dict[str, Any]],
    watched: dict[str, LetterWatch],
) -> list[Letter]:
    fresh: list[Letter] = []
    while pending:
        try:
            with TransactWrite(connection=connection()) as tx:
                for letter in pending:
                    delivery = deliveries.get(letter.letter_id, {})
                    item = mapping.letter_item(letter, status_of[letter.letter_id], delivery)
                    tx.save(item, condition=LetterItem.pk.does_not_exist())
                    if letter.letter_id in watched:
                        tx.save(watch_item(watched[letter.letter_id]))
            return fresh + pending
        except TransactWriteError as e:
            actions = failed_conditions(e)
            known = [
                actions[i] if i < len(actions) else False for i in _letter_actions(pending, watched)
            ]
            if not any(known):
                raise typed(e) from e
            for letter, exists in zip(pending, known, strict=False):
                if exists and _still_queued(letter):
                    fresh.append(letter)
            pending = [p for p, exists in zip(pending, known, strict=False) if not exists]
    return fresh


def _letter_actions(pending: list[Letter], watched: dict[str, LetterWatch]) -> list[int]:
    """The index of each letter's own action in its transaction."""
    out: list[int] = []
    at = 0
    for letter in pending:
        out.append(at)
        at += 2 if letter.letter_id in watched else 1
    return out


def _still_queued(letter: Letter) -> bool:
    existing = LetterLedgerTable.get_letter(letter.customer_id, letter.letter_id)
    return existing is not None and existing.status == LetterStatus.QUEUED
