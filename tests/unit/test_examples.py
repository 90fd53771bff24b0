"""The bundled example data set (examples/) is valid input for the service."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from dunning.domain.configuration.parse import parse_config
from dunning.domain.imports.parsing import parse_rows
from dunning.domain.imports.schema import FileKind, kind_for_key
from dunning.domain.imports.validation import validate_file

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CSV_FILES = sorted(EXAMPLES.rglob("*.csv"))
TEMPLATES = {"upcoming", "friendly", "firm", "final"}


def _ids(name: str, column: str) -> set[str]:
    with (EXAMPLES / name).open(encoding="utf-8", newline="") as f:
        return {row[column] for row in csv.DictReader(f)}


def test_the_example_configuration_parses():
    config = parse_config((EXAMPLES / "dunning.yaml").read_text(encoding="utf-8"))
    assert {s.subsidiary_id for s in config.subsidiaries} >= {"NL01", "US01"}
    # The local simulation verifies the senders' domain in SES.
    assert all(s.sender and s.sender.endswith("@acme.example") for s in config.subsidiaries)
    templates = {level.template for p in config.procedures for level in p.levels}
    assert templates <= TEMPLATES


def test_there_are_example_csv_files_of_every_kind():
    assert {kind_for_key(p.name) for p in CSV_FILES} == set(FileKind)


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_csv_validates(path: Path):
    config = parse_config((EXAMPLES / "dunning.yaml").read_text(encoding="utf-8"))
    customers = _ids("customers.csv", "customer_id")
    kind = kind_for_key(path.name)
    assert kind is not None, f"{path.name} has no file-kind prefix"
    with path.open("rb") as f:
        report = validate_file(
            kind,
            f,
            known_customers=lambda ids: {i for i in ids if i in customers},
            known_subsidiaries={s.subsidiary_id for s in config.subsidiaries},
        )
    assert report.ok, (report.file_error, report.errors[:10])
    assert report.rows > 0
    with path.open("rb") as f:
        assert sum(1 for _ in parse_rows(kind, f)) == report.rows


def test_drop_folders_are_dates():
    for folder in (EXAMPLES / "drops").iterdir():
        date.fromisoformat(folder.name)


def test_actions_name_what_the_data_holds():
    customers = _ids("customers.csv", "customer_id")
    invoices = _ids("invoices.csv", "invoice_id")
    groups = _ids("invoice_groups.csv", "group_id")
    known = {"customers": customers, "invoices": invoices, "invoice-groups": groups}
    lines = (EXAMPLES / "actions.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        action = json.loads(line)
        assert set(action) == {"date", "method", "path", "body"}
        date.fromisoformat(action["date"])
        collection, target, *_ = action["path"].strip("/").split("/")
        if collection in known:
            assert target in known[collection], action["path"]
