"""Properties of the import: any valid file round-trips; the fast path changes nothing.

Files are generated here as an ERP might write them, with awkward but valid
values (quotes, commas and line breaks inside quoted cells, unicode, any
column order, optional columns left out, BOM or not, CRLF or LF, blank lines)
and read as S3 gives them: lines with their ends, or without (iter_lines).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.domain.imports import validation as csv_import
from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.report import report_csv
from dunning.domain.imports.row_cells import RowCells
from dunning.domain.imports.schema import SCHEMAS, FileKind
from dunning.domain.imports.validation import validate_file
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

pytestmark = pytest.mark.unit

FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def everyone(ids: Collection[str]) -> set[str]:
    return set(ids)


# --- Cell values --------------------------------------------------------------------

_AWKWARD = st.sampled_from(['"', ",", "'", ";", "|", "=", "-", "@", " ", "\n", "é", "€", "Ω", "😀"])
_CHARS = st.characters(exclude_categories=("Cc", "Cs")) | _AWKWARD  # no \r: see module doc


def texts(max_size: int = 20, exclude: str = "") -> st.SearchStrategy[str]:
    """Non-empty text the import keeps as is: nothing to strip at either end."""
    chars = _CHARS.filter(lambda c: c not in exclude) if exclude else _CHARS
    return st.text(chars, min_size=1, max_size=max_size).map(str.strip).filter(bool)


_ATOM = st.text("abcxyzABC0189!#$%&'*+/=?^_`{|}~-", min_size=1, max_size=6)
_LABEL_PART = st.text("abcxyz019", min_size=1, max_size=5)
_LABEL = _LABEL_PART | st.builds("{}-{}".format, _LABEL_PART, _LABEL_PART)
emails = st.builds(
    lambda local, labels, tld: f"{'.'.join(local)}@{'.'.join(labels)}.{tld}",
    st.lists(_ATOM, min_size=1, max_size=2),
    st.lists(_LABEL, min_size=1, max_size=2),
    st.sampled_from(["com", "example", "nl", "de"]),
)


def amounts(places: int, at_most: Decimal = Decimal(10**12)) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=at_most, places=places)


any_amount = st.sampled_from([0, 2, 3]).flatmap(amounts)
dates = st.dates(date(1900, 1, 1), date(2100, 1, 1))
currencies = st.sampled_from(["EUR", "USD", "JPY", "CHF", "GBP", "BHD"])
languages = st.sampled_from(["en", "de", "fr", "nl", "nl-BE", "nl_BE", "de_CH"])


def optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.none() | strategy


def written_bool(value: bool) -> st.SearchStrategy[str]:
    words = ["true", "TRUE", "yes", "Yes", "1"] if value else ["false", "False", "no", "0"]
    return st.sampled_from(words + ([""] if not value else []))


def written_enum(value: str, default: str) -> st.SearchStrategy[str]:
    variants = [value, value.upper(), value.title()] + ([""] if value == default else [])
    return st.sampled_from(variants)


# --- Rows: the expected object and its cells --------------------------------------


@dataclass
class Row:
    expected: object
    cells: dict[str, str]


@st.composite
def customer_rows(draw: st.DrawFn, customer_id: str) -> Row:
    bill_to_parent = draw(st.booleans())
    parent_id = draw(texts(10) if bill_to_parent else optional(texts(10)))
    delivery = draw(st.sampled_from(list(Delivery)))
    addresses = tuple(draw(st.lists(emails, max_size=3)))
    tags = tuple(draw(st.lists(texts(8, exclude="|"), max_size=3)))
    flags = draw(st.tuples(st.booleans(), st.booleans()))
    customer = Customer(
        customer_id=customer_id,
        subsidiary_id=draw(st.sampled_from(["NL01", "DE01"])),
        name=draw(texts(30)),
        emails=addresses,
        language=draw(languages),
        currency=draw(currencies),
        parent_id=parent_id,  # type: ignore[arg-type]
        bill_to_parent=bill_to_parent,
        procedure_id=draw(optional(texts(10))),  # type: ignore[arg-type]
        delivery=delivery,
        manager_email=draw(optional(emails)),  # type: ignore[arg-type]
        tags=tags,
        exclude_customer_email=flags[0],
        split_by_department=flags[1],
    )
    cells = {
        "customer_id": customer.customer_id,
        "subsidiary_id": customer.subsidiary_id,
        "name": customer.name,
        "email": draw(st.sampled_from([";", "; "])).join(addresses),
        "language": customer.language,
        "currency": customer.currency,
        "parent_id": customer.parent_id or "",
        "bill_to_parent": draw(written_bool(bill_to_parent)),
        "procedure_id": customer.procedure_id or "",
        "delivery": draw(written_enum(delivery, Delivery.EMAIL)),
        "manager_email": customer.manager_email or "",
        "tags": draw(st.sampled_from(["|", " | "])).join(tags),
        "exclude_customer_email": draw(written_bool(flags[0])),
        "split_by_department": draw(written_bool(flags[1])),
    }
    return Row(customer, cells)


@st.composite
def contact_rows(draw: st.DrawFn, customer_id: str) -> Row:
    contact = Contact(
        customer_id=customer_id,
        name=draw(texts(30)),
        email=draw(emails),
        department=draw(optional(texts(10))),  # type: ignore[arg-type]
        role=draw(optional(st.sampled_from(["dunning", "billing", "primary", "other"]))),  # type: ignore[arg-type]
    )
    cells = {
        "customer_id": customer_id,
        "name": contact.name,
        "email": contact.email,
        "department": contact.department or "",
        "role": contact.role or "",
    }
    return Row(contact, cells)


@st.composite
def group_rows(draw: st.DrawFn, group_id: str) -> Row:
    group = InvoiceGroup(group_id, draw(texts(10)), draw(optional(texts(10))))  # type: ignore[arg-type]
    cells = {
        "group_id": group_id,
        "customer_id": group.customer_id,
        "procedure_id": group.procedure_id or "",
    }
    return Row(group, cells)


@st.composite
def invoice_rows(draw: st.DrawFn, invoice_id: str) -> Row:
    issued = draw(dates)
    places = draw(st.sampled_from([0, 2, 3]))
    amount = draw(amounts(places))
    remaining = draw(st.just(amount) | amounts(places, at_most=amount))
    status = draw(st.sampled_from(list(InvoiceStatus)))
    invoice = Invoice(
        invoice_id=invoice_id,
        customer_id=draw(texts(10)),
        number=draw(texts(20)),
        issue_date=issued,
        due_date=issued + timedelta(days=draw(st.integers(0, 120))),
        currency=draw(currencies),
        amount=amount,
        amount_remaining=remaining,
        department=draw(optional(texts(10))),  # type: ignore[arg-type]
        group_id=draw(optional(texts(10))),  # type: ignore[arg-type]
        procedure_id=draw(optional(texts(10))),  # type: ignore[arg-type]
        status=status,
        paid_date=draw(optional(dates)),  # type: ignore[arg-type]
    )
    cells = {
        "invoice_id": invoice_id,
        "customer_id": invoice.customer_id,
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "currency": invoice.currency,
        "amount": str(amount),
        "amount_remaining": str(remaining),
        "department": invoice.department or "",
        "group_id": invoice.group_id or "",
        "procedure_id": invoice.procedure_id or "",
        "status": draw(written_enum(status, InvoiceStatus.OPEN)),
        "paid_date": invoice.paid_date.isoformat() if invoice.paid_date else "",
    }
    return Row(invoice, cells)


@st.composite
def credit_rows(draw: st.DrawFn, credit_id: str) -> Row:
    kind = draw(st.sampled_from(list(CreditKind)))
    credit = Credit(
        credit_id, draw(texts(10)), draw(currencies), draw(dates), draw(any_amount), kind
    )
    cells = {
        "credit_id": credit_id,
        "customer_id": credit.customer_id,
        "currency": credit.currency,
        "date": credit.date.isoformat(),
        "amount_unapplied": str(credit.amount_unapplied),
        "kind": draw(written_enum(kind, CreditKind.CREDIT_MEMO)),
    }
    return Row(credit, cells)


ROWS: dict[FileKind, Callable[[str], st.SearchStrategy[Row]]] = {
    FileKind.CUSTOMERS: customer_rows,
    FileKind.CONTACTS: contact_rows,
    FileKind.INVOICE_GROUPS: group_rows,
    FileKind.INVOICES: invoice_rows,
    FileKind.CREDITS: credit_rows,
}
REQUIRED = {kind: schema.required for kind, schema in SCHEMAS.items()}


def _contact_key(row: Row) -> tuple[str, ...]:
    contact = row.expected
    assert isinstance(contact, Contact)
    return (contact.customer_id, contact.email.lower(), contact.department or "")


@st.composite
def files(draw: st.DrawFn, kind: FileKind) -> tuple[list[Row], bytes]:
    ids = draw(st.lists(texts(12), max_size=8, unique=True))
    rows = [draw(ROWS[kind](i)) for i in ids]
    if kind is FileKind.CONTACTS:  # unique by (customer, e-mail, department)
        rows = list({_contact_key(r): r for r in reversed(rows)}.values())[::-1]
    all_columns = list(rows[0].cells) if rows else list(REQUIRED[kind])
    # Optional columns may be left out when no row needs them.
    kept = [
        c
        for c in all_columns
        if c in REQUIRED[kind] or any(r.cells.get(c) for r in rows) or draw(st.booleans())
    ]
    header = draw(st.permutations(kept))
    out = io.StringIO()
    writer = csv.writer(
        out,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    )
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.cells.get(c, "") for c in header])
        if draw(st.integers(0, 5)) == 0:
            out.write("\n")  # a blank line between rows
    data = out.getvalue().encode()
    return rows, (b"\xef\xbb\xbf" + data if draw(st.booleans()) else data)


def as_lines(data: bytes, with_ends: bool) -> Iterable[bytes]:
    return io.BytesIO(data) if with_ends else data.splitlines()


@pytest.mark.parametrize("kind", list(FileKind))
@FAST
@given(data=st.data(), with_ends=st.booleans())
def test_any_valid_file_validates_clean_and_parses_back_exactly(
    kind: FileKind, data: st.DataObject, with_ends: bool
) -> None:
    rows, content = data.draw(files(kind))

    report = validate_file(
        kind,
        as_lines(content, with_ends),
        known_customers=everyone,
        known_subsidiaries=["NL01", "DE01"],
    )
    assert report.ok, report_csv(report)
    assert report.rows == len(rows)
    with mock.patch.object(RowCells, "clean_batch", return_value=None):
        row_by_row = validate_file(kind, as_lines(content, with_ends), known_customers=everyone)
    assert row_by_row.ok, report_csv(row_by_row)

    parsed = list(parse_rows(kind, as_lines(content, with_ends)))
    # repr, not ==: Decimal("1.10") == Decimal("1.1"), but the digits must survive.
    assert [repr(p) for p in parsed] == [repr(r.expected) for r in rows]


# --- The fast path (whole batches) reports exactly what the row-by-row path does ----

# Per column: values fine as cells (first) and values that are not (second).
# Fine cells still break rules between rows (duplicates, unknown customers)
# and within a row (remaining > amount, due before issue, no parent).
MESSY: dict[FileKind, dict[str, tuple[list[str], list[str]]]] = {
    FileKind.INVOICES: {
        "invoice_id": (["INV-1", "INV-2", " INV-1", "INV-3"], ["", "I" * 101]),
        "customer_id": (["C001", "C404", " C001 "], [""]),
        "number": (["N1", "N 2"], [""]),
        "issue_date": (["2026-01-05", "2025-12-31"], ["2026-02-30", "2026-1-5", ""]),
        "due_date": (["2026-01-05", "2026-02-04", "2025-12-31"], ["x"]),
        "currency": (["EUR", " CHF", "eur"], ["XXX", ""]),
        "amount": (["10.00", "0", "5", " 7.5 ", "007.10"], ["-1", "12,50", "", "1e3"]),
        "amount_remaining": (["10.00", "0", "5.5", "10.001"], ["-0", "abc"]),
        "status": (["open", "OPEN", "Paid", ""], ["bogus"]),
        "paid_date": (["", "2026-03-01"], ["2026-04-31"]),
    },
    FileKind.CUSTOMERS: {
        "customer_id": (["C1", "C2", "C3"], [""]),
        "subsidiary_id": (["NL01", "XX"], [""]),
        "name": (["Acme"], [""]),
        "email": (["", "a@b.example", "a@b.example;c@d.example"], ["a@b"]),
        "language": (["en", "nl-BE"], ["xx"]),
        "currency": (["EUR"], ["eur"]),
        "parent_id": (["", "C1", "C9", "P404"], ["P" * 101]),
        "bill_to_parent": (["", "true", "no", "YES"], ["maybe"]),
        "delivery": (["", "print", "Print"], ["fax"]),
    },
    FileKind.CONTACTS: {
        "customer_id": (["C001", "C404"], [""]),
        "name": (["Jan"], [""]),
        "email": (["jan@acme.example", "JAN@acme.example"], ["bad", ""]),
        "department": (["", "Sales", "sales"], ["D" * 101]),
        "role": (["", "dunning", "Billing"], ["Boss"]),
    },
}


@st.composite
def messy_rows(draw: st.DrawFn, columns: dict[str, tuple[list[str], list[str]]]) -> list[str]:
    # Mostly rows of fine cells, so that whole batches take the fast path.
    fine = draw(st.integers(0, 4)) > 0
    return [draw(st.sampled_from(good if fine else good + bad)) for good, bad in columns.values()]


@pytest.mark.parametrize("kind", list(MESSY))
@FAST
@given(data=st.data())
def test_the_batch_fast_path_reports_exactly_what_row_by_row_checks_do(
    kind: FileKind, data: st.DataObject
) -> None:
    columns = MESSY[kind]
    rows = data.draw(st.lists(messy_rows(columns), max_size=30))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    lines = out.getvalue().encode().splitlines()

    def validate() -> str:
        known = lambda ids: {i for i in ids if i in ("C001", "C1", "C2", "C9")}  # noqa: E731
        report = validate_file(kind, lines, known_customers=known, known_subsidiaries=["NL01"])
        return report_csv(report)

    with mock.patch.object(csv_import, "ROW_BATCH", data.draw(st.integers(1, 8))):
        batched = validate()
    with mock.patch.object(RowCells, "clean_batch", return_value=None):
        row_by_row = validate()
    assert batched == row_by_row
