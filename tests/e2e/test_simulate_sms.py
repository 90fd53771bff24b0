"""`dunning simulate` with a level that texts (SPEC 2.9, 3.4): OUT/sms.jsonl holds what
SNS received; no phone leaves the other channels, an sms-only letter without a phone
is printed, and a number SNS reports opted out is not texted."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning.domain.sms import segments
from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "sms"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sim-sms")
    args = ["simulate", "--data", str(DATA), "--from", "2026-09-01", "--to", "2026-09-02"]
    result = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    letters = {
        x["customer_id"]: x
        for x in map(json.loads, (out / "letters.jsonl").read_text().splitlines())
    }
    texts = [json.loads(line) for line in (out / "sms.jsonl").read_text().splitlines()]
    return out, letters, texts


def test_each_text_sns_received_is_a_line_of_sms_jsonl(run):
    out, letters, texts = run
    assert all(set(t) == {"date", "letter_id", "phone", "text", "segments"} for t in texts)
    by_phone = {t["phone"]: t for t in texts}
    # C1's own phone and its dunning contact's (not the billing contact's); C2's
    assert set(by_phone) == {"+31612345678", "+31687654321", "+4915112345678"}
    assert by_phone["+31612345678"]["letter_id"] == letters["C1"]["letter_id"]
    assert by_phone["+4915112345678"]["letter_id"] == letters["C2"]["letter_id"]
    assert all(t["date"] == "2026-09-01" for t in texts)
    assert json.loads((out / "summary.json").read_text())["texts"] == 3


def test_a_text_carries_the_amount_the_date_and_the_link_with_the_rf_reference(run):
    _, letters, texts = run
    dutch = next(t for t in texts if t["phone"] == "+31612345678")
    reference = letters["C1"]["payment_reference"]
    assert "€ 1.210,00" in dutch["text"] and "11 sep 2026" in dutch["text"]
    assert f"https://pay.acme.example/nl?ref={reference}" in dutch["text"]
    german = next(t for t in texts if t["phone"] == "+4915112345678")
    assert "500,00 €" in german["text"] and "11.09.2026" in german["text"]  # in German
    for t in texts:
        counted = segments(t["text"])
        assert t["segments"] == counted.count and 1 <= counted.count <= 3
        assert counted.encoding == "gsm7"  # € and ü are GSM-7: no UCS-2 for these


def test_no_phone_the_other_channels_go_and_an_sms_only_letter_is_printed(run):
    _, letters, _ = run
    assert letters["C1"]["channels"] == ["email", "sms"] and letters["C1"]["status"] == "sent"
    # no email address: the text still goes, and the letter is printed for the post
    assert letters["C2"]["channels"] == ["print", "sms"] and letters["C2"]["status"] == "sent"
    assert letters["C3"]["channels"] == ["email"]  # no phone: emailed only
    # level 2 texts only; no phone: printed
    assert letters["C4"]["level"] == 2
    assert letters["C4"]["channels"] == ["print"] and letters["C4"]["status"] == "printed"


def test_a_number_sns_reports_opted_out_is_not_texted(run):
    _, letters, texts = run
    # moto's CheckIfPhoneNumberIsOptedOut says yes for numbers ending in 99
    assert "+31612345699" not in {t["phone"] for t in texts}
    assert letters["C5"]["channels"] == ["email"] and letters["C5"]["status"] == "sent"
