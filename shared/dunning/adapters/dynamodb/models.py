"""PynamoDB models of the single dunning table (its indexes: template.yaml; the key
layout: keys.py).

The sparse ByShard index holds only what evaluation needs, so one Query reads a
shard. ByRef finds a customer by invoice, group or letter id, and lists the
dunned customers of a subsidiary (the roster the scheduler shards). ByStatus
lists letters by status and date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import Connection
from pynamodb.constants import STRING
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model


class DecimalAttribute(Attribute[Decimal]):
    """Money as a decimal string: exact, never a float or a DynamoDB number."""

    attr_type = STRING

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class DateAttribute(Attribute[date]):
    attr_type = STRING

    def serialize(self, value: date) -> str:
        return value.isoformat()

    def deserialize(self, value: str) -> date:
        return date.fromisoformat(value)


class ByShard(GlobalSecondaryIndex["Item"]):
    class Meta:
        index_name = "ByShard"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class ByRef(GlobalSecondaryIndex["Item"]):
    class Meta:
        index_name = "ByRef"
        projection = IncludeProjection(["kind"])  # PynamoDB filters on its discriminator

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex["Item"]):
    class Meta:
        index_name = "ByStatus"
        projection = AllProjection()

    gsi3pk = UnicodeAttribute(hash_key=True)
    gsi3sk = UnicodeAttribute(range_key=True)


class Item(Model):
    class Meta:
        table_name = "unbound"  # set by bind() from the TABLE_NAME setting
        region: str | None = None
        host: str | None = None
        max_retry_attempts = 8

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    by_shard = ByShard()
    by_ref = ByRef()
    by_status = ByStatus()


class CustomerItem(Item, discriminator="customer"):
    customer_id = UnicodeAttribute()
    subsidiary_id = UnicodeAttribute()
    name = UnicodeAttribute()
    emails = ListAttribute(of=UnicodeAttribute, default=list)
    language = UnicodeAttribute()
    currency = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    bill_to_parent = BooleanAttribute(default=False)
    procedure_id = UnicodeAttribute(null=True)
    delivery = UnicodeAttribute(default="email")
    manager_email = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    exclude_customer_email = BooleanAttribute(default=False)
    split_by_department = BooleanAttribute(default=False)
    phone = UnicodeAttribute(null=True)
    # The postal address, flat: each part is one optional attribute, as in the import.
    address_line1 = UnicodeAttribute(null=True)
    address_line2 = UnicodeAttribute(null=True)
    address_line3 = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    region = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    dunned_as = UnicodeAttribute(null=True)  # the end of its bill_to_parent chain


class ContactItem(Item, discriminator="contact"):
    customer_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    department = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)


class InvoiceItem(Item, discriminator="invoice"):
    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    number = UnicodeAttribute()
    issue_date = DateAttribute()
    due_date = DateAttribute()
    currency = UnicodeAttribute()
    amount = DecimalAttribute()
    amount_remaining = DecimalAttribute()
    department = UnicodeAttribute(null=True)
    group_id = UnicodeAttribute(null=True)
    procedure_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute(default="open")
    paid_date = DateAttribute(null=True)


class CreditItem(Item, discriminator="credit"):
    credit_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    date = DateAttribute()
    amount_unapplied = DecimalAttribute()
    credit_kind = UnicodeAttribute(default="credit_memo")
    payment_reference = UnicodeAttribute(null=True)


class PaymentMatchItem(Item, discriminator="payment_match"):
    """A payment whose RF reference names a letter: kept in the letter's partition, one
    item per (letter, payment), so that importing the payment again changes nothing."""

    letter_id = UnicodeAttribute()
    credit_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()  # the payer
    amount = DecimalAttribute()
    date = DateAttribute()
    reference = UnicodeAttribute()


class GroupItem(Item, discriminator="group"):
    group_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    procedure_id = UnicodeAttribute(null=True)


class PauseItem(Item, discriminator="pause"):
    target = UnicodeAttribute()
    target_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    note = UnicodeAttribute(default="")
    until = DateAttribute(null=True)
    since = UnicodeAttribute(null=True)  # when it was (last) set: the dashboard lists it


class StateItem(Item, discriminator="state"):
    scope = UnicodeAttribute()
    scope_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    level = NumberAttribute(null=True)
    last_letter_date = DateAttribute(null=True)
    last_letter_level = NumberAttribute(null=True)  # written since letters know their previous
    cycle = UnicodeAttribute(null=True)  # the letter cycle as JSON (SPEC 2.9), amounts as text


class PromiseItem(Item, discriminator="promise"):
    customer_id = UnicodeAttribute()
    amount = DecimalAttribute()
    currency = UnicodeAttribute()
    date = DateAttribute()
    balance_at_promise = DecimalAttribute()
    broken = BooleanAttribute(default=False)


class LetterItem(Item, discriminator="letter"):
    """The letter ledger: one item per letter id, claimed before anything is sent."""

    letter_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    subsidiary_id = UnicodeAttribute()
    as_of = DateAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()  # the Letter as JSON, with the delivery outcome
    updated_at = UnicodeAttribute(null=True)


class MarkItem(Item, discriminator="mark"):
    """Bookkeeping: a subsidiary's latest import, a daily run already fanned out."""

    at = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class ImportItem(Item, discriminator="import"):
    """One per object key: the newest upload of that key taken on, and its progress
    (dunning.domain.imports.tracking.ImportRecord; written conditionally on `rev`)."""

    sequencer = UnicodeAttribute()
    etag = UnicodeAttribute()
    version_id = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    file_kind = UnicodeAttribute()
    first_seen = UnicodeAttribute()
    rev = NumberAttribute()
    attempts = NumberAttribute(default=0)
    lease_until = UnicodeAttribute(null=True)
    header_end = NumberAttribute(default=0)
    offset = NumberAttribute(default=0)  # bytes: the checkpoint of a resumable import
    rows_done = NumberAttribute(default=0)
    subsidiaries = ListAttribute(of=UnicodeAttribute, default=list)
    rows = NumberAttribute(default=0)
    errors = NumberAttribute(default=0)
    moved_to = UnicodeAttribute(null=True)
    report = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class ChildItem(Item, discriminator="child"):
    """In the parent's partition: a customer billed to this one (bill_to_parent), so
    the fresh re-read before sending finds the child's invoices, credits and pauses."""

    customer_id = UnicodeAttribute()  # the child
    parent_id = UnicodeAttribute()


class AddressItem(Item, discriminator="address"):
    """An address SES reported with a permanent bounce or a complaint; letters leave
    the address out (and are printed when nobody is left)."""

    address = UnicodeAttribute()
    reason = UnicodeAttribute()  # bounce | complaint
    at = UnicodeAttribute()
    detail = UnicodeAttribute(null=True)
    letter_id = UnicodeAttribute(null=True)


class ActivityItem(Item, discriminator="activity"):
    """Who changed what and when, in the partition of the customer it touched."""

    customer_id = UnicodeAttribute()
    at = UnicodeAttribute()
    action = UnicodeAttribute()
    actor = UnicodeAttribute()
    target = UnicodeAttribute()
    target_id = UnicodeAttribute()
    detail = UnicodeAttribute(default="{}")  # JSON


class HistoryItem(Item, discriminator="history"):
    """An invoice no longer open (paid or void) while it is issued or paid within the
    figures' window: indexed in ByShard so the shard Query returns it to the figures
    (never to the engine), and expired by TTL after the window, costing no write."""

    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    issue_date = DateAttribute()
    due_date = DateAttribute()
    currency = UnicodeAttribute()
    amount = DecimalAttribute()
    status = UnicodeAttribute()
    paid_date = DateAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class FigureItem(Item, discriminator="figures"):
    """A customer's dashboard figures in one currency (sums: domain.figures.partial),
    as the latest daily run computed them. In ByShard (the run compares and rewrites
    only what changed) and in ByStatus by overdue amount (top customers, the list)."""

    customer_id = UnicodeAttribute()
    subsidiary_id = UnicodeAttribute()
    name = UnicodeAttribute()
    currency = UnicodeAttribute()
    paused = BooleanAttribute(default=False)
    as_of = DateAttribute()
    body = UnicodeAttribute()  # the partial as JSON of decimal strings and counts


class WatchItem(Item, discriminator="watch"):
    """A letter whose invoices are not all known paid yet (domain.figures.paid_within):
    in ByShard under the letter's customer, so the shard Query brings it to the daily
    run that settles it. Deleted when counted or dropped; TTL is only a backstop."""

    letter_id = UnicodeAttribute()
    subsidiary_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    as_of = DateAttribute()
    level = NumberAttribute()
    invoice_ids = ListAttribute(of=UnicodeAttribute, default=list)
    closed_on = UnicodeAttribute(null=True)  # JSON: invoice id -> first day seen closed
    expires_at = NumberAttribute(null=True)


class ThanksItem(Item, discriminator="thanks"):
    """A thank-you note (SPEC 2.9), claimed before it is sent: one per letter cycle."""

    thanks_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    subsidiary_id = UnicodeAttribute()
    as_of = DateAttribute()
    status = UnicodeAttribute()  # claimed | sent | failed | no_recipient
    body = UnicodeAttribute()  # scope, currency, recipients, language, message id (JSON)
    updated_at = UnicodeAttribute(null=True)


class TrackingItem(Item, discriminator="tracking"):
    """Beside a letter's ledger item: the first time SES reported each event of its
    email (delivery, open, click, bounce, complaint; SPEC 2.9). Apart from the ledger
    item, whose state changes rewrite it whole, so that no event is ever lost to them."""

    letter = UnicodeAttribute()  # the letter id (not `letter_id`: sending's filter)
    message_id = UnicodeAttribute(null=True)  # SES's, of the first event recorded
    delivery = UnicodeAttribute(null=True)  # UTC times, ISO 8601 to the millisecond
    open = UnicodeAttribute(null=True)
    click = UnicodeAttribute(null=True)
    bounce = UnicodeAttribute(null=True)
    complaint = UnicodeAttribute(null=True)


ALL_MODELS: tuple[type[Item], ...] = (
    Item,
    CustomerItem,
    ContactItem,
    InvoiceItem,
    CreditItem,
    GroupItem,
    PauseItem,
    StateItem,
    PromiseItem,
    LetterItem,
    MarkItem,
    ImportItem,
    ChildItem,
    AddressItem,
    ActivityItem,
    HistoryItem,
    FigureItem,
    WatchItem,
    ThanksItem,
    TrackingItem,
)

_bound: tuple[Any, ...] | None = None


def bind(table_name: str, region: str, endpoint: str | None) -> None:
    """Point the models at a table; connections are rebuilt only when that changes."""
    global _bound
    if _bound == (table_name, region, endpoint):
        return
    Item.Meta.table_name = table_name
    Item.Meta.region = region
    Item.Meta.host = endpoint
    for model in ALL_MODELS:
        model._connection = None
    _bound = (table_name, region, endpoint)


def connection() -> Connection:
    """The models' own connection (and botocore client): transactions use it too."""
    return Item._get_connection().connection
