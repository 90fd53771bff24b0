"""Who is dunned for what (SPEC 2.1): procedures, bill-to-parent and scopes.

Invoices are bucketed once per (dunning customer, currency); each bucket then
resolves its customer procedure once and hands every invoice to exactly one
scope, so an open invoice can never land on two letters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from dunning.domain.configuration.config import (
    DEFAULT_PROMISE_GRACE_DAYS,
    AssignmentRule,
    Config,
    NotConfigured,
    Procedure,
)
from dunning.domain.engine.holds import Holds
from dunning.domain.model import (
    Customer,
    Invoice,
    InvoiceGroup,
    InvoiceStatus,
    ScopeKind,
    dunned_as,
)
from dunning.domain.money import ZERO

ScopeKey = tuple[ScopeKind, str, str]  # (scope kind, scope id, currency)

_OPEN = InvoiceStatus.OPEN
_CUSTOMER = ScopeKind.CUSTOMER
_INVOICE = ScopeKind.INVOICE
_GROUP = ScopeKind.INVOICE_GROUP


def dunning_owners(customers: Mapping[str, Customer]) -> dict[str, str]:
    """customer id -> id of the customer whose scope it is dunned in (`dunned_as`,
    with the customers given here as all that is known)."""
    lookup = customers.get
    return {customer_id: dunned_as(c, lookup) for customer_id, c in customers.items()}


def _rule_matches(
    rule: AssignmentRule, customer: Customer, currency: str, balance: Callable[[], Decimal]
) -> bool:
    """A criterion a rule leaves unset matches everything; tags match if any is shared.

    The balance is asked for last, and only by rules with amount limits.
    """
    if rule.subsidiary_id is not None and rule.subsidiary_id != customer.subsidiary_id:
        return False
    if rule.currency is not None and rule.currency != currency:
        return False
    if rule.tags and not any(tag in customer.tags for tag in rule.tags):
        return False
    if rule.min_amount is None and rule.max_amount is None:
        return True
    amount = balance()
    return (rule.min_amount is None or amount >= rule.min_amount) and (
        rule.max_amount is None or amount <= rule.max_amount
    )


class ProcedureBook:
    """Looks procedures up by id and resolves a customer's procedure."""

    def __init__(self, config: Config, subsidiary_id: str) -> None:
        self._by_id = {p.procedure_id: p for p in config.procedures}
        self._rules = config.assignment_rules
        try:
            default_id = config.subsidiary(subsidiary_id).default_procedure
        except NotConfigured:  # nothing of an unknown subsidiary gets a default
            default_id = None
        self._default = self._by_id.get(default_id) if default_id else None

    def get(self, procedure_id: str | None) -> Procedure | None:
        """The procedure of that id; an id the configuration lacks counts as not set."""
        return self._by_id.get(procedure_id) if procedure_id else None

    def for_customer(
        self, customer: Customer, currency: str, balance: Callable[[], Decimal]
    ) -> Procedure | None:
        """Customer's own -> first matching assignment rule -> subsidiary default -> none.

        `balance` gives the customer's open balance in `currency` (the scope's
        currency), which amount-based rules compare against.
        """
        own = self.get(customer.procedure_id)
        if own is not None:
            return own
        for rule in self._rules:
            if _rule_matches(rule, customer, currency, balance):
                return self._by_id.get(rule.procedure_id)
        return self._default

    def promise_grace_days(
        self, customer: Customer, currency: str, balance: Callable[[], Decimal]
    ) -> int:
        """How long a promise of `customer` in `currency` pauses it past its date: its
        procedure's grace, the default when no procedure applies."""
        procedure = self.for_customer(customer, currency, balance)
        return procedure.promise_grace_days if procedure else DEFAULT_PROMISE_GRACE_DAYS


@dataclass(slots=True)
class Scope:
    """One (scope, currency) being evaluated today."""

    key: ScopeKey
    owner: Customer
    procedure: Procedure
    department: str | None = None
    invoices: list[Invoice] = field(default_factory=list)
    held: bool = False  # some of its open invoices are paused


def bucket_open_invoices(
    invoices: Iterable[Invoice], owners: Mapping[str, str]
) -> dict[tuple[str, str], list[Invoice]]:
    """Open invoices of this subsidiary by (dunning customer, currency), in input order."""
    buckets: dict[tuple[str, str], list[Invoice]] = {}
    get_owner = owners.get
    for invoice in invoices:
        if invoice.status != _OPEN or invoice.amount_remaining <= ZERO:
            continue
        owner = get_owner(invoice.customer_id)
        if owner is None:  # another subsidiary's customer (or unknown)
            continue
        key = (owner, invoice.currency)
        bucket = buckets.get(key)
        if bucket is None:
            buckets[key] = [invoice]
        else:
            bucket.append(invoice)
    return buckets


def open_total(invoices: Iterable[Invoice]) -> Decimal:
    """What amount-based assignment rules compare: the remaining amounts of open invoices."""
    return sum((i.amount_remaining for i in invoices), ZERO)


class ScopeBuilder:
    """Hands each open invoice to exactly one scope (SPEC 2.1)."""

    def __init__(
        self,
        book: ProcedureBook,
        groups: Sequence[InvoiceGroup],
        holds: Holds,
    ) -> None:
        self._book = book
        # Only groups with a procedure we know take their invoices out of the customer letter.
        self._group_procedures = {
            g.group_id: p for g in groups if (p := book.get(g.procedure_id)) is not None
        }
        self._holds = holds
        self.scopes: dict[ScopeKey, Scope] = {}

    def add_bucket(self, owner: Customer, currency: str, invoices: Sequence[Invoice]) -> None:
        """Place one (dunning customer, currency) bucket's open invoices into scopes.

        The owner itself is not paused here (a paused owner's bucket is skipped
        whole); a paused invoice, child customer or group marks its scope held.
        """
        procedure = self._book.for_customer(owner, currency, lambda: open_total(invoices))
        # Most invoices have no group, no own procedure and no department split:
        # they all go to one customer scope, found once per bucket.
        plain: Scope | None = None
        if (
            procedure is not None
            and procedure.applies_to != _INVOICE
            and not owner.split_by_department
        ):
            plain = self._scope((_CUSTOMER, owner.customer_id, currency), owner, procedure, None)
            if self._all_plain(invoices):
                plain.invoices.extend(invoices)
                return
        held_invoices, held_customers, held_groups = (
            self._holds.invoices,
            self._holds.customers,
            self._holds.groups,
        )
        for invoice in invoices:
            group_id = invoice.group_id
            if plain is not None and group_id is None and invoice.procedure_id is None:
                scope = plain
            else:
                placed = self._place(invoice, owner, currency, procedure)
                if placed is None:
                    continue  # no procedure applies: not dunned
                key, scope_procedure, department = placed
                scope = self._scope(key, owner, scope_procedure, department)
            if (
                invoice.invoice_id in held_invoices
                or invoice.customer_id in held_customers
                or (group_id is not None and group_id in held_groups)
            ):
                scope.held = True
            else:
                scope.invoices.append(invoice)

    def _all_plain(self, invoices: Sequence[Invoice]) -> bool:
        """True when no invoice is grouped, has its own procedure or is paused.

        Then the whole bucket goes to the customer scope as it is: the usual
        case, checked with a few cheap passes instead of placing each invoice.
        """
        holds = self._holds
        return (
            all(i.group_id is None and i.procedure_id is None for i in invoices)
            and (not holds.invoices or holds.invoices.isdisjoint(i.invoice_id for i in invoices))
            and (not holds.customers or holds.customers.isdisjoint(i.customer_id for i in invoices))
        )

    def _scope(
        self, key: ScopeKey, owner: Customer, procedure: Procedure, department: str | None
    ) -> Scope:
        scope = self.scopes.get(key)
        if scope is None:
            scope = self.scopes[key] = Scope(key, owner, procedure, department)
        return scope

    def _place(
        self, invoice: Invoice, owner: Customer, currency: str, customer_procedure: Procedure | None
    ) -> tuple[ScopeKey, Procedure, str | None] | None:
        group_id = invoice.group_id
        if group_id is not None:
            group_procedure = self._group_procedures.get(group_id)
            if group_procedure is not None:
                return (_GROUP, group_id, currency), group_procedure, None
            if customer_procedure is not None and customer_procedure.applies_to == _GROUP:
                return (_GROUP, group_id, currency), customer_procedure, None
        own = self._book.get(invoice.procedure_id)
        # Allow Override: the invoice's own procedure wins only if the customer's allows it
        # (or the customer has none to override).
        if own is not None and (customer_procedure is None or customer_procedure.allow_override):
            return (_INVOICE, invoice.invoice_id, currency), own, None
        if customer_procedure is None:
            return None
        if customer_procedure.applies_to == _INVOICE:
            return (_INVOICE, invoice.invoice_id, currency), customer_procedure, None
        department = (invoice.department or None) if owner.split_by_department else None
        scope_id = owner.customer_id if department is None else f"{owner.customer_id}/{department}"
        return (_CUSTOMER, scope_id, currency), customer_procedure, department
