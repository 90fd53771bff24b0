"""Any valid drop imports exactly, through S3 and the import function into DynamoDB, and
importing it again changes nothing (a property test on the embedded AWS)."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from import_helpers import import_env, put_config, raw_items, records

from dunning.domain.model import Credit, CreditKind, Customer, Delivery, Invoice, InvoiceStatus
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

_drops = itertools.count(1)

# --- values an ERP may write ----------------------------------------------------------------

_text = (
    st.text(
        st.characters(exclude_categories=("Cc", "Cs"))
        | st.sampled_from(['"', ",", "\n", ";", "'"]),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_word = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_email = st.builds("{}@{}.example".format, _word, _word)
_currency = st.sampled_from(["EUR", "USD", "JPY", "GBP", "CHF"])
_day = st.dates(date(2000, 1, 1), date(2040, 12, 31))
_amount = st.sampled_from([0, 2, 3]).flatmap(
    lambda places: st.decimals(0, Decimal("99999999.999"), places=places)
)


@st.composite
def drops(draw: st.DrawFn) -> tuple[list[Customer], list[Invoice], list[Credit]]:
    n = next(_drops)
    customers = [_customer(draw, f"PC{n}-{i}") for i in range(draw(st.integers(1, 3)))]
    ids = [c.customer_id for c in customers]
    invoices = [_invoice(draw, f"PI{n}-{i}", ids) for i in range(draw(st.integers(0, 6)))]
    credits = [_credit(draw, f"PK{n}-{i}", ids) for i in range(draw(st.integers(0, 3)))]
    return customers, invoices, credits


def _customer(draw: st.DrawFn, customer_id: str) -> Customer:
    return Customer(
        customer_id=customer_id,
        subsidiary_id=draw(st.sampled_from(["IMPA", "IMPB"])),
        name=draw(_text),
        emails=tuple(draw(st.lists(_email, max_size=2, unique=True))),
        language=draw(st.sampled_from(["en", "de", "fr", "nl", "nl-BE"])),
        currency=draw(_currency),
        procedure_id=draw(st.none() | _word),
        delivery=draw(st.sampled_from(list(Delivery))),
        manager_email=draw(st.none() | _email),
        tags=tuple(draw(st.lists(_word, max_size=3, unique=True))),
        exclude_customer_email=draw(st.booleans()),
        split_by_department=draw(st.booleans()),
    )


def _invoice(draw: st.DrawFn, invoice_id: str, customer_ids: list[str]) -> Invoice:
    amount = draw(_amount)
    issued = draw(_day)
    status = draw(st.sampled_from(list(InvoiceStatus)))
    return Invoice(
        invoice_id=invoice_id,
        customer_id=draw(st.sampled_from(customer_ids)),
        number=draw(_word),
        issue_date=issued,
        due_date=issued + timedelta(days=draw(st.integers(0, 120))),
        currency=draw(_currency),
        amount=amount,
        amount_remaining=draw(st.decimals(0, amount, places=2)) if amount else amount,
        department=draw(st.none() | _word),
        group_id=draw(st.none() | _word),
        status=status,
        paid_date=draw(_day) if status is InvoiceStatus.PAID else None,
    )


def _credit(draw: st.DrawFn, credit_id: str, customer_ids: list[str]) -> Credit:
    return Credit(
        credit_id=credit_id,
        customer_id=draw(st.sampled_from(customer_ids)),
        currency=draw(_currency),
        date=draw(_day),
        amount_unapplied=draw(_amount),
        kind=draw(st.sampled_from(list(CreditKind))),
    )


def _csv(header: Sequence[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue().encode()


def _files(customers: list[Customer], invoices: list[Invoice], credits: list[Credit]) -> dict:
    def flag(value: bool) -> str:
        return "true" if value else "false"

    return {
        "customers.csv": _csv(
            [
                "customer_id", "subsidiary_id", "name", "email", "language", "currency",
                "procedure_id", "delivery", "manager_email", "tags",
                "exclude_customer_email", "split_by_department",
            ],
            [
                [
                    c.customer_id, c.subsidiary_id, c.name, ";".join(c.emails), c.language,
                    c.currency, c.procedure_id, c.delivery, c.manager_email, "|".join(c.tags),
                    flag(c.exclude_customer_email), flag(c.split_by_department),
                ]
                for c in customers
            ],
        ),
        "invoices.csv": _csv(
            [
                "invoice_id", "customer_id", "number", "issue_date", "due_date", "currency",
                "amount", "amount_remaining", "department", "group_id", "status", "paid_date",
            ],
            [
                [
                    i.invoice_id, i.customer_id, i.number, i.issue_date, i.due_date, i.currency,
                    i.amount, i.amount_remaining, i.department, i.group_id, i.status, i.paid_date,
                ]
                for i in invoices
            ],
        ),
        "credits.csv": _csv(
            ["credit_id", "customer_id", "currency", "date", "amount_unapplied", "kind"],
            [
                [k.credit_id, k.customer_id, k.currency, k.date, k.amount_unapplied, k.kind]
                for k in credits
            ],
        ),
    }  # fmt: skip


def _statuses(driver: LocalDriver, folder: str, files: dict[str, bytes], order: list[str]) -> dict:
    found = {}
    for name in order:
        (results,) = driver.put_object("ImportBucket", f"incoming/{folder}/{name}", files[name])
        found[name] = results[0]["status"]
    driver.drain()  # a file dropped before its customers waits for them
    return found


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(drop=drops(), order=st.permutations(["customers.csv", "invoices.csv", "credits.csv"]))
def test_any_valid_drop_imports_exactly_and_again_changes_nothing(
    aws: EmbeddedAws, driver: LocalDriver, drop: tuple, order: list[str]
):
    customers, invoices, credits = drop
    files = _files(customers, invoices, credits)
    put_config(aws)
    folder = customers[0].customer_id
    with import_env(aws, IMPORT_RETRY_SECONDS=0):
        first = _statuses(driver, folder, files, order)
        assert set(first.values()) <= {"imported", "waiting"}, first

        for customer in customers:
            stored = records(aws, customer.customer_id)
            # stored with who it is dunned as: itself, having no bill-to parent
            assert stored.customer == replace(customer, dunned_as_id=customer.customer_id)
            mine = sorted((i for i in invoices if i.customer_id == customer.customer_id), key=_id)
            read = sorted(stored.invoices, key=_id)
            assert read == mine
            # 12.50 stays 12.50, not 12.5: amounts are decimal strings, never floats
            assert [(str(i.amount), str(i.amount_remaining)) for i in read] == [
                (str(i.amount), str(i.amount_remaining)) for i in mine
            ]
            theirs = sorted((k for k in credits if k.customer_id == customer.customer_id), key=_id)
            assert sorted(stored.credits, key=_id) == theirs
        before = {c.customer_id: erp_items(aws, c.customer_id) for c in customers}
        logged = {c.customer_id: len(import_entries(aws, c.customer_id)) for c in customers}

        # The same bytes uploaded again under the same keys: nothing to do.
        again = _statuses(driver, folder, files, order)
        assert set(again.values()) == {"unchanged"}, again
        # And under other keys: imported again, and the table does not change.
        elsewhere = _statuses(driver, f"{folder}-again", files, list(files))
        assert set(elsewhere.values()) == {"imported"}, elsewhere
    assert {c.customer_id: erp_items(aws, c.customer_id) for c in customers} == before
    # Only the activity log grows: the imports under the other keys touched them again.
    assert {c.customer_id: len(import_entries(aws, c.customer_id)) for c in customers} == {
        c: 2 * n for c, n in logged.items()
    }


def import_entries(aws: EmbeddedAws, customer_id: str) -> list[dict[str, Any]]:
    """The customer's activity entries of imports (SPEC 2.10), wire format."""
    return [
        it
        for it in raw_items(aws, customer_id)
        if it["kind"]["S"] == "activity" and it["action"]["S"] == "import"
    ]


def erp_items(aws: EmbeddedAws, customer_id: str) -> list[dict[str, Any]]:
    """Every item of the customer as stored but the activity log's import entries."""
    imports = import_entries(aws, customer_id)
    return [it for it in raw_items(aws, customer_id) if it not in imports]


def _id(row: Any) -> str:
    return str(getattr(row, "invoice_id", None) or row.credit_id)
