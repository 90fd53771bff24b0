"""The dunning table behind the repository port: key layout and item <-> domain mapping.

Keys (all strings):
  pk CUST#<customer>  sk PROFILE | CONTACT#<email> | INV#<id> | CRED#<id> | GRP#<id>
                         | PAUSE#<target>#<id> | STATE#<scope>#<scope id>#<currency>
                         | PROMISE#<currency>#<date> | LETTER#<letter id>
                         | CHILD#<customer billed to this one>
  pk SUB#<subsidiary> sk IMPORT | RUN#<as_of>
  pk EMAIL#<address, lower case> sk BOUNCE   an address SES reported bouncing
  ByShard  SUB#<subsidiary> / <dunned customer>#<customer>#<sk>   what evaluation reads
  ByRef    INV#<id> | GRP#<id> | LET#<id> / <customer>;  ROSTER#<subsidiary> / <customer>
  ByStatus LETTERS#<status> / <as_of>#<letter id>
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, PynamoDBConnectionError, TransactWriteError
from pynamodb.transactions import TransactWrite

from dunning.adapters.dynamodb.batch import BatchWriter
from dunning.adapters.dynamodb.models import (
    AddressItem,
    ChildItem,
    ContactItem,
    CreditItem,
    CustomerItem,
    GroupItem,
    InvoiceItem,
    Item,
    LetterItem,
    MarkItem,
    PauseItem,
    PromiseItem,
    StateItem,
)
from dunning.domain.delivery.ledger import LedgerEntry, Transition
from dunning.domain.delivery.refresh import CustomerRecords
from dunning.domain.delivery.routing import address_key
from dunning.domain.engine.run import Snapshot
from dunning.domain.letters.codec import letter_from_dict, letter_to_dict
from dunning.domain.model import (
    Contact,
    Credit,
    CreditKind,
    Customer,
    Delivery,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
    Letter,
    LetterStatus,
    Pause,
    PauseReason,
    Promise,
    ScopeKind,
    ScopeRef,
    ScopeState,
    billed_to,
)
from dunning.ports import Conflict, TransientError

HIGH = "\uffff"  # sorts after every id: closes a key range
TRANSACTION_ITEMS = 100  # TransactWriteItems' limit
TRANSACTION_BYTES = 2_000_000  # well below its 4 MB


def _connection() -> Connection:
    """The models' own connection (and botocore client) serves transactions too."""
    return Item._get_connection().connection


def cust_pk(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def shard_key(subsidiary_id: str) -> str:
    return f"SUB#{subsidiary_id}"


def _index(item: Item, subsidiary_id: str, root: str, customer_id: str) -> None:
    """Put an item in the sparse ByShard index under the customer that is dunned."""
    item.gsi1pk = shard_key(subsidiary_id)
    item.gsi1sk = f"{root}#{customer_id}#{item.sk}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DunningRepository:
    """All reads and writes of the dunning table. Writes are batched by PynamoDB (25),
    or by `writer` when one is set (the import's: UnprocessedItems retried with backoff)."""

    writer: BatchWriter | None = None

    # --- imports -------------------------------------------------------------------

    def put_customers(self, customers: Iterable[Customer]) -> int:
        """Returns the customers written. A bill_to_parent customer also leaves a
        CHILD#<child> marker under its parent: the fresh re-read before sending
        (sending_view) follows it to the child's invoices, credits and pauses."""
        written = 0

        def items() -> Iterator[Item]:
            nonlocal written
            for c in customers:
                written += 1
                yield self._customer_item(c)
                if c.bill_to_parent and c.parent_id:
                    yield ChildItem(
                        cust_pk(c.parent_id),
                        f"CHILD#{c.customer_id}",
                        customer_id=c.customer_id,
                        parent_id=c.parent_id,
                    )

        self._write(items())
        return written

    def put_contacts(self, contacts: Iterable[Contact]) -> int:
        return self._write(
            ContactItem(
                cust_pk(c.customer_id),
                f"CONTACT#{c.email.lower()}",
                customer_id=c.customer_id,
                name=c.name,
                email=c.email,
                department=c.department,
                role=c.role,
            )
            for c in contacts
        )

    def put_groups(self, groups: Iterable[InvoiceGroup], roots: dict[str, tuple[str, str]]) -> int:
        def item(g: InvoiceGroup) -> GroupItem:
            it = GroupItem(
                cust_pk(g.customer_id),
                f"GRP#{g.group_id}",
                group_id=g.group_id,
                customer_id=g.customer_id,
                procedure_id=g.procedure_id,
            )
            it.gsi2pk, it.gsi2sk = f"GRP#{g.group_id}", g.customer_id
            _index(it, *roots[g.customer_id], g.customer_id)
            return it

        return self._write(item(g) for g in groups)

    def put_invoices(self, invoices: Iterable[Invoice], roots: dict[str, tuple[str, str]]) -> int:
        return self._write(self._invoice_item(i, roots) for i in invoices)

    def put_credits(self, credits: Iterable[Credit], roots: dict[str, tuple[str, str]]) -> int:
        def item(c: Credit) -> CreditItem:
            it = CreditItem(
                cust_pk(c.customer_id),
                f"CRED#{c.credit_id}",
                credit_id=c.credit_id,
                customer_id=c.customer_id,
                currency=c.currency,
                date=c.date,
                amount_unapplied=c.amount_unapplied,
                credit_kind=str(c.kind),
            )
            if c.amount_unapplied > 0:
                _index(it, *roots[c.customer_id], c.customer_id)
            return it

        return self._write(item(c) for c in credits)

    def customer_roots(self, customer_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """customer id -> (subsidiary, dunned customer) for the ids that exist."""
        keys = [(cust_pk(c), "PROFILE") for c in set(customer_ids)]
        return {
            c.customer_id: (c.subsidiary_id, self._root(c))
            for c in CustomerItem.batch_get(
                keys,
                attributes_to_get=["customer_id", "subsidiary_id", "parent_id", "bill_to_parent"],
            )
        }

    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None:
        MarkItem(shard_key(subsidiary_id), "IMPORT", at=at.isoformat(), detail=detail).save()

    def last_import(self, subsidiary_id: str) -> datetime | None:
        try:
            mark = MarkItem.get(shard_key(subsidiary_id), "IMPORT")
        except MarkItem.DoesNotExist:
            return None
        return datetime.fromisoformat(mark.at)

    # --- the daily run -------------------------------------------------------------

    def roster(self, subsidiary_id: str) -> list[str]:
        """The customers a subsidiary duns, sorted: the scheduler cuts shards from it."""
        return [
            it.gsi2sk
            for it in Item.by_ref.query(f"ROSTER#{subsidiary_id}")
            if it.gsi2sk is not None
        ]

    def claim_run(self, subsidiary_id: str, as_of: date, detail: str) -> bool:
        """True once per (subsidiary, day): a redelivered schedule event fans out nothing."""
        mark = MarkItem(
            shard_key(subsidiary_id), f"RUN#{as_of.isoformat()}", at=_now(), detail=detail
        )
        try:
            mark.save(condition=MarkItem.pk.does_not_exist())
        except PutError as e:
            if _is_conditional(e):
                return False
            raise _typed(e) from e
        return True

    def load_shard(self, subsidiary_id: str, first: str, last: str) -> Snapshot:
        parts: dict[type, list[Any]] = {}
        pending: set[ScopeRef] = set()
        query = Item.by_shard.query(
            shard_key(subsidiary_id), Item.gsi1sk.between(f"{first}#", f"{last}#{HIGH}")
        )
        for it in query:
            if isinstance(it, LetterItem):
                body = json.loads(it.body)
                pending.add(ScopeRef(ScopeKind(body["scope"]), body["scope_id"], body["currency"]))
            else:
                parts.setdefault(type(it), []).append(_to_domain(it))
        return Snapshot(
            customers=parts.get(CustomerItem, []),
            invoices=parts.get(InvoiceItem, []),
            credits=parts.get(CreditItem, []),
            groups=parts.get(GroupItem, []),
            pauses=parts.get(PauseItem, []),
            states=parts.get(StateItem, []),
            promises=parts.get(PromiseItem, []),
            pending=frozenset(pending),
        )

    def save_states(
        self, subsidiary_id: str, root_of: dict[str, str], states: Iterable[ScopeState]
    ) -> int:
        return self._write(
            self._state_item(subsidiary_id, root_of.get(s.customer_id, s.customer_id), s)
            for s in states
        )

    @staticmethod
    def _state_item(subsidiary_id: str, root: str, s: ScopeState) -> StateItem:
        ref = s.ref
        it = StateItem(
            cust_pk(s.customer_id),
            f"STATE#{ref.scope}#{ref.scope_id}#{ref.currency}",
            scope=str(ref.scope),
            scope_id=ref.scope_id,
            currency=ref.currency,
            customer_id=s.customer_id,
            level=s.level,
            last_letter_date=s.last_letter_date,
        )
        _index(it, subsidiary_id, root, s.customer_id)
        return it

    def save_promises(self, subsidiary_id: str, promises: Iterable[Promise]) -> int:
        return self._write(self._promise_item(subsidiary_id, p) for p in promises)

    def record_letters(
        self, letters: Sequence[Letter], status_of: dict[str, LetterStatus]
    ) -> list[Letter]:
        """Write each new letter to the ledger; returns those not delivered yet (to enqueue).

        Up to 100 letters per TransactWriteItems, each conditional on its id being
        new: a letter id already in the ledger is left as it is, so a redelivered
        evaluation message cannot reset a letter that is being sent.
        """
        fresh: list[Letter] = []
        for start in range(0, len(letters), TRANSACTION_ITEMS):
            fresh += self._record_chunk(list(letters[start : start + TRANSACTION_ITEMS]), status_of)
        return fresh

    def _record_chunk(
        self, pending: list[Letter], status_of: dict[str, LetterStatus]
    ) -> list[Letter]:
        fresh: list[Letter] = []
        while pending:
            try:
                with TransactWrite(connection=_connection()) as tx:
                    for letter in pending:
                        item = self._letter_item(letter, status_of[letter.letter_id], {})
                        tx.save(item, condition=LetterItem.pk.does_not_exist())
                return fresh + pending
            except TransactWriteError as e:
                reasons = e.cancellation_reasons or []
                known = [r is not None and r.code == "ConditionalCheckFailed" for r in reasons]
                if not any(known):
                    raise _typed(e) from e
                for letter, exists in zip(pending, known, strict=False):
                    if exists and self._still_queued(letter):
                        fresh.append(letter)
                pending = [p for p, exists in zip(pending, known, strict=False) if not exists]
        return fresh

    def _still_queued(self, letter: Letter) -> bool:
        existing = self.get_letter(letter.customer_id, letter.letter_id)
        return existing is not None and existing.status == LetterStatus.QUEUED

    # --- the letter ledger ---------------------------------------------------------

    def get_letter(self, customer_id: str, letter_id: str) -> LedgerEntry | None:
        try:
            it = LetterItem.get(cust_pk(customer_id), f"LETTER#{letter_id}", consistent_read=True)
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
        item = self._letter_item(letter, to_status, delivery)
        try:
            item.save(condition=LetterItem.status.is_in(*allowed))
        except PutError as e:
            if _is_conditional(e):
                was = " or ".join(allowed)
                raise Conflict(f"letter {letter.letter_id} is no longer {was}") from e
            raise _typed(e) from e

    def transition_letters(self, changes: Sequence[Transition]) -> frozenset[str]:
        """Several transitions as few writes, each conditional on its allowed states as
        transition_letter is, in
        TransactWriteItems of up to 100 letters and ~2 MB (one change: a PutItem; one
        letter at most once). Returns the ids of the letters found in another state:
        those are left as they are, every other change is written."""
        latest = {change.letter.letter_id: change for change in changes}  # one write per item
        conflicts: set[str] = set()
        for chunk in _transaction_chunks(list(latest.values()), self._letter_item):
            conflicts |= self._transition_chunk(chunk)
        return frozenset(conflicts)

    def _transition_chunk(self, pending: list[tuple[Transition, LetterItem]]) -> set[str]:
        conflicts: set[str] = set()
        attempts = 0
        while len(pending) > 1:
            try:
                with TransactWrite(connection=_connection()) as tx:
                    for change, item in pending:
                        tx.save(item, condition=LetterItem.status.is_in(*change.allowed))
                return conflicts
            except TransactWriteError as e:
                codes = [r.code if r is not None else None for r in e.cancellation_reasons or []]
                lost = [code == "ConditionalCheckFailed" for code in codes]
                attempts += 1
                if any(lost):  # leave those out, write the others
                    flagged = list(zip(pending, lost, strict=False))
                    conflicts |= {change.letter.letter_id for (change, _), hit in flagged if hit}
                    pending = [p for p, hit in flagged if not hit]
                elif _worth_retrying(codes, attempts):
                    time.sleep(0.05 * attempts)
                else:
                    break  # refused whole (a limit, an outage): one write per letter below
        for change, _ in pending:
            try:
                self.transition_letter(change.letter, change.allowed, change.to, change.delivery)
            except Conflict:
                conflicts.add(change.letter.letter_id)
        return conflicts

    def claim_letter(
        self, letter: Letter, delivery: dict[str, Any], addresses: Sequence[str]
    ) -> frozenset[str]:
        """queued -> claimed, in one transaction with a check that none of `addresses`
        is marked bounced (strongly consistent, and no extra read).

        Returns the addresses found marked (address keys): then nothing is claimed and
        the caller routes again without them. Raises Conflict if the letter is no
        longer queued.
        """
        item = self._letter_item(letter, LetterStatus.CLAIMED, delivery)
        keys = list(dict.fromkeys(address_key(a) for a in addresses))
        if not keys:
            self.transition_letter(letter, LetterStatus.QUEUED, LetterStatus.CLAIMED, delivery)
            return frozenset()
        try:
            with TransactWrite(connection=_connection()) as tx:
                for key in keys:
                    tx.condition_check(
                        AddressItem, f"EMAIL#{key}", "BOUNCE", AddressItem.pk.does_not_exist()
                    )
                tx.save(item, condition=LetterItem.status == LetterStatus.QUEUED)
        except TransactWriteError as e:
            reasons = e.cancellation_reasons or []
            failed = [r is not None and r.code == "ConditionalCheckFailed" for r in reasons]
            if len(failed) == len(keys) + 1:
                if failed[-1]:
                    raise Conflict(f"letter {letter.letter_id} is no longer queued") from e
                marked = frozenset(k for k, hit in zip(keys, failed, strict=False) if hit)
                if marked:
                    return marked
            raise _typed(e) from e
        return frozenset()

    def sending_view(
        self, customer_id: str, letter_id: str
    ) -> tuple[LedgerEntry | None, CustomerRecords]:
        """The ledger entry and the customer's records in one strongly consistent Query
        of the customer's partition (other letters and scope states filtered out)."""
        items = Item.query(
            cust_pk(customer_id),
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
        return entry, _records(rest)

    def customer_records(self, customer_id: str) -> CustomerRecords:
        """A customer's records, strongly consistent (a bill_to_parent child's, before
        its parent's letter goes out)."""
        query = Item.query(
            cust_pk(customer_id), consistent_read=True, filter_condition=_NOT_FOR_SENDING
        )
        return _records(query)

    def mark_address(
        self, address: str, reason: str, at: datetime, detail: str, letter_id: str | None
    ) -> None:
        """Record that SES reported `address` bouncing or complaining (idempotent)."""
        key = address_key(address)
        AddressItem(
            f"EMAIL#{key}",
            "BOUNCE",
            address=key,
            reason=reason,
            at=at.isoformat(timespec="seconds"),
            detail=detail[:1000] or None,
            letter_id=letter_id,
        ).save()

    def marked_addresses(self, addresses: Iterable[str]) -> frozenset[str]:
        """Which of `addresses` are marked (address keys), strongly consistent."""
        keys = [(f"EMAIL#{k}", "BOUNCE") for k in dict.fromkeys(map(address_key, addresses))]
        if not keys:
            return frozenset()
        found = AddressItem.batch_get(keys, consistent_read=True, attributes_to_get=["address"])
        return frozenset(it.address for it in found)

    def letters(self, status: LetterStatus, since: date | None = None) -> Iterator[LedgerEntry]:
        condition = LetterItem.gsi3sk >= since.isoformat() if since else None
        for it in cast(Iterator[LetterItem], Item.by_status.query(f"LETTERS#{status}", condition)):
            yield ledger_entry(it)

    # --- mapping -------------------------------------------------------------------

    @staticmethod
    def _root(c: CustomerItem | Customer) -> str:
        return billed_to(c.customer_id, c.parent_id, bool(c.bill_to_parent))

    def _customer_item(self, c: Customer) -> CustomerItem:
        it = CustomerItem(
            cust_pk(c.customer_id),
            "PROFILE",
            customer_id=c.customer_id,
            subsidiary_id=c.subsidiary_id,
            name=c.name,
            emails=list(c.emails),
            language=c.language,
            currency=c.currency,
            parent_id=c.parent_id,
            bill_to_parent=c.bill_to_parent,
            procedure_id=c.procedure_id,
            delivery=str(c.delivery),
            manager_email=c.manager_email,
            tags=list(c.tags),
            exclude_customer_email=c.exclude_customer_email,
            split_by_department=c.split_by_department,
        )
        root = self._root(c)
        _index(it, c.subsidiary_id, root, c.customer_id)
        if root == c.customer_id:
            it.gsi2pk, it.gsi2sk = f"ROSTER#{c.subsidiary_id}", c.customer_id
        return it

    @staticmethod
    def _invoice_item(i: Invoice, roots: dict[str, tuple[str, str]]) -> InvoiceItem:
        it = InvoiceItem(
            cust_pk(i.customer_id),
            f"INV#{i.invoice_id}",
            invoice_id=i.invoice_id,
            customer_id=i.customer_id,
            number=i.number,
            issue_date=i.issue_date,
            due_date=i.due_date,
            currency=i.currency,
            amount=i.amount,
            amount_remaining=i.amount_remaining,
            department=i.department,
            group_id=i.group_id,
            procedure_id=i.procedure_id,
            status=str(i.status),
            paid_date=i.paid_date,
        )
        it.gsi2pk, it.gsi2sk = f"INV#{i.invoice_id}", i.customer_id
        if i.is_open:  # the index holds open items only: paid history costs evaluation nothing
            _index(it, *roots[i.customer_id], i.customer_id)
        return it

    @staticmethod
    def _promise_item(subsidiary_id: str, p: Promise) -> PromiseItem:
        it = PromiseItem(
            cust_pk(p.customer_id),
            f"PROMISE#{p.currency}#{p.date.isoformat()}",
            customer_id=p.customer_id,
            amount=p.amount,
            currency=p.currency,
            date=p.date,
            balance_at_promise=p.balance_at_promise,
            broken=p.broken,
        )
        if not p.broken:
            _index(it, subsidiary_id, p.customer_id, p.customer_id)
        return it

    @staticmethod
    def _letter_item(letter: Letter, status: LetterStatus, delivery: dict[str, Any]) -> LetterItem:
        body = letter_to_dict(letter) | {"delivery": delivery}
        it = LetterItem(
            cust_pk(letter.customer_id),
            f"LETTER#{letter.letter_id}",
            letter_id=letter.letter_id,
            customer_id=letter.customer_id,
            subsidiary_id=letter.subsidiary_id,
            as_of=letter.as_of,
            status=status,
            body=json.dumps(body),
            updated_at=_now(),
        )
        it.gsi2pk, it.gsi2sk = f"LET#{letter.letter_id}", letter.customer_id
        it.gsi3pk, it.gsi3sk = f"LETTERS#{status}", f"{letter.as_of.isoformat()}#{letter.letter_id}"
        if status == LetterStatus.PENDING_APPROVAL:  # holds its scope until approved
            _index(it, letter.subsidiary_id, letter.customer_id, letter.customer_id)
        return it

    def _write(self, items: Iterable[Item]) -> int:
        if self.writer is not None:
            return self.writer.put_all(it.serialize() for it in items)
        count = 0
        try:
            with Item.batch_write() as batch:
                for it in items:
                    batch.save(it)
                    count += 1
        except (PutError, PynamoDBConnectionError) as e:
            raise _typed(e) from e
        return count


# What sending never needs of a customer's partition: its other letters (they grow with
# every month of history) and its scope states. Filtered by kind: keys cannot be filtered.
_NOT_FOR_SENDING = ~Item.kind.is_in(LetterItem, StateItem)


def _transaction_chunks(
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


def _worth_retrying(codes: list[str | None], attempts: int) -> bool:
    """A transaction that only met another one writing the same items (a duplicate
    delivery flagging a letter) goes through on a second try."""
    return attempts < 3 and "TransactionConflict" in codes


def _is_conditional(e: Exception) -> bool:
    return getattr(e, "cause_response_code", None) == "ConditionalCheckFailedException"


def _typed(e: Exception) -> Exception:
    code = getattr(e, "cause_response_code", None) or ""
    if "Throttl" in code or code in {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }:
        return TransientError(str(e))
    return e


def ledger_entry(it: LetterItem) -> LedgerEntry:
    body = json.loads(it.body)
    return LedgerEntry(letter_from_dict(body), LetterStatus(it.status), body.get("delivery", {}))


def _customer(it: CustomerItem) -> Customer:
    return Customer(
        customer_id=it.customer_id,
        subsidiary_id=it.subsidiary_id,
        name=it.name,
        emails=tuple(str(e) for e in it.emails or ()),
        language=it.language,
        currency=it.currency,
        parent_id=it.parent_id,
        bill_to_parent=bool(it.bill_to_parent),
        procedure_id=it.procedure_id,
        delivery=Delivery(it.delivery),
        manager_email=it.manager_email,
        tags=tuple(str(t) for t in it.tags or ()),
        exclude_customer_email=bool(it.exclude_customer_email),
        split_by_department=bool(it.split_by_department),
    )


def _contact(it: ContactItem) -> Contact:
    return Contact(it.customer_id, it.name, it.email, it.department, it.role)


def _invoice(it: InvoiceItem) -> Invoice:
    return Invoice(
        invoice_id=it.invoice_id,
        customer_id=it.customer_id,
        number=it.number,
        issue_date=it.issue_date,
        due_date=it.due_date,
        currency=it.currency,
        amount=it.amount,
        amount_remaining=it.amount_remaining,
        department=it.department,
        group_id=it.group_id,
        procedure_id=it.procedure_id,
        status=InvoiceStatus(it.status),
        paid_date=it.paid_date,
    )


def _credit(it: CreditItem) -> Credit:
    return Credit(
        it.credit_id,
        it.customer_id,
        it.currency,
        it.date,
        it.amount_unapplied,
        CreditKind(it.credit_kind),
    )


def _group(it: GroupItem) -> InvoiceGroup:
    return InvoiceGroup(it.group_id, it.customer_id, it.procedure_id)


def _pause(it: PauseItem) -> Pause:
    return Pause(
        ScopeKind(it.target),
        it.target_id,
        it.customer_id,
        PauseReason(it.reason),
        it.note,
        it.until,
    )


def _state(it: StateItem) -> ScopeState:
    ref = ScopeRef(ScopeKind(it.scope), it.scope_id, it.currency)
    level = int(it.level) if it.level is not None else None
    return ScopeState(ref, it.customer_id, level, it.last_letter_date)


def _promise(it: PromiseItem) -> Promise:
    return Promise(
        it.customer_id, it.amount, it.currency, it.date, it.balance_at_promise, bool(it.broken)
    )


_MAPPERS: dict[type, Any] = {
    CustomerItem: _customer,
    ContactItem: _contact,
    InvoiceItem: _invoice,
    CreditItem: _credit,
    GroupItem: _group,
    PauseItem: _pause,
    StateItem: _state,
    PromiseItem: _promise,
}


def _to_domain(it: Item) -> Any:
    return _MAPPERS[type(it)](it)


def _records(items: Iterable[Item]) -> CustomerRecords:
    """Items of one customer's partition -> what delivery needs of them."""
    customer = None
    contacts: list[Contact] = []
    invoices: list[Invoice] = []
    credits: list[Credit] = []
    pauses: list[Pause] = []
    promises: list[Promise] = []
    children: list[str] = []
    for it in items:
        if isinstance(it, CustomerItem):
            customer = _customer(it)
        elif isinstance(it, ContactItem):
            contacts.append(_contact(it))
        elif isinstance(it, InvoiceItem):
            invoices.append(_invoice(it))
        elif isinstance(it, CreditItem):
            credits.append(_credit(it))
        elif isinstance(it, PauseItem):
            pauses.append(_pause(it))
        elif isinstance(it, PromiseItem):
            promises.append(_promise(it))
        elif isinstance(it, ChildItem):
            children.append(it.customer_id)
    return CustomerRecords(
        customer,
        tuple(contacts),
        tuple(invoices),
        tuple(credits),
        tuple(pauses),
        tuple(promises),
        tuple(children),
    )
