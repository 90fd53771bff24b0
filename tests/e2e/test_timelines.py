"""Weeks of daily runs through `dunning simulate`, one customer per rule of SPEC 2.3
and 2.4 (data: tests/e2e/data/timelines). Invoices fall due on 08-01, 08-27 and 08-31."""

import json
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "timelines"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("timelines")
    args = [
        "simulate",
        "--data",
        str(DATA),
        "--from",
        "2026-09-01",
        "--to",
        "2026-09-30",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def letters(out: Path) -> dict[str, list[tuple[str, int]]]:
    by_customer: dict[str, list[tuple[str, int]]] = {}
    for line in (out / "letters.jsonl").read_text().splitlines():
        letter = json.loads(line)
        assert letter["status"] == "sent"
        by_customer.setdefault(letter["customer_id"], []).append((letter["date"], letter["level"]))
    return by_customer


def test_jump_goes_straight_to_the_computed_level(letters):
    assert letters["CJ"] == [("2026-09-01", 3)]  # 31 days overdue on the first run


def test_step_raises_one_level_per_letter(letters):
    assert letters["CS"] == [("2026-09-01", 1), ("2026-09-02", 2), ("2026-09-03", 3)]


def test_a_rise_waits_for_the_minimum_interval_and_letters_go_only_on_a_rise(letters):
    # level 2 is due on 09-03 and level 3 on 09-05, but 10 days must pass after 09-01
    assert letters["CI"] == [("2026-09-01", 1), ("2026-09-11", 3)]


def test_repeat_resends_the_same_level(letters):
    assert letters["CR"] == [
        ("2026-09-01", 1),
        ("2026-09-08", 1),
        ("2026-09-15", 1),
        ("2026-09-22", 1),
        ("2026-09-29", 1),
    ]


def test_pause_until_a_date_and_resume_the_day_after(letters):
    # paused 09-05..09-20: level 2 (due 09-11) waits until 09-21; level 3 on 09-26
    assert letters["CP"] == [("2026-09-01", 1), ("2026-09-21", 2), ("2026-09-26", 3)]


def test_a_kept_promise_ends_dunning(letters):
    assert letters["CK"] == [("2026-09-01", 1)]  # promised 09-03, paid in the 09-08 drop


def test_a_broken_promise_resumes_dunning_after_the_grace_days(letters):
    # promised for 09-10, grace 3 days: paused to 09-13, broken and dunned on 09-14
    assert letters["CB"] == [("2026-09-01", 1), ("2026-09-14", 2), ("2026-09-26", 3)]


def test_a_first_letter_goes_at_most_at_first_letter_max_level_later_ones_as_usual(letters):
    # 31 days overdue on 09-01: level 3, capped at 1 for the first letter; the rise to 3
    # waits the 7 days between letters
    assert letters["CF"] == [("2026-09-01", 1), ("2026-09-08", 3)]


def test_every_letter_record_carries_its_rf_payment_reference(out: Path):
    from dunning.domain.remittance import letter_of_reference

    for line in (out / "letters.jsonl").read_text().splitlines():
        record = json.loads(line)
        assert letter_of_reference(record["payment_reference"]) == record["letter_id"]


def _emails_of(out: Path, address: str) -> list:
    found = []
    for path in sorted((out / "emails").glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(msg["To"]):
            found.append(msg)
    return found


def test_a_level_with_attach_statement_emails_the_statement_as_a_second_pdf(out: Path):
    names = [
        [part.get_filename() for part in msg.iter_attachments()]
        for msg in _emails_of(out, "ap@first.example")
    ]
    assert sorted(names) == [
        ["Mahnung-2026-09-01-CF.pdf"],
        ["Mahnung-2026-09-08-CF.pdf", "Kontoauszug-2026-09-08-CF.pdf"],
    ]
    (stored,) = (out / "pdfs").glob("*-statement.pdf")
    text = subprocess.run(
        ["pdftotext", str(stored), "-"], capture_output=True, check=True
    ).stdout.decode()
    # Every open item of the customer, also the one not due yet that the letter leaves out,
    # and the payment matched on 09-10 is not there yet (the statement is of 09-08).
    assert "Kontoauszug" in text and "NL-8" in text and "NL-9" in text
    assert "140,00" in text  # the balance: 100.00 + 40.00


def test_emails_come_from_the_subsidiary_by_name(out: Path):
    (first, *_) = _emails_of(out, "ap@first.example")
    assert str(first["From"]) == '"Acme Nederland B.V." <collections-nl@acme.example>'
