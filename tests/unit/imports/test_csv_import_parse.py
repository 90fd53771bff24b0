"""A good file of each kind validates clean and parses into the exact model objects."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.reading import InvalidFileError
from dunning.domain.imports.schema import FileKind, kind_for_key
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

GOOD = Path(__file__).parent / "fixtures" / "good"

EXPECTED: dict[FileKind, list[object]] = {
    FileKind.CUSTOMERS: [
        Customer(
            customer_id="C001",
            subsidiary_id="NL01",
            name="Acme, Nederland B.V.",
            emails=("ap@acme.example", "finance@acme.example"),
            language="nl",
            currency="EUR",
            procedure_id="STD",
            manager_email="anna@us.example",
            tags=("key account", "export"),
        ),
        Customer(
            customer_id="C002",
            subsidiary_id="NL01",
            name='Café "Zuid"',
            language="nl-BE",
            currency="EUR",
            parent_id="C001",
            bill_to_parent=True,
            delivery=Delivery.PRINT,
            split_by_department=True,
        ),
        Customer(
            customer_id="C003",
            subsidiary_id="DE01",
            name="Müller GmbH",
            emails=("buchhaltung@mueller.example",),
            language="de",
            currency="CHF",
            delivery=Delivery.BOTH,
            exclude_customer_email=True,
        ),
    ],
    FileKind.CONTACTS: [
        Contact("C001", "Jan de Vries", "jan@acme.example", role="dunning"),
        Contact("C001", "Ellen Smith", "ellen@acme.example", department="Sales"),
        Contact("C002", "Zoë O'Brien, CFO", "zoe@cafe.example", role="billing"),
    ],
    FileKind.INVOICE_GROUPS: [
        InvoiceGroup("G1", "C001", "GROUP"),
        InvoiceGroup("G2", "C002"),
    ],
    FileKind.INVOICES: [
        Invoice(
            "INV-1",
            "C001",
            "2026-0001",
            date(2026, 1, 5),
            date(2026, 2, 4),
            "EUR",
            Decimal("1234.50"),
            Decimal("1234.50"),
        ),
        Invoice(
            "INV-2",
            "C001",
            "2026-0002, part 1",
            date(2026, 1, 31),
            date(2026, 1, 31),
            "EUR",
            Decimal("100"),
            Decimal("0.01"),
            department="Sales",
            group_id="G1",
            procedure_id="INVPROC",
            status=InvoiceStatus.OPEN,
        ),
        Invoice(
            "INV-3",
            "C002",
            "2026-0003",
            date(2024, 2, 29),
            date(2024, 3, 30),
            "JPY",
            Decimal("5000"),
            Decimal("0"),
            status=InvoiceStatus.PAID,
            paid_date=date(2024, 4, 2),
        ),
        Invoice(
            "INV-4",
            "C003",
            "2026-0004",
            date(2026, 3, 1),
            date(2026, 4, 1),
            "CHF",
            Decimal("0.00"),
            Decimal("0.00"),
            status=InvoiceStatus.VOID,
        ),
    ],
    FileKind.CREDITS: [
        Credit("CR-1", "C001", "EUR", date(2026, 2, 1), Decimal("25.00")),
        Credit("CR-2", "C002", "JPY", date(2026, 2, 2), Decimal("300"), CreditKind.PAYMENT),
        Credit("CR-3", "C003", "CHF", date(2026, 2, 3), Decimal("0.10"), CreditKind.CREDIT_MEMO),
    ],
}


def known(ids: object) -> set[str]:
    return {"C001", "C002", "C003"}


@pytest.mark.parametrize("kind", list(FileKind))
def test_good_file_validates_clean(kind: FileKind) -> None:
    path = GOOD / f"{kind}.csv"
    assert kind_for_key(f"incoming/2026-11-01/{path.name}") is kind
    with path.open("rb") as lines:
        report = validate_file(
            kind, lines, known_customers=known, known_subsidiaries={"NL01", "DE01"}
        )
    assert report.ok, report.errors
    assert report.rows == len(EXPECTED[kind])


@pytest.mark.parametrize("kind", list(FileKind))
def test_good_file_parses_into_exact_model_objects(kind: FileKind) -> None:
    with (GOOD / f"{kind}.csv").open("rb") as lines:
        parsed = list(parse_rows(kind, lines))
    assert parsed == EXPECTED[kind]
    # Money is Decimal to the digit as written, never float.
    for row in parsed:
        for name in ("amount", "amount_remaining", "amount_unapplied"):
            if hasattr(row, name):
                assert type(getattr(row, name)) is Decimal


def test_parsing_keeps_amounts_as_written() -> None:
    (invoice, *_) = parse_rows(FileKind.INVOICES, (GOOD / "invoices.csv").read_bytes().splitlines())
    assert isinstance(invoice, Invoice)
    assert str(invoice.amount) == "1234.50"


def test_lines_without_line_ends_parse_the_same() -> None:
    # S3's iter_lines() drops the line ends; a file iterated in binary keeps them.
    data = (GOOD / "customers.csv").read_bytes()
    assert list(parse_rows(FileKind.CUSTOMERS, data.splitlines())) == EXPECTED[FileKind.CUSTOMERS]


def test_a_quoted_line_break_survives_lines_without_line_ends() -> None:
    data = b'group_id,customer_id,procedure_id\n"G\n1",C001,\n'
    (group,) = parse_rows(FileKind.INVOICE_GROUPS, data.splitlines())
    assert group == InvoiceGroup("G\n1", "C001")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"group_id;customer_id\nG1;C001\n", "separated by ';'"),
        (b"group_id,customer_id\nG1\n", "line 2: expected 2 values"),
        (b"group_id,customer_id\n\nG1,\n", "line 3, customer_id: a value is required"),
        (b'group_id,customer_id\nG1,"C001\n', "line 2: a quoted cell is still open"),
        (b"group_id,customer_id\nG\xe91,C001\n", "byte 0xE9 at line 2"),
    ],
)
def test_parse_rows_refuses_a_file_that_does_not_validate(data: bytes, message: str) -> None:
    with pytest.raises(InvalidFileError, match=message):
        list(parse_rows(FileKind.INVOICE_GROUPS, data.splitlines(keepends=True)))
