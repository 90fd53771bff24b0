"""dunning.yaml is read within bounds: a hostile or broken file is refused quickly with
a ConfigError naming the problem, never a hang, a RecursionError or a 5xx."""

from __future__ import annotations

import pytest

from dunning.domain.configuration.exact_yaml import (
    MAX_DEPTH,
    MAX_DOCUMENT_CHARS,
    MAX_EXPANDED_NODES,
    load_yaml,
)
from dunning.domain.configuration.parse import ConfigError, parse_config

pytestmark = pytest.mark.unit

MINIMAL = """
subsidiaries:
  - {id: S, name: S, base_currency: EUR, timezone: UTC}
procedures:
  - id: P
    %s
    levels:
      - %s
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return caught.value.problems


def with_level(level: str, procedure_field: str = "") -> str:
    return MINIMAL % (procedure_field, level)


def alias_bomb(levels: int) -> str:
    """Nested anchors, each alias used nine times: 9**levels channels in a few hundred bytes."""
    anchors = ["&a0 [email, email, email, email, email, email, email, email, email]"]
    anchors += [f"&a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels)]
    return with_level(f"{{days: 1, template: t, channels: [{', '.join(anchors)}]}}")


def test_an_alias_bomb_is_refused_before_anything_walks_it():
    text = alias_bomb(7)  # about 5 million values once expanded
    assert len(text) < 1_000
    (problem,) = problems_of(text)
    assert problem == (
        f"line 8: with its aliases expanded this value holds more than "
        f"{MAX_EXPANDED_NODES:,} values"
    )


def test_an_alias_that_contains_itself_is_refused():
    assert problems_of("a: &a [1, *a]") == ["line 1: alias *a refers to itself"]


def test_aliases_within_the_bound_still_work():
    text = MINIMAL % (
        "",
        "{days: 1, template: t, fee: &fee {EUR: 5}}\n      - {days: 9, template: u, fee: *fee}",
    )
    levels = parse_config(text).procedures[0].levels
    assert levels[0].fee == levels[1].fee


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_a_config_error_not_a_recursion_error(opening):
    closing = "]" if opening == "[" else "}"
    text = opening * 20_000 + "1" + closing * 20_000
    assert problems_of(text) == [f"line 1: values nest more than {MAX_DEPTH} levels deep"]


def test_the_file_size_is_bounded():
    text = "# " + "x" * MAX_DOCUMENT_CHARS
    assert problems_of(text) == [
        f"(yaml): the file has {len(text):,} characters, at most {MAX_DOCUMENT_CHARS:,}"
    ]


@pytest.mark.parametrize(
    ("level", "problem"),
    [
        ("{days: %s, template: t}" % (10**400), "days: must be at most 3650"),
        ("{days: -%s, template: t}" % ("9" * 10_000), "days: must be at least -3650"),
        ("{days: 3651, template: t}", "days: must be at most 3650"),
        (
            "{days: 1, template: t, fee: %s}" % ("9" * 10_000),
            "fee: must be at most 1000000000000000",
        ),
        (
            "{days: 1, template: t, fee: {EUR: %s.5}}" % ("1" * 10_000),
            "fee.EUR: must be at most 1000000000000000",
        ),
        (
            "{days: 1, template: t, min_total_overdue: 1.0e+999999}",
            "min_total_overdue: must be at most 1000000000000000",
        ),
        (
            "{days: 1, template: t, min_invoice_amount: 1.0000000000000000001}",
            "min_invoice_amount: must have at most 18 digits",
        ),
        (
            "{days: 1, template: t, interest_rate_pa: 100.5}",
            "interest_rate_pa: must be at most 100",
        ),
        (
            "{days: 1, template: t, payment_plan: {instalments: 99999999999999999999}}",
            "payment_plan.instalments: must be at most 120",
        ),
        (
            "{days: 1, template: t, payment_plan: {instalments: 2, interval_days: 366}}",
            "payment_plan.interval_days: must be at most 365",
        ),
    ],
)
def test_numbers_beyond_their_bounds_are_refused_with_their_key_path(level, problem):
    assert problems_of(with_level(level)) == [f"procedures[0].levels[0].{problem}"]


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("promise_grace_days: 366", "promise_grace_days: must be at most 365"),
        ("promise_grace_days: -1", "promise_grace_days: must be at least 0"),
        ("promise_grace_days: %s" % ("9" * 5_000), "promise_grace_days: must be at most 365"),
        ("repeat_every_days: 3651", "repeat_every_days: must be at most 3650"),
        ("days_between_letters: 10000", "days_between_letters: must be at most 3650"),
    ],
)
def test_procedure_day_counts_are_bounded(field, problem):
    assert problems_of(with_level("{days: 1, template: t}", field)) == [f"procedures[0].{problem}"]


def test_the_bounds_themselves_are_allowed():
    text = with_level(
        "{days: -3650, template: t, fee: 1000000000000000, interest_rate_pa: 100}",
        "promise_grace_days: 365",
    )
    procedure = parse_config(text).procedures[0]
    assert (procedure.promise_grace_days, procedure.levels[0].days) == (365, -3650)


@pytest.mark.parametrize("text", ["2026-02-30", "0000-01-01", "2026-01-01 10:00:00+99:00"])
def test_an_impossible_date_names_its_line(text):
    with pytest.raises(ConfigError) as caught:
        load_yaml(f"a: 1\nname: {text}\n")
    (problem,) = caught.value.problems
    assert problem.startswith(f"line 2: {text!r} is not a valid date (")


def test_a_date_where_a_setting_is_expected_is_named_by_its_key_path():
    problems = problems_of(
        with_level("{days: 1, template: t}").replace("name: S", "name: 9999-12-31")
    )
    assert problems == ["subsidiaries[0].name: must be a non-empty string"]
