"""SPEC 2.9 through `dunning simulate` (data: tests/e2e/data/engagement): channel
escalation after unanswered letters and one thank-you note per paid letter cycle.
Invoices fall due on 08-31 (IT2 on 09-10); drops on 09-05, 09-15 and 09-18."""

import csv
import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "engagement"


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("engagement")
    args = ["simulate", "--data", str(DATA), "--from", "2026-09-01", "--to", "2026-09-30"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def letters(out: Path) -> dict[str, list[tuple[str, list[str]]]]:
    by_customer: dict[str, list[tuple[str, list[str]]]] = {}
    for line in (out / "letters.jsonl").read_text().splitlines():
        letter = json.loads(line)
        by_customer.setdefault(letter["customer_id"], []).append(
            (letter["date"], letter["channels"])
        )
    return by_customer


@pytest.fixture(scope="module")
def thanks(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "thanks.jsonl").read_text().splitlines()]


EMAIL, BOTH = ["email"], ["email", "print"]


def test_after_two_unanswered_letters_the_next_are_printed_too_until_a_payment(letters):
    # every 5 days; 60.00 of IE paid in the 09-18 drop: the count starts again
    assert letters["CE"] == [
        ("2026-09-01", EMAIL),
        ("2026-09-06", EMAIL),
        ("2026-09-11", BOTH),
        ("2026-09-16", BOTH),
        ("2026-09-21", EMAIL),
        ("2026-09-26", EMAIL),
    ]


def test_an_escalated_letter_is_emailed_and_lands_in_the_print_queue(out):
    printed = {}
    for index in sorted((out / "print-queue").glob("*/index.csv")):
        for row in csv.DictReader(index.read_text(encoding="utf-8").splitlines()):
            printed[row["day"]] = (row["customer_id"], row["also_emailed"])
    assert printed == {"2026-09-11": ("CE", "yes"), "2026-09-16": ("CE", "yes")}


def test_a_paid_cycle_gets_one_note_and_a_new_paid_cycle_another(thanks):
    assert thanks == [
        {
            "date": "2026-09-05",
            "customer_id": "CT",
            "scope": "customer",
            "scope_id": "CT",
            "currency": "EUR",
            "recipients": ["ap@thankful.example"],
        },
        {
            "date": "2026-09-15",
            "customer_id": "CT",
            "scope": "customer",
            "scope_id": "CT",
            "currency": "EUR",
            "recipients": ["ap@thankful.example"],
        },
    ]


def test_scopes_emptied_by_voiding_crediting_or_pausing_are_not_thanked(letters, thanks):
    for customer in ("CV", "CC", "CP"):
        assert letters[customer] == [("2026-09-01", EMAIL)]
    assert {n["customer_id"] for n in thanks} == {"CT"}


def test_the_note_is_an_email_in_the_customers_language(out):
    notes = []
    for path in (out / "emails").glob("T*.eml"):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        notes.append(msg)
    assert len(notes) == 2
    assert {str(m["Subject"]) for m in notes} == {
        "Vielen Dank für Ihre Zahlung – Acme Nederland B.V."
    }
    assert {str(m["To"]) for m in notes} == {"ap@thankful.example"}
