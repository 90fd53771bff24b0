"""The import through the local driver: S3 drop -> import function -> DynamoDB and
processed/ or rejected/; redelivered, older and identical uploads; files dropped out
of dependency order; resumable chunks; the freshness guard fed by the import."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from import_helpers import (
    CUSTOMER_COLUMNS,
    bucket_keys,
    csv_bytes,
    customers_csv,
    import_env,
    invoice,
    invoices_csv,
    ledger,
    put_config,
    raw_items,
    read_object,
    records,
    repository,
)

from dunning.composition import import_deps
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver, s3_event

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _config(aws: EmbeddedAws) -> None:
    put_config(aws)


def _drop(driver: LocalDriver, key: str, body: bytes) -> dict[str, Any]:
    """Upload like the ERP does; the import function's result for that object."""
    (results,) = driver.put_object("ImportBucket", key, body)
    (result,) = results
    return result


def _upload_only(aws: EmbeddedAws, key: str, body: bytes) -> dict[str, Any]:
    """Upload without delivering the notification yet: the event, to deliver later."""
    s3 = aws.client("s3")
    bucket = aws.deployment.refs["ImportBucket"]
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return s3_event(bucket, key, s3.head_object(Bucket=bucket, Key=key))


class WriteCounter:
    """Counts the DynamoDB requests of the import function's own clients."""

    def __init__(self, aws: EmbeddedAws):
        with aws.function_env("ImportFunction"):
            deps = import_deps(Settings.from_env(), aws.deployment.refs["ImportBucket"])
        self.calls: Counter[str] = Counter()
        self.client = deps.repo.writer.client  # type: ignore[attr-defined]
        self.client.meta.events.register("before-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def close(self) -> None:
        self.client.meta.events.unregister("before-call.dynamodb", self._count)


# --- a good file, a bad file -------------------------------------------------------------


def test_a_good_file_is_written_and_moves_to_processed(aws: EmbeddedAws, driver: LocalDriver):
    repo = repository(aws)
    result = _drop(driver, "incoming/good/customers.csv", customers_csv("G1", "G2"))
    assert result["status"] == "imported" and result["rows"] == 2
    assert result["moved_to"] == "processed/good/customers.csv"
    assert bucket_keys(aws, "incoming/good/") == []
    assert records(aws, "G2").customer.name == "Customer G2"

    invoices = invoices_csv(("GI1", "G1", "40.50"), ("GI2", "G2", "0.00"))
    result = _drop(driver, "incoming/good/invoices.csv", invoices)
    assert (result["status"], result["rows"]) == ("imported", 2)
    assert invoice(aws, "G1", "GI1").amount_remaining == Decimal("40.50")
    record = ledger(aws, "incoming/good/invoices.csv")
    assert record is not None and record.state == "imported" and record.rows_done == 2
    assert record.subsidiaries == ("IMPA",)
    assert repo.last_import("IMPA") is not None


def test_a_bad_file_is_rejected_whole_with_both_reports_and_nothing_written(
    aws: EmbeddedAws, driver: LocalDriver
):
    body = csv_bytes(
        CUSTOMER_COLUMNS,
        [
            ("B1", "IMPA", "Fine", "b1@x.example", "en", "EUR"),
            ("B2", "NOWHERE", "Bad subsidiary", "b2@x.example", "en", "EUR"),
            ("B3", "IMPA", "Bad currency", "b3@x.example", "en", "EURO"),
        ],
    )
    result = _drop(driver, "incoming/bad/customers_eu.csv", body)
    assert result["status"] == "rejected" and result["errors"] == 2
    assert result["moved_to"] == "rejected/bad/customers_eu.csv"
    assert result["report"] == "rejected/bad/customers_eu.errors.csv"
    assert bucket_keys(aws, "rejected/bad/") == [
        "rejected/bad/customers_eu.csv",
        "rejected/bad/customers_eu.errors.csv",
        "rejected/bad/customers_eu.errors.json",
    ]
    report = read_object(aws, "rejected/bad/customers_eu.errors.csv").decode()
    assert '"3","subsidiary_id","NOWHERE","unknown_subsidiary"' in report
    assert '"4","currency","EURO","unknown_currency"' in report
    summary = json.loads(read_object(aws, "rejected/bad/customers_eu.errors.json"))
    assert summary["error_count"] == 2 and summary["rows"] == 3
    # nothing written, not even the good row
    assert all(raw_items(aws, c) == [] for c in ("B1", "B2", "B3"))
    assert repository(aws).last_import("NOWHERE") is None


def test_a_file_of_unknown_type_or_too_large_is_rejected_with_a_message(
    aws: EmbeddedAws, driver: LocalDriver
):
    result = _drop(driver, "incoming/odd/payments.csv", b"a,b\n1,2\n")
    assert result["status"] == "rejected"
    summary = json.loads(read_object(aws, "rejected/odd/payments.errors.json"))
    assert summary["file_error"].startswith("unknown file type: payments.csv")
    with import_env(aws, IMPORT_MAX_BYTES=100):
        result = _drop(driver, "incoming/odd/customers.csv", customers_csv(*"ABCDEFGH"))
    assert result["status"] == "rejected"
    assert "files of at most 0 MB are imported: split the export" in result["detail"]


# --- idempotent and ordered --------------------------------------------------------------


def test_a_redelivered_event_and_an_identical_upload_write_nothing(
    aws: EmbeddedAws, driver: LocalDriver
):
    key = "incoming/again/customers.csv"
    event = _upload_only(aws, key, customers_csv("R1", "R2"))
    (first,) = driver.invoke("ImportFunction", event)
    assert first["status"] == "imported"
    before = raw_items(aws, "R1")
    counter = WriteCounter(aws)
    try:
        (again,) = driver.invoke("ImportFunction", event)  # S3 delivers it twice
        assert again["status"] == "already handled"
        assert again["moved_to"] == "processed/again/customers.csv"
        same = _drop(driver, key, customers_csv("R1", "R2"))  # the same bytes, uploaded again
        assert (same["status"], same["rows"]) == ("unchanged", 2)
        record = ledger(aws, key)
        assert record is not None and record.state == "unchanged"
        assert counter.calls["BatchWriteItem"] == 0
    finally:
        counter.close()
    assert raw_items(aws, "R1") == before
    assert bucket_keys(aws, "incoming/again/") == []
    head = aws.client("s3").head_object(
        Bucket=aws.deployment.refs["ImportBucket"], Key="processed/again/customers.csv"
    )
    assert head["Metadata"]["dunning-status"] == "unchanged"


def test_an_older_event_never_overwrites_newer_data(aws: EmbeddedAws, driver: LocalDriver):
    _drop(driver, "incoming/order/customers.csv", customers_csv("O1"))
    key = "incoming/order/invoices.csv"
    old_event = _upload_only(aws, key, invoices_csv(("OI1", "O1", "100.00")))
    new = _drop(driver, key, invoices_csv(("OI1", "O1", "25.00")))  # uploaded later
    assert new["status"] == "imported"
    (late,) = driver.invoke("ImportFunction", old_event)  # the older notification, late
    assert late["status"] == "superseded"
    assert late["moved_to"] == "superseded/order/invoices.csv"
    assert invoice(aws, "O1", "OI1").amount_remaining == Decimal("25.00")
    assert b"100.00,100.00" in read_object(aws, "superseded/order/invoices.csv")
    assert bucket_keys(aws, "incoming/order/") == []


# --- dependency order and waiting --------------------------------------------------------


def test_files_dropped_in_one_event_are_taken_customers_first(
    aws: EmbeddedAws, driver: LocalDriver
):
    inv = _upload_only(aws, "incoming/one/invoices.csv", invoices_csv(("EI1", "E1", "9.99")))
    cust = _upload_only(aws, "incoming/one/customers_z.csv", customers_csv("E1"))
    event = {"Records": inv["Records"] + cust["Records"]}  # invoices listed first
    results = driver.invoke("ImportFunction", event)
    assert [(r["key"], r["status"]) for r in results] == [
        ("incoming/one/customers_z.csv", "imported"),
        ("incoming/one/invoices.csv", "imported"),
    ]


def test_a_file_waits_for_the_customers_dropped_after_it(aws: EmbeddedAws, driver: LocalDriver):
    with import_env(aws, IMPORT_RETRY_SECONDS=0):
        early = _drop(driver, "incoming/wait/invoices.csv", invoices_csv(("WI1", "W1", "12.00")))
        assert early["status"] == "waiting" and early["moved_to"] == ""
        assert "validated again in 0 s" in early["detail"]
        later = _drop(driver, "incoming/wait/customers.csv", customers_csv("W1"))
        assert later["status"] == "imported"
        driver.drain()  # the waiting file's follow-up
    record = ledger(aws, "incoming/wait/invoices.csv")
    assert record is not None and (record.state, record.attempts) == ("imported", 1)
    assert bucket_keys(aws, "processed/wait/") == [
        "processed/wait/customers.csv",
        "processed/wait/invoices.csv",
    ]
    assert invoice(aws, "W1", "WI1").amount == Decimal("100.00")


def test_a_file_naming_unknown_customers_waits_a_bounded_time_then_is_rejected(
    aws: EmbeddedAws, driver: LocalDriver
):
    with import_env(aws, IMPORT_RETRY_SECONDS=0, IMPORT_MAX_ATTEMPTS=3):
        first = _drop(driver, "incoming/never/invoices.csv", invoices_csv(("NI1", "NOBODY", "1")))
        assert first["status"] == "waiting"
        driver.drain()
    record = ledger(aws, "incoming/never/invoices.csv")
    assert record is not None and (record.state, record.attempts) == ("rejected", 3)
    report = read_object(aws, "rejected/never/invoices.errors.csv").decode()
    assert '"2","customer_id","NOBODY","unknown_customer"' in report
    summary = json.loads(read_object(aws, "rejected/never/invoices.errors.json"))
    assert summary["detail"].startswith("customers still unknown after waiting")
    assert raw_items(aws, "NOBODY") == []


def test_the_waiting_bound_is_also_a_time_bound(aws: EmbeddedAws, driver: LocalDriver):
    # 90 s of waiting allowed, first retry after 60 s, then 120 s: one wait only.
    with import_env(aws, IMPORT_RETRY_SECONDS=60, IMPORT_MAX_WAIT_SECONDS=90):
        first = _drop(driver, "incoming/time/invoices.csv", invoices_csv(("TI1", "NOONE", "1")))
    assert first["status"] == "waiting" and "validated again in 60 s" in first["detail"]
    record = ledger(aws, "incoming/time/invoices.csv")
    assert record is not None and record.state == "waiting"
    # The follow-up is delayed 60 s: deliver it now, as if the minute had passed.
    event_body = json.dumps(
        {
            "bucket": aws.deployment.refs["ImportBucket"],
            "key": "incoming/time/invoices.csv",
            "etag": record.etag,
            "sequencer": record.sequencer,
            "size": 0,
            "version_id": record.version_id,
        }
    )
    from dunning_local.driver import sqs_record

    message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": event_body}
    arn = aws.deployment.attrs["ImportQueue.Arn"]
    with import_env(aws, IMPORT_RETRY_SECONDS=60, IMPORT_MAX_WAIT_SECONDS=90):
        response = driver.invoke("ImportFunction", {"Records": [sqs_record(message, arn)]})
    assert response == {"batchItemFailures": []}
    record = ledger(aws, "incoming/time/invoices.csv")
    assert record is not None and (record.state, record.attempts) == ("rejected", 2)


# --- resumable chunks ------------------------------------------------------------------------


def test_a_large_file_is_written_in_checkpointed_chunks_over_several_runs(
    aws: EmbeddedAws, driver: LocalDriver
):
    rows = [
        (f"K{i}", "IMPA", f'Name "{i}",\nline two' if i % 3 == 0 else f"Name {i}", "", "en", "EUR")
        for i in range(10)
    ]
    body = b"\xef\xbb\xbf" + csv_bytes(CUSTOMER_COLUMNS, rows).replace(b"\n", b"\r\n")
    key = "incoming/big/customers.csv"
    before = driver.invocations.get("ImportFunction", 0)
    # Chunks of 4 rows, and every run short of time after its first chunk.
    with import_env(aws, IMPORT_CHUNK_ROWS=4, IMPORT_RESERVE_SECONDS=900):
        first = _drop(driver, key, body)
        assert first["status"] == "continuing" and first["rows"] == 10
        record = ledger(aws, key)
        assert record is not None and record.state == "writing"
        assert (record.rows_done, record.lease_until) == (4, None)
        assert 0 < record.header_end < record.offset < len(body)
        assert bucket_keys(aws, key) == [key]  # still in incoming/
        driver.drain()
    assert driver.invocations["ImportFunction"] - before == 3  # 4 + 4 + 2 rows
    record = ledger(aws, key)
    assert record is not None and (record.state, record.rows_done) == ("imported", 10)
    assert record.offset == len(body)
    for customer_id, _, name, *_ in rows:
        customer = records(aws, customer_id).customer
        assert customer is not None and customer.emails == ()
        assert customer.name == name.replace("\n", "\r\n")  # kept as in the file
    assert read_object(aws, "processed/big/customers.csv") == body


# --- the freshness guard -----------------------------------------------------------------------


def test_the_scheduler_skips_a_subsidiary_whose_latest_import_is_too_old(
    aws: EmbeddedAws, driver: LocalDriver
):
    # FRESH allows data at most 24 hours old; its morning run is at 06:00 UTC.
    first = driver.fire_schedule(datetime(2031, 3, 10, 6, tzinfo=UTC))
    assert first["skipped"]["FRESH"] == "no successful import yet"
    with import_env(aws, DUNNING_FIXED_NOW="2031-03-10T08:00:00+00:00"):
        result = _drop(
            driver, "incoming/fresh/customers.csv", customers_csv("F1", subsidiary="FRESH")
        )
    assert result["status"] == "imported"
    assert repository(aws).last_import("FRESH") == datetime(2031, 3, 10, 8, tzinfo=UTC)
    next_day = driver.fire_schedule(datetime(2031, 3, 11, 6, tzinfo=UTC))  # 22 h later
    assert next_day["started"].get("FRESH") == 1 and "FRESH" not in next_day["skipped"]
    day_after = driver.fire_schedule(datetime(2031, 3, 12, 6, tzinfo=UTC))  # 46 h later
    assert day_after["skipped"]["FRESH"] == "latest import is 46.0 h old (limit 24 h)"
    driver.drain()
