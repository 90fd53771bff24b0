"""What each import file holds (SPEC 3.2): its columns, key and row rules.

One `Schema` per file kind drives both the validation and the parsing of its
rows, so what validates is exactly what parses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from operator import gt, lt

from dunning.domain.imports.address_columns import (
    PHONE,
    address_columns,
    address_problems,
    addresses_whole,
    customer_row,
)
from dunning.domain.imports.cells import (
    ErrorCode,
    amounts_valid,
    choice_parser,
    currencies_valid,
    dates_valid,
    enum_parser,
    parse_amount,
    parse_bool,
    parse_currency,
    parse_date,
    parse_email,
    parse_email_list,
    parse_language,
    parse_payment_reference,
    parse_tags,
    values_valid,
)
from dunning.domain.imports.columns import (
    ID_MAX,
    LIST_MAX,
    NO_PROBLEMS,
    Cells,
    Column,
    Problem,
    Values,
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
)

ImportedRow = Customer | Contact | Invoice | Credit | InvoiceGroup


class FileKind(StrEnum):
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    INVOICE_GROUPS = "invoice_groups"
    INVOICES = "invoices"
    CREDITS = "credits"


# Dependency order for files dropped together: a row may only name what an
# earlier kind defines (contacts and invoices name customers, invoices groups).
IMPORT_ORDER: tuple[FileKind, ...] = (
    FileKind.CUSTOMERS,
    FileKind.CONTACTS,
    FileKind.INVOICE_GROUPS,
    FileKind.INVOICES,
    FileKind.CREDITS,
)

# Longest first, so that no kind's name can shadow a longer one sharing its start.
_BY_PREFIX = sorted(FileKind, key=lambda kind: -len(kind.value))


def kind_for_key(s3_key: str) -> FileKind | None:
    """The file kind from the object's file name (`incoming/x/invoices_nl.csv`)."""
    name = s3_key.rsplit("/", 1)[-1].lower()
    if not name.endswith(".csv"):
        return None
    return next((kind for kind in _BY_PREFIX if name.startswith(kind.value)), None)


def import_rank(name: str) -> int:
    """Where a file (its name or key) comes in IMPORT_ORDER; unknown kinds last."""
    kind = kind_for_key(name)
    return len(IMPORT_ORDER) if kind is None else IMPORT_ORDER.index(kind)


CONTACT_ROLES = ("dunning", "billing", "primary", "other")


@dataclass(frozen=True, slots=True)
class Schema:
    kind: FileKind
    model: Callable[..., ImportedRow]
    columns: tuple[Column, ...]
    # What makes a row unique in the file: these columns' texts, joined by
    # `make_key` (None: the one column's text is the key).
    key_columns: tuple[str, ...]
    key_label: str  # how a duplicate is named to people
    make_key: Callable[..., str] | None = None
    duplicate_column: str = ""  # where a duplicate is reported (default: the key's first)
    # Rules between the cells of a row; NO_PROBLEMS (shared) when all hold...
    checks: Callable[[Values], Sequence[Problem]] | None = None
    # ...and the same rules over a batch of valid cells: True only if all hold.
    batch_checks: Callable[[Cells], bool] | None = None

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if not column.required)

    @property
    def reported_key(self) -> str:
        return self.duplicate_column or self.key_columns[0]


def _contact_key(customer_id: str, email: str, department: str) -> str:
    # One person may be a contact for several departments of a customer, and an
    # address is the same whatever its letter case. Length prefixes keep the
    # joined key unambiguous whatever characters the cells hold.
    address = email.lower()
    return f"{len(customer_id)}:{customer_id}{len(address)}:{address}{department}"


def _check_customer(values: Values) -> Sequence[Problem]:
    problems: list[Problem] = []
    if values.get("bill_to_parent") and values.get("parent_id") is None:
        message = "bill_to_parent is true: give the parent_id"
        problems.append(Problem("parent_id", "", ErrorCode.MISSING_VALUE, message))
    problems.extend(address_problems(values))
    return problems or NO_PROBLEMS


def _customers_consistent(cells: Cells) -> bool:
    return _parents_given(cells) and addresses_whole(cells)


def _parents_given(cells: Cells) -> bool:
    flags, parents = cells.get("bill_to_parent"), cells.get("parent_id")
    if flags is None:
        return True
    return not any(
        flag and parse_bool(flag) and not (parents and parents[i]) for i, flag in enumerate(flags)
    )


def _check_invoice(values: Values) -> Sequence[Problem]:
    problems: list[Problem] = []
    amount, remaining = values.get("amount"), values.get("amount_remaining")
    if amount is not None and remaining is not None and remaining > amount:  # type: ignore[operator]
        message = f"amount_remaining is more than the amount {amount}"
        problems.append(
            Problem("amount_remaining", str(remaining), ErrorCode.REMAINING_EXCEEDS_AMOUNT, message)
        )
    issued, due = values.get("issue_date"), values.get("due_date")
    if issued is not None and due is not None and due < issued:  # type: ignore[operator]
        message = f"due_date is before the issue_date {issued}"
        problems.append(Problem("due_date", str(due), ErrorCode.DUE_BEFORE_ISSUE, message))
    return problems or NO_PROBLEMS


def _invoices_consistent(cells: Cells) -> bool:
    # Required cells, all valid here: YYYY-MM-DD texts compare as their dates do.
    if any(map(lt, cells["due_date"], cells["issue_date"])):
        return False
    remaining, amount = cells["amount_remaining"], cells["amount"]
    return not any(map(gt, map(Decimal, remaining), map(Decimal, amount)))


def _check_credit(values: Values) -> Sequence[Problem]:
    reference = values.get("payment_reference")
    if reference is not None and values.get("kind") is not CreditKind.PAYMENT:
        message = "a payment_reference belongs on a row of kind payment"
        return [Problem("payment_reference", str(reference), ErrorCode.BAD_REFERENCE, message)]
    return NO_PROBLEMS


def _credits_consistent(cells: Cells) -> bool:
    references, kinds = cells.get("payment_reference"), cells.get("kind")
    if not references:
        return True
    return all(not ref or (kinds is not None and kinds[i] == "payment")
               for i, ref in enumerate(references))  # fmt: skip


def _id(name: str, *, required: bool = False) -> Column:
    return Column(name, required=required, max_length=ID_MAX)


def _date(name: str, *, required: bool = False) -> Column:
    return Column(name, parse_date, required=required, all_valid=dates_valid)


def _enum(name: str, kind: type[StrEnum]) -> Column:
    return Column(name, enum_parser(kind), all_valid=values_valid(kind))


_CUSTOMER_ID = _id("customer_id", required=True)
_CURRENCY = Column("currency", parse_currency, required=True, all_valid=currencies_valid)


def _amount(name: str) -> Column:
    return Column(name, parse_amount, required=True, all_valid=amounts_valid)


SCHEMAS: Mapping[FileKind, Schema] = {
    FileKind.CUSTOMERS: Schema(
        FileKind.CUSTOMERS,
        customer_row,
        (
            _CUSTOMER_ID,
            _id("subsidiary_id", required=True),
            Column("name", required=True),
            # A customer may have no e-mail: it is then dunned by print.
            Column(
                "email",
                parse_email_list,
                required=True,
                filled=False,
                max_length=LIST_MAX,
                field="emails",
            ),
            Column("language", parse_language, required=True, max_length=35),
            _CURRENCY,
            _id("parent_id"),
            Column("bill_to_parent", parse_bool),
            _id("procedure_id"),
            _enum("delivery", Delivery),
            Column("manager_email", parse_email),
            Column("tags", parse_tags, max_length=LIST_MAX),
            Column("exclude_customer_email", parse_bool),
            Column("split_by_department", parse_bool),
            PHONE,
            *address_columns(),
        ),
        key_columns=("customer_id",),
        key_label="customer_id",
        checks=_check_customer,
        batch_checks=_customers_consistent,
    ),
    FileKind.CONTACTS: Schema(
        FileKind.CONTACTS,
        Contact,
        (
            _CUSTOMER_ID,
            Column("name", required=True),
            Column("email", parse_email, required=True),
            _id("department"),
            Column("role", choice_parser(CONTACT_ROLES), all_valid=values_valid(CONTACT_ROLES)),
            PHONE,
        ),
        key_columns=("customer_id", "email", "department"),
        key_label="contact (customer_id, email, department)",
        make_key=_contact_key,
        duplicate_column="email",
    ),
    FileKind.INVOICE_GROUPS: Schema(
        FileKind.INVOICE_GROUPS,
        InvoiceGroup,
        (_id("group_id", required=True), _CUSTOMER_ID, _id("procedure_id")),
        key_columns=("group_id",),
        key_label="group_id",
    ),
    FileKind.INVOICES: Schema(
        FileKind.INVOICES,
        Invoice,
        (
            _id("invoice_id", required=True),
            _CUSTOMER_ID,
            _id("number", required=True),
            _date("issue_date", required=True),
            _date("due_date", required=True),
            _CURRENCY,
            _amount("amount"),
            _amount("amount_remaining"),
            _id("department"),
            _id("group_id"),
            _id("procedure_id"),
            _enum("status", InvoiceStatus),
            _date("paid_date"),
        ),
        key_columns=("invoice_id",),
        key_label="invoice_id",
        checks=_check_invoice,
        batch_checks=_invoices_consistent,
    ),
    FileKind.CREDITS: Schema(
        FileKind.CREDITS,
        Credit,
        (
            _id("credit_id", required=True),
            _CUSTOMER_ID,
            _CURRENCY,
            _date("date", required=True),
            _amount("amount_unapplied"),
            _enum("kind", CreditKind),
            # An RF reference is at most 25 characters; printed in groups it has spaces.
            Column("payment_reference", parse_payment_reference, max_length=40),
        ),
        key_columns=("credit_id",),
        key_label="credit_id",
        checks=_check_credit,
        batch_checks=_credits_consistent,
    ),
}
