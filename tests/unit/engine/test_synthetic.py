"""Synthetic data: deterministic, in the CSV formats of SPEC 3.2, and dunnable."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from dunning.domain.configuration.parse import parse_config
from dunning.domain.engine.run import Snapshot, evaluate
from dunning.domain.money import minor_units
from dunning_local.synthetic import (
    CREDIT_COLUMNS,
    CUSTOMER_COLUMNS,
    INVOICE_COLUMNS,
    generate,
    write_csv,
)
from dunning_local.synthetic_readers import (
    credit_from_row,
    customer_from_row,
    group_from_row,
    invoice_from_row,
)

pytestmark = pytest.mark.unit

AS_OF = date(2025, 3, 14)


def csv_files(seed: int, customers: int = 120) -> dict[str, str]:
    data = generate(seed, customers, AS_OF, subsidiaries=6)
    out = {}
    for name, columns, rows in data.tables():
        buffer = io.StringIO()
        write_csv(buffer, columns, rows)
        out[name] = buffer.getvalue()
    out["dunning.yaml"] = data.config_yaml
    return out


def test_the_same_seed_gives_byte_identical_files():
    assert csv_files(7) == csv_files(7)


def test_another_seed_gives_other_data():
    assert csv_files(7)["invoices.csv"] != csv_files(8)["invoices.csv"]


def test_each_file_can_be_streamed_again_alone_and_is_the_same():
    data = generate(3, 50, AS_OF)
    assert list(data.invoices()) == list(data.invoices())


def test_headers_are_the_spec_columns():
    files = csv_files(1, 10)
    assert files["customers.csv"].splitlines()[0] == ",".join(CUSTOMER_COLUMNS)
    assert files["invoices.csv"].splitlines()[0] == ",".join(INVOICE_COLUMNS)
    assert files["credits.csv"].splitlines()[0] == ",".join(CREDIT_COLUMNS)


def test_the_invoice_count_is_exact():
    data = generate(5, 101, AS_OF, invoices_per_customer=7)
    assert sum(1 for _ in data.invoices()) == 707


def test_rows_are_strings_in_the_csv_formats():
    data = generate(11, 300, AS_OF, subsidiaries=6)
    customers = {r["customer_id"]: r for r in data.customers()}
    assert {r["language"] for r in customers.values()} == {"en", "de", "fr", "nl"}
    assert len({r["subsidiary_id"] for r in customers.values()}) == 6
    statuses: Counter[str] = Counter()
    for row in data.invoices():
        assert all(isinstance(v, str) for v in row.values())
        assert row["customer_id"] in customers
        due = date.fromisoformat(row["due_date"])
        assert -100 <= (due - AS_OF).days <= 20
        assert date.fromisoformat(row["issue_date"]) <= min(due, AS_OF)
        decimals = minor_units(row["currency"])
        pattern = r"^\d+$" if decimals == 0 else rf"^\d+\.\d{{{decimals}}}$"
        assert re.match(pattern, row["amount"]) and re.match(pattern, row["amount_remaining"])
        assert Decimal(row["amount_remaining"]) <= Decimal(row["amount"])
        statuses[row["status"]] += 1
        if row["status"] == "paid":
            assert row["paid_date"] and row["amount_remaining"] in ("0.00", "0")
    assert statuses["open"] > statuses["paid"] > statuses["void"] > 0


def test_children_bill_to_a_parent_of_the_same_subsidiary():
    customers = {r["customer_id"]: r for r in generate(2, 400, AS_OF).customers()}
    children = [r for r in customers.values() if r["bill_to_parent"] == "true"]
    assert children
    for child in children:
        assert customers[child["parent_id"]]["subsidiary_id"] == child["subsidiary_id"]


def test_the_config_is_valid_and_the_engine_duns_every_subsidiary():
    data = generate(9, 400, AS_OF, subsidiaries=6)
    config = parse_config(data.config_yaml)
    customers = [customer_from_row(r) for r in data.customers()]
    snapshot = Snapshot(
        customers=customers,
        invoices=[invoice_from_row(r) for r in data.invoices()],
        credits=[credit_from_row(r) for r in data.credits()],
        groups=[group_from_row(r) for r in data.invoice_groups()],
        pauses=(),
        states=(),
    )
    for sub in config.subsidiaries:
        result = evaluate(config, sub.subsidiary_id, snapshot, AS_OF)
        assert result.letters, sub.subsidiary_id
        assert {letter.subsidiary_id for letter in result.letters} == {sub.subsidiary_id}
