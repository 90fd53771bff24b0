"""Bad import files and the exact reports they get (golden files).

Each `fixtures/bad/<kind>_<case>.csv` is validated as the import would: its
kind from the file name, streamed from the file opened in binary mode. The
CSV and JSON reports must equal `fixtures/expected/<name>.report.{csv,json}`.
After a deliberate change of wording, rewrite the goldens with
`UPDATE_GOLDEN=1 pytest tests/unit/imports` and review the diff.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path

import pytest

from dunning.domain.imports.report import report_csv, report_json
from dunning.domain.imports.schema import kind_for_key
from dunning.domain.imports.validation import validate_file

pytestmark = pytest.mark.unit

FIXTURES = Path(__file__).parent / "fixtures"
BAD_FILES = sorted((FIXTURES / "bad").glob("*.csv"))
EXPECTED = FIXTURES / "expected"

# What the tables hold for these files: C001-C003 and P001 exist.
EXISTING_CUSTOMERS = frozenset({"C001", "C002", "C003", "P001"})
SUBSIDIARIES = ("NL01", "DE01")


def existing(ids: Collection[str]) -> set[str]:
    return set(ids) & EXISTING_CUSTOMERS


def check_golden(path: Path, text: str) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_text(encoding="utf-8"), f"report differs from {path.name}"


def test_every_bad_file_has_goldens() -> None:
    names = {p.name.split(".")[0] for p in EXPECTED.glob("*.report.*")}
    assert names == {p.stem for p in BAD_FILES}
    assert len(BAD_FILES) >= 20


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_file_report_matches_golden(path: Path) -> None:
    kind = kind_for_key(f"incoming/2026-11-01/{path.name}")
    assert kind is not None
    with path.open("rb") as lines:
        report = validate_file(
            kind, lines, known_customers=existing, known_subsidiaries=SUBSIDIARIES
        )

    assert not report.ok
    check_golden(EXPECTED / f"{path.stem}.report.csv", report_csv(report))
    check_golden(EXPECTED / f"{path.stem}.report.json", report_json(report))
