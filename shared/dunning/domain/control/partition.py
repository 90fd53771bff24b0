"""Everything stored about one customer, as one read of its partition returns it."""

from __future__ import annotations

from dataclasses import dataclass

from dunning.domain.control.audit import Activity
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.model import (
    Contact,
    Credit,
    Customer,
    Invoice,
    InvoiceGroup,
    Pause,
    Promise,
    ScopeState,
)


@dataclass(frozen=True)
class CustomerPartition:
    customer: Customer
    contacts: tuple[Contact, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    credits: tuple[Credit, ...] = ()
    groups: tuple[InvoiceGroup, ...] = ()
    pauses: tuple[Pause, ...] = ()
    states: tuple[ScopeState, ...] = ()
    promises: tuple[Promise, ...] = ()
    letters: tuple[LedgerEntry, ...] = ()  # newest first
    activities: tuple[Activity, ...] = ()  # newest first
    children: tuple[str, ...] = ()  # customers billed to this one
