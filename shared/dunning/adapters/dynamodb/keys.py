"""The dunning table's key layout: every partition, sort and index key is built here.

Keys (all strings):
  pk CUST#<customer>  sk PROFILE | CONTACT#<email> | INV#<id> | CRED#<id> | GRP#<id>
                         | PAUSE#<target>#<id> | STATE#<scope>#<scope id>#<currency>
                         | PROMISE#<currency>#<date> | LETTER#<letter id>
                         | PAYREF#<letter id>#<credit id>
                         | CHILD#<customer billed to this one>
                         | ACT#<UTC time, ISO>#<activity id>   who changed what (audit)
                         | HIST#<invoice id>   an invoice no longer open, for the figures
                         | FIG#<currency>      the customer's dashboard figures
                         | WATCH#<letter id>   a letter until its invoices are paid
                         | NOADDR#<letter id>  printed, but no postal address
                         | THANKS#<thanks id>  a thank-you note (SPEC 2.9)
                         | TRACK#<letter id>   the first time of each SES event of a letter
  pk SUB#<subsidiary> sk IMPORT | RUN#<as_of> | SKIP#<as_of>
  pk FIG#<subsidiary> sk DAY#<as_of>            the subsidiary's figures of one day
  pk EMAIL#<address, lower case> sk BOUNCE   an address SES reported bouncing
                                 sk ACT#...   clearing a mark no letter ties to a customer
  pk PHONE#<E.164 number> sk OPTOUT        a phone SNS reported opted out of texts
                          sk ACT#...         clearing a mark no letter ties to a customer
  pk IMPORT#<object key> sk OBJECT           the import ledger
  ByShard  SUB#<subsidiary> / <dunned customer>   what evaluation reads
  ByRef    INV#<id> | GRP#<id> | LET#<id> / <customer>;  ROSTER#<subsidiary> / <customer>
  ByStatus LETTERS#<status> / <as_of>#<letter id>;  MARKS / <address>  (bounce marks)
           PHONE-MARKS / <E.164 number>  (opt-out marks)
           THANKS#<status> / <as_of>#<thanks id>   thank-you notes
           OVERDUE#<subsidiary>#<currency> / <overdue, fixed width>#<customer>
           PAUSES#<subsidiary> / <customer>#<target>#<id>
           PROMISES#<subsidiary> / <date>#<customer>#<currency>
           UNADDRESSED / <day>#<letter id>   printed letters without a postal address
           IMPORTS#rejected / <UTC time>#<object key>   files whose newest upload failed

Activity items sort by time inside the partition, so the newest come first from a
Query that reads backwards; they are in no index (evaluation and sending never
read them).

The dunned customer is the one whose letters cover the item: the end of the
customer's bill_to_parent chain (a child's parent, a grandchild's grandparent),
resolved when the customer is imported and kept on its profile (dunned_as).
Sorting the shard index by it puts a parent and its children in one contiguous
range, so one Query reads a shard.
The shard index's sort key is that customer id and nothing else: ids may hold any
character, and a suffix (`<id>#...`) would let an id that extends another with a
character sorting below the separator (`AB 1` after `AB`) fall outside its range.
Bare ids order exactly as the roster does (DynamoDB compares UTF-8 bytes), so the
range first..last, both included, holds exactly the shard's customers.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

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
ACTIVITY = "ACT#"
MARKS = "MARKS"
OPT_OUT = "OPTOUT"
PHONE_MARKS = "PHONE-MARKS"
PAYMENT_MATCH = "PAYREF#"  # PAYREF#<letter id>#<credit id>: a payment quoting the letter
THANKS = "THANKS#"
TRACKING = "TRACK#"

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


def thanks_sk(thanks_id: str) -> str:
    return f"{THANKS}{thanks_id}"


def thanks_status_key(status: str) -> str:
    return f"THANKS#{status}"


def tracking_sk(letter_id: str) -> str:
    return f"{TRACKING}{letter_id}"


def activity_sk(order_key: str) -> str:
    return f"{ACTIVITY}{order_key}"


def payment_match_sk(letter_id: str, credit_id: str) -> str:
    return f"{PAYMENT_MATCH}{letter_id}#{credit_id}"


def run_sk(as_of: date) -> str:
    return f"RUN#{as_of.isoformat()}"


def address_pk(address_key: str) -> str:
    return f"EMAIL#{address_key}"


def phone_pk(phone_key: str) -> str:
    return f"PHONE#{phone_key}"


def mark_key(key: str) -> tuple[str, str]:
    """The item of a mark the claim checks: a phone key (E.164, starts with '+', never
    an '@') is an opt-out mark, anything else an email address's bounce mark."""
    if key.startswith("+") and "@" not in key:
        return phone_pk(key), OPT_OUT
    return address_pk(key), BOUNCE


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


def by_mark(item: Item, address: str) -> None:
    """Bounce marks listed by address (ByStatus under its own key)."""
    item.gsi3pk, item.gsi3sk = MARKS, address


def by_phone_mark(item: Item, phone: str) -> None:
    """Opt-out marks listed by number (ByStatus under their own key)."""
    item.gsi3pk, item.gsi3sk = PHONE_MARKS, phone


# --- the dashboard's figures (adapters/dynamodb/figures.py) ----------------------------

HISTORY = "HIST#"
FIGURES = "FIG#"
DAY = "DAY#"
# Overdue amounts sort as fixed-width text: 20 integer digits, 4 decimals.
_OVERDUE_DIGITS = 20


def history_sk(invoice_id: str) -> str:
    return f"{HISTORY}{invoice_id}"


def figures_sk(currency: str) -> str:
    return f"{FIGURES}{currency}"


def figures_pk(subsidiary_id: str) -> str:
    return f"FIG#{subsidiary_id}"


def day_sk(as_of: date) -> str:
    return f"{DAY}{as_of.isoformat()}"


def skip_sk(as_of: date) -> str:
    return f"SKIP#{as_of.isoformat()}"


def overdue_key(subsidiary_id: str, currency: str) -> str:
    return f"OVERDUE#{subsidiary_id}#{currency}"


def overdue_sort(amount: Decimal) -> str:
    """An overdue amount (>= 0) as text that sorts as the number does."""
    units = int(max(amount, Decimal(0)).scaleb(4).to_integral_value(rounding=ROUND_DOWN))
    return str(units).zfill(_OVERDUE_DIGITS + 4)


def pauses_key(subsidiary_id: str) -> str:
    return f"PAUSES#{subsidiary_id}"


def promises_key(subsidiary_id: str) -> str:
    return f"PROMISES#{subsidiary_id}"


# --- needs attention (usecases/dashboard.py Dashboard.attention) --------------------------

UNADDRESSED = "UNADDRESSED"
REJECTED_IMPORTS = "IMPORTS#rejected"


def unaddressed_sk(letter_id: str) -> str:
    return f"NOADDR#{letter_id}"


def by_unaddressed(item: Item, day: date, letter_id: str) -> None:
    item.gsi3pk, item.gsi3sk = UNADDRESSED, f"{day.isoformat()}#{letter_id}"


def by_rejected(item: Item, at_utc: str, object_key: str) -> None:
    item.gsi3pk, item.gsi3sk = REJECTED_IMPORTS, f"{at_utc}#{object_key}"
