"""The dunning table's key layout: every partition, sort and index key is built here.

Keys (all strings):
  pk CUST#<customer>  sk PROFILE | CONTACT#<email> | INV#<id> | CRED#<id> | GRP#<id>
                         | PAUSE#<target>#<id> | STATE#<scope>#<scope id>#<currency>
                         | PROMISE#<currency>#<date> | LETTER#<letter id>
                         | PAYREF#<letter id>#<credit id>
                         | CHILD#<customer billed to this one>
  pk SUB#<subsidiary> sk IMPORT | RUN#<as_of>
  pk EMAIL#<address, lower case> sk BOUNCE   an address SES reported bouncing
  pk IMPORT#<object key> sk OBJECT           the import ledger
  ByShard  SUB#<subsidiary> / <dunned customer>   what evaluation reads
  ByRef    INV#<id> | GRP#<id> | LET#<id> / <customer>;  ROSTER#<subsidiary> / <customer>
  ByStatus LETTERS#<status> / <as_of>#<letter id>

The dunned customer is the one whose letters cover the item: a bill_to_parent
customer's parent, else the customer itself. Sorting the shard index by it puts
a parent and its children in one contiguous range, so one Query reads a shard.
The shard index's sort key is that customer id and nothing else: ids may hold any
character, and a suffix (`<id>#...`) would let an id that extends another with a
character sorting below the separator (`AB 1` after `AB`) fall outside its range.
Bare ids order exactly as the roster does (DynamoDB compares UTF-8 bytes), so the
range first..last, both included, holds exactly the shard's customers.
"""

from __future__ import annotations

from datetime import date

from dunning.adapters.dynamodb.models import Item
from dunning.domain.model import ScopeKind

PROFILE = "PROFILE"
IMPORT_MARK = "IMPORT"
BOUNCE = "BOUNCE"
IMPORT_OBJECT = "OBJECT"
# Sort key prefixes a query of one customer's partition selects by.
CONTACT = "CONTACT#"
INVOICE = "INV#"
LETTER = "LETTER#"
PAYMENT_MATCH = "PAYREF#"  # PAYREF#<letter id>#<credit id>: a payment quoting the letter

_REF_PREFIX = {ScopeKind.INVOICE: "INV", ScopeKind.INVOICE_GROUP: "GRP"}


def cust_pk(customer_id: str) -> str:
    return f"CUST#{customer_id}"


def shard_key(subsidiary_id: str) -> str:
    return f"SUB#{subsidiary_id}"


def contact_sk(email: str) -> str:
    return f"{CONTACT}{email.lower()}"


def invoice_sk(invoice_id: str) -> str:
    return f"{INVOICE}{invoice_id}"


def credit_sk(credit_id: str) -> str:
    return f"CRED#{credit_id}"


def group_sk(group_id: str) -> str:
    return f"GRP#{group_id}"


def child_sk(customer_id: str) -> str:
    return f"CHILD#{customer_id}"


def pause_sk(target: ScopeKind, target_id: str) -> str:
    return f"PAUSE#{target}#{target_id}"


def state_sk(scope: ScopeKind, scope_id: str, currency: str) -> str:
    return f"STATE#{scope}#{scope_id}#{currency}"


def promise_sk(currency: str, day: date) -> str:
    return f"PROMISE#{currency}#{day.isoformat()}"


def letter_sk(letter_id: str) -> str:
    return f"{LETTER}{letter_id}"


def payment_match_sk(letter_id: str, credit_id: str) -> str:
    return f"{PAYMENT_MATCH}{letter_id}#{credit_id}"


def run_sk(as_of: date) -> str:
    return f"RUN#{as_of.isoformat()}"


def address_pk(address_key: str) -> str:
    return f"EMAIL#{address_key}"


def import_pk(object_key: str) -> str:
    return f"IMPORT#{object_key}"


def object_key_of(import_pk_value: str) -> str:
    return import_pk_value.removeprefix("IMPORT#")


# --- ByRef ---------------------------------------------------------------------------


def ref_key(kind: ScopeKind, target_id: str) -> str:
    """The ByRef key of an invoice or an invoice group."""
    return f"{_REF_PREFIX[kind]}#{target_id}"


def letter_ref(letter_id: str) -> str:
    return f"LET#{letter_id}"


def roster_key(subsidiary_id: str) -> str:
    return f"ROSTER#{subsidiary_id}"


def by_ref(item: Item, key: str, customer_id: str) -> None:
    item.gsi2pk, item.gsi2sk = key, customer_id


# --- ByShard and ByStatus --------------------------------------------------------------


def by_shard(item: Item, subsidiary_id: str, dunned: str) -> None:
    """Put an item in the sparse ByShard index under the customer that is dunned."""
    item.gsi1pk, item.gsi1sk = shard_key(subsidiary_id), dunned


def status_key(status: str) -> str:
    return f"LETTERS#{status}"


def by_status(item: Item, status: str, as_of: date, letter_id: str) -> None:
    item.gsi3pk, item.gsi3sk = status_key(status), f"{as_of.isoformat()}#{letter_id}"
