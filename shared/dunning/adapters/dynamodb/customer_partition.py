"""The control centre's read: a customer's whole partition in one strongly consistent
Query (profile, contacts, invoices, credits, groups, pauses, states, promises,
letters and the activity log)."""

from __future__ import annotations

from typing import Any

from dunning.adapters.dynamodb import keys, mapping
from dunning.adapters.dynamodb.activity_log import activity
from dunning.adapters.dynamodb.models import (
    ActivityItem,
    ChildItem,
    ContactItem,
    CreditItem,
    CustomerItem,
    GroupItem,
    InvoiceItem,
    Item,
    LetterItem,
    PauseItem,
    PromiseItem,
    StateItem,
    TrackingItem,
)
from dunning.adapters.dynamodb.tracking import times_of, with_tracking
from dunning.domain.control.audit import Activity
from dunning.domain.control.partition import CustomerPartition
from dunning.domain.delivery.ledger import LedgerEntry


class CustomerPartitionTable:
    @staticmethod
    def customer_partition(customer_id: str) -> CustomerPartition | None:
        """None when the customer has no profile."""
        parts: dict[type, list[Any]] = {}
        letters: list[LedgerEntry] = []
        activities: list[Activity] = []
        children: list[str] = []
        tracking: dict[str, dict[str, str]] = {}
        customer = None
        for it in Item.query(keys.cust_pk(customer_id), consistent_read=True):
            if isinstance(it, CustomerItem):
                customer = mapping.customer(it)
            elif isinstance(it, LetterItem):
                letters.append(mapping.ledger_entry(it))
            elif isinstance(it, ActivityItem):
                activities.append(activity(it))
            elif isinstance(it, ChildItem):
                children.append(it.customer_id)
            elif isinstance(it, TrackingItem):
                tracking[it.letter] = times_of(it)
            elif type(it) in mapping.MAPPERS:
                parts.setdefault(type(it), []).append(mapping.to_domain(it))
        if customer is None:
            return None
        # Sort keys ascend; letter ids and activity keys start with their time.
        letters = with_tracking(letters[::-1], tracking)  # SPEC 2.9: each email's events
        activities.reverse()
        return CustomerPartition(
            customer=customer,
            letters=tuple(letters),
            activities=tuple(activities),
            children=tuple(children),
            **{name: tuple(parts.get(model, ())) for name, model in _PARTS.items()},
        )


_PARTS: dict[str, type[Item]] = {
    "contacts": ContactItem,
    "invoices": InvoiceItem,
    "credits": CreditItem,
    "groups": GroupItem,
    "pauses": PauseItem,
    "states": StateItem,
    "promises": PromiseItem,
}
