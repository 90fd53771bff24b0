"""The configuration's nouns answer for themselves: a subsidiary or procedure by id,
a subsidiary's own calendar day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dunning.domain.configuration.config import NotConfigured
from dunning.domain.configuration.parse import parse_config

pytestmark = pytest.mark.unit

CONFIG = parse_config(
    """
subsidiaries:
  - {id: NL01, name: Acme Nederland B.V., base_currency: EUR, timezone: Europe/Amsterdam}
  - {id: US01, name: Acme Inc., base_currency: USD, timezone: America/New_York}
procedures:
  - {id: P, levels: [{days: 15, template: friendly}]}
"""
)


def test_a_subsidiary_and_a_procedure_are_found_by_id():
    assert CONFIG.subsidiary("US01").base_currency == "USD"
    assert CONFIG.procedure("P").procedure_id == "P"


def test_an_id_dunning_yaml_does_not_define_is_a_lookup_error_naming_it():
    with pytest.raises(NotConfigured, match=r"subsidiary XX01 is not in dunning\.yaml"):
        CONFIG.subsidiary("XX01")
    with pytest.raises(LookupError, match=r"procedure GONE is not in dunning\.yaml"):
        CONFIG.procedure("GONE")


def test_a_subsidiarys_date_is_the_day_on_its_own_clock_not_utcs():
    late_evening_utc = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    assert CONFIG.subsidiary("NL01").local_date(late_evening_utc) == date(2025, 3, 2)
    assert CONFIG.subsidiary("US01").local_date(late_evening_utc) == date(2025, 3, 1)
    assert CONFIG.subsidiary("US01").local_time(late_evening_utc).hour == 18
