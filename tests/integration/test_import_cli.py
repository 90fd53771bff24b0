"""`dunning import` on the session's embedded AWS: through the driver (--data), and
against a bucket whose notifications another process delivers (--bucket)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from import_helpers import CONFIG, customers_csv, import_env, invoice, invoices_csv

from dunning_local.aws import EmbeddedAws
from dunning_local.cli.import_cmd import run_deployed, run_embedded
from dunning_local.driver import LocalDriver, s3_event
from dunning_local.imports import LOCAL_IMPORT_PARAMETERS

pytestmark = pytest.mark.integration

LOCAL_IMPORT_PARAMETERS_ENV = {
    "IMPORT_RETRY_SECONDS": LOCAL_IMPORT_PARAMETERS["ImportRetrySeconds"]
}


def _files(tmp_path: Path, **bodies: bytes) -> list[Path]:
    paths = []
    for name, body in bodies.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(body)
        paths.append(path)
    return paths


def test_embedded_import_reports_each_file_and_copies_the_error_reports(
    aws: EmbeddedAws, driver: LocalDriver, tmp_path: Path
):
    files = _files(
        tmp_path,
        invoices_ok=invoices_csv(("CLI-I1", "CLI-C1", "10.00")),
        invoices_bad=invoices_csv(("CLI-I2", "CLI-NOBODY", "1.00")),
        customers=customers_csv("CLI-C1"),
    )
    out = tmp_path / "reports"
    with import_env(aws, **LOCAL_IMPORT_PARAMETERS_ENV):  # as `dunning import --data` runs
        found = run_embedded(driver, CONFIG, files, "cli-embedded", out)
    summary = {o.file: (o.status, o.rows, o.errors, o.moved_to) for o in found}
    assert summary == {
        "customers.csv": ("imported", 1, 0, "processed/cli-embedded/customers.csv"),
        "invoices_bad.csv": ("rejected", 1, 1, "rejected/cli-embedded/invoices_bad.csv"),
        "invoices_ok.csv": ("imported", 1, 0, "processed/cli-embedded/invoices_ok.csv"),
    }
    (bad,) = [o for o in found if o.status == "rejected"]
    local = out / "cli-embedded" / "invoices_bad.errors.csv"
    assert bad.report.startswith(str(local))
    assert "unknown_customer" in local.read_text()
    assert (out / "cli-embedded" / "invoices_bad.errors.json").is_file()
    assert invoice(aws, "CLI-C1", "CLI-I1").amount_remaining == 10


def test_deployed_import_uploads_then_reads_outcomes_as_the_notifications_land(
    aws: EmbeddedAws, driver: LocalDriver, tmp_path: Path
):
    s3 = aws.client("s3")
    bucket = aws.deployment.refs["ImportBucket"]
    s3.put_object(Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG)
    stop = threading.Event()

    def notifications() -> None:
        """S3's part: each object created under the folder -> the import function."""
        done: set[str] = set()
        while not stop.is_set():
            listing = s3.list_objects_v2(Bucket=bucket, Prefix="incoming/cli-deployed/")
            for obj in listing.get("Contents", []):
                if obj["Key"] not in done:
                    done.add(obj["Key"])
                    head = s3.head_object(Bucket=bucket, Key=obj["Key"])
                    driver.invoke("ImportFunction", s3_event(bucket, obj["Key"], head))
            time.sleep(0.05)

    files = _files(tmp_path, customers=customers_csv("CLI-D1"))
    thread = threading.Thread(target=notifications, daemon=True)
    thread.start()
    try:
        (found,) = run_deployed(s3, bucket, files, "cli-deployed", 20, tmp_path, poll=0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert (found.status, found.rows, found.errors) == ("imported", 1, 0)
    assert found.moved_to == "processed/cli-deployed/customers.csv"


def test_deployed_import_says_which_files_have_not_finished_in_time(
    aws: EmbeddedAws, tmp_path: Path
):
    s3 = aws.client("s3")
    bucket = aws.deployment.refs["ImportBucket"]
    files = _files(tmp_path, customers=customers_csv("CLI-W1"))
    (found,) = run_deployed(s3, bucket, files, "cli-unheard", 0.2, tmp_path, poll=0.05)
    assert (found.status, found.moved_to) == ("pending", "")
    assert found.detail == "still under incoming/"
