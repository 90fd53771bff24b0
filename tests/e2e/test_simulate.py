"""`dunning simulate` proves the whole path: CSV -> S3 -> import -> DynamoDB ->
schedule -> SQS -> evaluate -> SQS -> render-and-send -> SES / S3."""

import email
import json
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "simple"
FIELDS = {
    "date",
    "letter_id",
    "subsidiary_id",
    "customer_id",
    "scope",
    "scope_id",
    "procedure_id",
    "level",
    "currency",
    "invoice_ids",
    "amount_due",
    "fees",
    "interest",
    "channels",
    "recipients",
    "language",
    "status",
    "payment_reference",  # added later (SPEC 3.4)
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim")
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--data",
            str(DATA),
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-12",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    letters = [json.loads(line) for line in (out / "letters.jsonl").read_text().splitlines()]
    return out, letters, result.output


def test_letters_escalate_on_schedule(run):
    _, letters, _ = run
    summary = [
        (x["date"], x["customer_id"], x["level"], x["status"], x["amount_due"]) for x in letters
    ]
    assert summary == [
        ("2026-09-01", "C1", 1, "sent", "1210.00"),  # I1 due 08-31: one day overdue
        ("2026-09-05", "C2", 1, "printed", "500.00"),  # no email address: print
        ("2026-09-10", "C1", 2, "sent", "1260.00"),  # I1 at 10 days, I2's 50.00 residual
    ]
    assert all(set(x) == FIELDS for x in letters)
    assert letters[2]["fees"] == "10.00" and letters[2]["invoice_ids"] == ["I1", "I2"]


def test_emails_are_what_ses_received(run):
    out, letters, _ = run
    sent = {x["letter_id"] for x in letters if x["status"] == "sent"}
    files = {p.stem: p for p in (out / "emails").glob("*.eml")}
    assert set(files) == sent
    msg = email.message_from_bytes(files[letters[0]["letter_id"]].read_bytes())
    assert msg["To"] == "admin@devries.example"
    assert msg["From"] == '"Acme Nederland B.V." <collections-nl@acme.example>'  # the subsidiary
    assert msg.get_content_type() == "multipart/mixed"
    # dated by the simulated clock: the morning of the letter's day
    assert parsedate_to_datetime(msg["Date"]).date().isoformat() == letters[0]["date"]


def test_every_letter_has_a_pdf_and_a_summary(run):
    out, letters, output = run
    pdfs = {p.stem for p in (out / "pdfs").glob("*.pdf")}
    assert pdfs == {x["letter_id"] for x in letters}
    assert all((out / "pdfs" / f"{p}.pdf").read_bytes().startswith(b"%PDF") for p in pdfs)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["by_status"] == {"sent": 2, "printed": 1}
    assert "letters.jsonl" in output


def test_bad_dates_are_refused_with_a_clear_message(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--data",
            str(DATA),
            "--from",
            "2026-09-31",
            "--to",
            "2026-10-01",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code != 0
    assert "not an ISO date" in result.output
