"""Helpers of the import tests: the import function's settings for one test, the
configuration they need, and reading back what the import wrote."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dunning.adapters.dynamodb.import_ledger import ImportLedger
from dunning.adapters.dynamodb.keys import cust_pk
from dunning.adapters.dynamodb.mapping import records as item_records
from dunning.adapters.dynamodb.models import Item, bind
from dunning.domain.delivery.refresh import CustomerRecords
from dunning.domain.imports.tracking import ImportRecord
from dunning.domain.model import Invoice
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.table import DunningTable

CONFIG = b"""\
subsidiaries:
  - {id: IMPA, name: Import A, base_currency: EUR, timezone: UTC}
  - {id: IMPB, name: Import B, base_currency: USD, timezone: America/New_York}
  - {id: FRESH, name: Fresh, base_currency: EUR, timezone: UTC, max_import_age_hours: 24}
procedures: []
"""

CUSTOMER_COLUMNS = ("customer_id", "subsidiary_id", "name", "email", "language", "currency")
INVOICE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "amount_remaining",
)


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[str(cell) for cell in row] for row in rows])
    return out.getvalue().encode()


def customers_csv(*ids: str, subsidiary: str = "IMPA") -> bytes:
    return csv_bytes(
        CUSTOMER_COLUMNS,
        [(c, subsidiary, f"Customer {c}", f"{c.lower()}@x.example", "en", "EUR") for c in ids],
    )


def invoices_csv(*rows: tuple[str, str, str]) -> bytes:
    """(invoice id, customer id, amount remaining) rows; amount 100.00, EUR."""
    return csv_bytes(
        INVOICE_COLUMNS,
        [(i, c, f"N-{i}", "2026-01-05", "2026-02-04", "EUR", "100.00", r) for i, c, r in rows],
    )


@contextmanager
def import_env(aws: EmbeddedAws, **values: object) -> Iterator[None]:
    """The import function's environment changed for one test (as a redeploy would)."""
    env = aws.deployment.function_env["ImportFunction"]
    saved = dict(env)
    env.update({name: str(value) for name, value in values.items()})
    try:
        yield
    finally:
        env.clear()
        env.update(saved)


def put_config(aws: EmbeddedAws, body: bytes = CONFIG) -> None:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=body
    )


def repository(aws: EmbeddedAws) -> DunningTable:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return DunningTable()


def records(aws: EmbeddedAws, customer_id: str) -> CustomerRecords:
    """One customer's partition, read strongly consistent and mapped to the domain by the
    repository's own mapping."""
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return item_records(Item.query(cust_pk(customer_id), consistent_read=True))


def invoice(aws: EmbeddedAws, customer_id: str, invoice_id: str) -> Invoice:
    (found,) = [i for i in records(aws, customer_id).invoices if i.invoice_id == invoice_id]
    return found


def ledger(aws: EmbeddedAws, key: str) -> ImportRecord | None:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return ImportLedger().get(key)


def raw_items(aws: EmbeddedAws, customer_id: str) -> list[dict[str, Any]]:
    """Every item of one customer as stored, in the wire format (for exact comparisons)."""
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return [it.serialize() for it in Item.query(cust_pk(customer_id), consistent_read=True)]


def bucket_keys(aws: EmbeddedAws, prefix: str) -> list[str]:
    s3 = aws.client("s3")
    found = s3.list_objects_v2(Bucket=aws.deployment.refs["ImportBucket"], Prefix=prefix)
    return sorted(o["Key"] for o in found.get("Contents", []))


def read_object(aws: EmbeddedAws, key: str) -> bytes:
    s3 = aws.client("s3")
    return bytes(s3.get_object(Bucket=aws.deployment.refs["ImportBucket"], Key=key)["Body"].read())
