"""The import's writes of ERP data (ImportRepository): customers, contacts, invoice
groups, invoices and credits, upserted in batches, and the subsidiary's import mark."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.activity_log import activity_item
from dunning.adapters.dynamodb.batch import BatchWriter, write
from dunning.adapters.dynamodb.figures import history_item
from dunning.adapters.dynamodb.mapping import Placement
from dunning.adapters.dynamodb.models import CustomerItem, Item, MarkItem
from dunning.adapters.dynamodb.payment_matches import put_matches
from dunning.domain.control.audit import Activity
from dunning.domain.letters.payments import payment_matches
from dunning.domain.model import Contact, Credit, Customer, Invoice, InvoiceGroup, dunned_as

MAX_CHAIN = 8  # bill_to_parent steps followed to the customer dunned


class ErpDataTable:
    """Writes are batched by PynamoDB (25), or by `writer` when one is set (the
    import's: UnprocessedItems retried with backoff)."""

    def __init__(
        self, writer: BatchWriter | None = None, today: Callable[[], date] | None = None
    ) -> None:
        self.writer = writer
        # The import's calendar: an invoice past the figures' window leaves no history.
        self.today = today

    def put_customers(self, customers: Iterable[Customer]) -> int:
        """Returns the customers written. A bill_to_parent customer also leaves a
        marker in its parent's partition: the fresh re-read before sending
        (sending_view) follows it to the child's invoices, credits and pauses."""
        rows = self._chains_resolved(list(customers))

        def items() -> Iterator[Item]:
            for c in rows:
                yield mapping.customer_item(c)
                child = mapping.child_item(c)
                if child is not None:
                    yield child

        write(items(), self.writer)
        return len(rows)

    def _chains_resolved(self, rows: list[Customer]) -> list[Customer]:
        """Each customer with who it is dunned as: the end of its bill_to_parent chain
        over this batch and the stored profiles (a grandchild is dunned as its
        grandparent, so its items sit in the grandparent's shard range). A parent not
        stored yet ends the chain at its id, as one step would."""
        known = {c.customer_id: c for c in rows}
        wanted = {c.billed_to for c in rows} - known.keys()
        for _ in range(MAX_CHAIN):
            if not wanted:  # the common case: nobody here bills to a parent stored apart
                break
            found = [mapping.customer(it) for it in CustomerItem.batch_get(_profiles(wanted))]
            known |= {c.customer_id: c for c in found}
            wanted = {c.billed_to for c in found} - known.keys()
        return [replace(c, dunned_as_id=_chain_end(c, known)) for c in rows]

    # The rows below belong to customers already stored: each batch reads their
    # profiles once (customer_roots) to index the rows under the customer dunned
    # and to return the subsidiaries of the customers written for (the import
    # marks each; a contact is not indexed, its batch reads them for that alone).

    def put_contacts(self, contacts: Iterable[Contact]) -> set[str]:
        rows = list(contacts)
        where = self.customer_roots(c.customer_id for c in rows)
        write((mapping.contact_item(c) for c in rows), self.writer)
        return _subsidiaries(where)

    def put_groups(self, groups: Iterable[InvoiceGroup]) -> set[str]:
        rows = list(groups)
        where = self.customer_roots(g.customer_id for g in rows)
        write((mapping.group_item(g, where[g.customer_id]) for g in rows), self.writer)
        return _subsidiaries(where)

    def put_invoices(self, invoices: Iterable[Invoice]) -> set[str]:
        rows = list(invoices)
        where = self.customer_roots(i.customer_id for i in rows)
        today = self.today() if self.today else None

        def items() -> Iterator[Item]:
            for i in rows:
                yield mapping.invoice_item(i, where[i.customer_id])
                history = history_item(i, where[i.customer_id], today)
                if history is not None:
                    yield history

        write(items(), self.writer)
        return _subsidiaries(where)

    def put_credits(self, credits: Iterable[Credit]) -> set[str]:
        """Also matches payments to the letters their RF references name (SPEC 2.8)."""
        rows = list(credits)
        where = self.customer_roots(c.customer_id for c in rows)
        write((mapping.credit_item(c, where[c.customer_id]) for c in rows), self.writer)
        matches = payment_matches(rows)
        if matches:
            put_matches(matches, {c: dunned for c, (_, dunned) in where.items()}, self.writer)
        return _subsidiaries(where)

    def customer_roots(self, customer_ids: Iterable[str]) -> dict[str, Placement]:
        """customer id -> (subsidiary, dunned customer) for the ids that exist."""
        wanted = [(keys.cust_pk(c), keys.PROFILE) for c in set(customer_ids)]
        return {
            c.customer_id: mapping.placement(c)
            for c in CustomerItem.batch_get(
                wanted,
                attributes_to_get=[
                    "customer_id",
                    "subsidiary_id",
                    "parent_id",
                    "bill_to_parent",
                    "dunned_as",
                ],
            )
        }

    def record_activities(self, activities: Iterable[Activity]) -> int:
        """Each in its customer's partition (the activity log), batched like the rows."""
        return write((activity_item(a) for a in activities), self.writer)

    def mark_import(self, subsidiary_id: str, at: datetime, detail: str) -> None:
        MarkItem(
            keys.shard_key(subsidiary_id), keys.IMPORT_MARK, at=at.isoformat(), detail=detail
        ).save()


def _profiles(customer_ids: Iterable[str]) -> list[tuple[str, str]]:
    return [(keys.cust_pk(c), keys.PROFILE) for c in customer_ids]


def _chain_end(customer: Customer, known: dict[str, Customer]) -> str:
    """model.dunned_as, except that a parent not known yet is itself the end."""
    end = dunned_as(customer, known.get)
    last = known.get(end)
    return last.billed_to if last is not None else end


def _subsidiaries(where: dict[str, Placement]) -> set[str]:
    return {subsidiary for subsidiary, _ in where.values()}
