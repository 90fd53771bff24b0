"""Items <-> domain values: what each item holds, and where its keys put it (keys.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.models import (
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
)
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.delivery.refresh import CustomerRecords
from dunning.domain.letters.codec import (
    cycle_from_dict,
    cycle_to_dict,
    letter_from_dict,
    letter_to_dict,
)
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
from dunning.domain.postal import ADDRESS_PARTS, PostalAddress

# Where a customer's items go in the shard index: (subsidiary, dunned customer).
Placement = tuple[str, str]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def billed_to_of(c: CustomerItem | Customer) -> str:
    """Whose partition's range in ByShard an item of `c` sits in (model.billed_to)."""
    return billed_to(c.customer_id, c.parent_id, bool(c.bill_to_parent))


def dunned_root(c: CustomerItem | Customer) -> str:
    """The customer whose ByShard range holds `c`'s items: the end of its bill_to_parent
    chain as resolved when it was stored (ErpDataTable.put_customers)."""
    stored = c.dunned_as if isinstance(c, CustomerItem) else c.dunned_as_id
    return stored or billed_to_of(c)


def placement(c: CustomerItem | Customer) -> Placement:
    return c.subsidiary_id, dunned_root(c)


# --- domain -> items ------------------------------------------------------------------


def customer_item(c: Customer) -> CustomerItem:
    it = CustomerItem(
        keys.cust_pk(c.customer_id),
        keys.PROFILE,
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
        phone=c.phone,
        **_address_attributes(c.address),
        dunned_as=dunned_root(c),
    )
    root = dunned_root(c)
    keys.by_shard(it, c.subsidiary_id, root)
    if root == c.customer_id:
        keys.by_ref(it, keys.roster_key(c.subsidiary_id), c.customer_id)
    return it


def _address_attributes(a: PostalAddress | None) -> dict[str, Any]:
    """Each part under its customers.csv column name."""
    return {} if a is None else {name: getattr(a, part) for name, part in ADDRESS_PARTS.items()}


def child_item(c: Customer) -> ChildItem | None:
    """The marker a bill_to_parent customer leaves in its parent's partition."""
    if not (c.bill_to_parent and c.parent_id):
        return None
    return ChildItem(
        keys.cust_pk(c.parent_id),
        keys.child_sk(c.customer_id),
        customer_id=c.customer_id,
        parent_id=c.parent_id,
    )


def contact_item(c: Contact) -> ContactItem:
    return ContactItem(
        keys.cust_pk(c.customer_id),
        keys.contact_sk(c.email),
        customer_id=c.customer_id,
        name=c.name,
        email=c.email,
        department=c.department,
        role=c.role,
        phone=c.phone,
    )


def group_item(g: InvoiceGroup, where: Placement) -> GroupItem:
    it = GroupItem(
        keys.cust_pk(g.customer_id),
        keys.group_sk(g.group_id),
        group_id=g.group_id,
        customer_id=g.customer_id,
        procedure_id=g.procedure_id,
    )
    keys.by_ref(it, keys.ref_key(ScopeKind.INVOICE_GROUP, g.group_id), g.customer_id)
    keys.by_shard(it, *where)
    return it


def invoice_item(i: Invoice, where: Placement) -> InvoiceItem:
    it = InvoiceItem(
        keys.cust_pk(i.customer_id),
        keys.invoice_sk(i.invoice_id),
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
    keys.by_ref(it, keys.ref_key(ScopeKind.INVOICE, i.invoice_id), i.customer_id)
    if i.is_open:  # the index holds open items only: paid history costs evaluation nothing
        keys.by_shard(it, *where)
    return it


def credit_item(c: Credit, where: Placement) -> CreditItem:
    it = CreditItem(
        keys.cust_pk(c.customer_id),
        keys.credit_sk(c.credit_id),
        credit_id=c.credit_id,
        customer_id=c.customer_id,
        currency=c.currency,
        date=c.date,
        amount_unapplied=c.amount_unapplied,
        credit_kind=str(c.kind),
        payment_reference=c.payment_reference,
    )
    if c.amount_unapplied > 0:
        keys.by_shard(it, *where)
    return it


def pause_item(pause: Pause, where: Placement) -> PauseItem:
    it = PauseItem(
        keys.cust_pk(pause.customer_id),
        keys.pause_sk(pause.target, pause.target_id),
        target=str(pause.target),
        target_id=pause.target_id,
        customer_id=pause.customer_id,
        reason=str(pause.reason),
        note=pause.note,
        until=pause.until,
        since=now(),
    )
    keys.by_shard(it, *where)
    it.gsi3pk = keys.pauses_key(where[0])
    it.gsi3sk = f"{pause.customer_id}#{pause.target}#{pause.target_id}"
    return it


def state_item(s: ScopeState, where: Placement) -> StateItem:
    ref = s.ref
    it = StateItem(
        keys.cust_pk(s.customer_id),
        keys.state_sk(ref.scope, ref.scope_id, ref.currency),
        scope=str(ref.scope),
        scope_id=ref.scope_id,
        currency=ref.currency,
        customer_id=s.customer_id,
        level=s.level,
        last_letter_date=s.last_letter_date,
        last_letter_level=s.last_letter_level,
        cycle=None if s.cycle is None else json.dumps(cycle_to_dict(s.cycle)),
    )
    keys.by_shard(it, *where)
    return it


def promise_item(subsidiary_id: str, p: Promise) -> PromiseItem:
    """A promise is made by the dunned customer itself: it is indexed under its own id."""
    it = PromiseItem(
        keys.cust_pk(p.customer_id),
        keys.promise_sk(p.currency, p.date),
        customer_id=p.customer_id,
        amount=p.amount,
        currency=p.currency,
        date=p.date,
        balance_at_promise=p.balance_at_promise,
        broken=p.broken,
    )
    if not p.broken:
        keys.by_shard(it, subsidiary_id, p.customer_id)
    it.gsi3pk = keys.promises_key(subsidiary_id)
    it.gsi3sk = f"{p.date.isoformat()}#{p.customer_id}#{p.currency}"
    return it


def letter_item(letter: Letter, status: LetterStatus, delivery: dict[str, Any]) -> LetterItem:
    body = letter_to_dict(letter) | {"delivery": delivery}
    it = LetterItem(
        keys.cust_pk(letter.customer_id),
        keys.letter_sk(letter.letter_id),
        letter_id=letter.letter_id,
        customer_id=letter.customer_id,
        subsidiary_id=letter.subsidiary_id,
        as_of=letter.as_of,
        status=status,
        body=json.dumps(body),
        updated_at=now(),
    )
    keys.by_ref(it, keys.letter_ref(letter.letter_id), letter.customer_id)
    keys.by_status(it, status, letter.as_of, letter.letter_id)
    if status == LetterStatus.PENDING_APPROVAL:  # holds its scope until approved
        keys.by_shard(it, letter.subsidiary_id, letter.customer_id)
    return it


# --- items -> domain ------------------------------------------------------------------


def ledger_entry(it: LetterItem) -> LedgerEntry:
    body = json.loads(it.body)
    return LedgerEntry(letter_from_dict(body), LetterStatus(it.status), body.get("delivery", {}))


def held_scope(it: LetterItem) -> ScopeRef:
    """The scope a letter pending approval holds."""
    body = json.loads(it.body)
    return ScopeRef(ScopeKind(body["scope"]), body["scope_id"], body["currency"])


def customer(it: CustomerItem) -> Customer:
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
        phone=it.phone,
        address=_address(it),
        dunned_as_id=it.dunned_as,
    )


def _address(it: CustomerItem) -> PostalAddress | None:
    if not it.address_line1:
        return None
    return PostalAddress(**{part: getattr(it, name) for name, part in ADDRESS_PARTS.items()})


def contact(it: ContactItem) -> Contact:
    return Contact(it.customer_id, it.name, it.email, it.department, it.role, it.phone)


def invoice(it: InvoiceItem) -> Invoice:
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


def credit(it: CreditItem) -> Credit:
    return Credit(
        it.credit_id,
        it.customer_id,
        it.currency,
        it.date,
        it.amount_unapplied,
        CreditKind(it.credit_kind),
        it.payment_reference,
    )


def group(it: GroupItem) -> InvoiceGroup:
    return InvoiceGroup(it.group_id, it.customer_id, it.procedure_id)


def pause(it: PauseItem) -> Pause:
    return Pause(
        ScopeKind(it.target),
        it.target_id,
        it.customer_id,
        PauseReason(it.reason),
        it.note,
        it.until,
    )


def state(it: StateItem) -> ScopeState:
    ref = ScopeRef(ScopeKind(it.scope), it.scope_id, it.currency)
    level = int(it.level) if it.level is not None else None
    last_level = int(it.last_letter_level) if it.last_letter_level is not None else None
    cycle = cycle_from_dict(json.loads(it.cycle)) if it.cycle else None
    return ScopeState(ref, it.customer_id, level, it.last_letter_date, last_level, cycle)


def promise(it: PromiseItem) -> Promise:
    return Promise(
        it.customer_id, it.amount, it.currency, it.date, it.balance_at_promise, bool(it.broken)
    )


MAPPERS: dict[type, Any] = {
    CustomerItem: customer,
    ContactItem: contact,
    InvoiceItem: invoice,
    CreditItem: credit,
    GroupItem: group,
    PauseItem: pause,
    StateItem: state,
    PromiseItem: promise,
}


def to_domain(it: Item) -> Any:
    return MAPPERS[type(it)](it)


def records(items: Iterable[Item]) -> CustomerRecords:
    """Items of one customer's partition -> what delivery needs of them."""
    found: Customer | None = None
    contacts: list[Contact] = []
    invoices: list[Invoice] = []
    credits: list[Credit] = []
    pauses: list[Pause] = []
    promises: list[Promise] = []
    children: list[str] = []
    for it in items:
        if isinstance(it, CustomerItem):
            found = customer(it)
        elif isinstance(it, ContactItem):
            contacts.append(contact(it))
        elif isinstance(it, InvoiceItem):
            invoices.append(invoice(it))
        elif isinstance(it, CreditItem):
            credits.append(credit(it))
        elif isinstance(it, PauseItem):
            pauses.append(pause(it))
        elif isinstance(it, PromiseItem):
            promises.append(promise(it))
        elif isinstance(it, ChildItem):
            children.append(it.customer_id)
    return CustomerRecords(
        found,
        tuple(contacts),
        tuple(invoices),
        tuple(credits),
        tuple(pauses),
        tuple(promises),
        tuple(children),
    )
