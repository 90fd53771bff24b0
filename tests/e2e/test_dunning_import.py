"""`dunning import` as a person runs it: files named in any order, a dry run on the
embedded AWS, one line per file, reports copied out, exit 1 when a file is rejected."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "simple"


def test_import_on_the_embedded_aws_reports_every_file(tmp_path: Path):
    bad = tmp_path / "invoices_late.csv"
    bad.write_text(
        "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
        "L1,C1,N-1,2026-09-01,2026-08-01,EUR,10.00,10.00\n"
        "L2,C9,N-2,2026-09-01,2026-10-01,EUR,10,00,10.00\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    # invoices named before customers: they are imported customers first all the same
    files = [str(DATA / "invoices.csv"), str(bad), str(DATA / "customers.csv")]
    result = CliRunner().invoke(app, ["import", "--data", str(DATA), "--out", str(out), *files])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("customers.csv (customers): imported, 2 rows, 0 errors -> processed/")
        for line in lines
    ), result.output
    assert any(
        line.startswith("invoices.csv (invoices): imported, 3 rows, 0 errors -> processed/")
        for line in lines
    ), result.output
    assert any(
        line.startswith("invoices_late.csv (invoices): rejected, 2 rows, 2 errors -> rejected/")
        for line in lines
    ), result.output
    (report,) = out.glob("manual-*/invoices_late.errors.csv")
    text = report.read_text(encoding="utf-8")
    assert "due_before_issue" in text and "wrong_column_count" in text
    assert f"  report: {report}" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--data", str(DATA), "--bucket", "b"], "either --data DIR"),
        ([], "either --data DIR"),
        (["--bucket", "b", "--preload"], "--preload goes with --data"),
    ],
)
def test_import_says_what_is_wrong_with_its_arguments(arguments: list[str], message: str):
    result = CliRunner().invoke(app, ["import", *arguments, str(DATA / "customers.csv")])
    assert result.exit_code == 2 and message in result.output


def test_import_takes_only_csv_files(tmp_path: Path):
    notes = tmp_path / "customers.txt"
    notes.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "--data", str(DATA), str(notes)])
    assert result.exit_code == 2 and "only files ending in .csv" in result.output


def test_import_to_a_bucket_needs_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = CliRunner().invoke(app, ["import", "--bucket", "b", str(DATA / "customers.csv")])
    assert result.exit_code == 2 and "--bucket needs AWS credentials" in result.output
