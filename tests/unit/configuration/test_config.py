"""SPEC 3.1: dunning.yaml is parsed exactly, defaulted, and every problem named by key path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.domain.configuration.config import AmountMap, Level, Paper, PaymentPlan
from dunning.domain.configuration.parse import ConfigError, config_from_data, parse_config
from dunning.domain.model import Channel, Escalation, Operator, ScopeKind, Sending

pytestmark = pytest.mark.unit

SPEC_EXAMPLE = """
subsidiaries:
  - id: NL01
    name: Acme Nederland B.V.
    base_currency: EUR
    timezone: Europe/Amsterdam
    locale: nl
    sender: collections@acme.example
    default_procedure: STD
procedures:
  - id: STD
    applies_to: customer
    allow_override: true
    days_between_letters: 10
    operator: and
    levels:
      - {days: -3, template: upcoming}
      - {days: 15, template: friendly, min_total_overdue: {EUR: 25, default: 25}}
      - {days: 30, template: firm, fee: {EUR: 10}}
      - {days: 60, template: final, channels: [email, print], min_percent_open: 10}
"""

MINIMAL = """
subsidiaries:
  - {id: S, name: S, base_currency: EUR, timezone: UTC}
procedures:
  - id: P
    levels:
%s
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return caught.value.problems


def with_level(level: str) -> str:
    return MINIMAL % f"      - {level}"


def test_the_spec_example_parses():
    config = parse_config(SPEC_EXAMPLE)
    (sub,) = config.subsidiaries
    assert (sub.subsidiary_id, sub.timezone, sub.locale, sub.default_procedure) == (
        "NL01",
        "Europe/Amsterdam",
        "nl",
        "STD",
    )
    std = config.procedure("STD")
    assert [(lv.number, lv.days, lv.template) for lv in std.levels] == [
        (1, -3, "upcoming"),
        (2, 15, "friendly"),
        (3, 30, "firm"),
        (4, 60, "final"),
    ]
    assert std.levels[1].min_total_overdue == AmountMap({"EUR": Decimal(25)}, Decimal(25))
    assert std.levels[2].fee == AmountMap({"EUR": Decimal(10)})
    assert std.levels[3].channels == (Channel.EMAIL, Channel.PRINT)
    assert std.levels[3].min_percent_open == Decimal(10)


def test_omitted_fields_take_the_spec_defaults():
    config = parse_config(with_level("{days: 5, template: a}"))
    procedure = config.procedures[0]
    level = procedure.levels[0]
    assert procedure.applies_to is ScopeKind.CUSTOMER
    assert procedure.operator is Operator.AND
    assert procedure.escalation is Escalation.JUMP
    assert procedure.net_credits is True
    assert procedure.sending is Sending.AUTOMATIC
    assert procedure.days_between_letters == 0
    assert procedure.allow_override is False
    assert procedure.promise_grace_days == 3
    assert procedure.repeat_every_days is None
    assert (level.min_invoice_amount, level.min_total_overdue, level.min_percent_open) == (
        None,
        None,
        None,
    )
    assert level.channels == (Channel.EMAIL,)
    assert (level.fee, level.interest_rate_pa, level.payment_plan) == (None, None, None)
    assert config.subsidiaries[0].locale == "en"
    assert config.assignment_rules == ()


def first_level(level: str) -> Level:
    return parse_config(with_level(level)).procedures[0].levels[0]


def test_numbers_are_exact_decimals_from_the_source_text():
    level = first_level(
        "{days: 5, template: a, fee: 0.1, interest_rate_pa: 10.15, min_invoice_amount: 1_000.50}"
    )
    assert level.fee == AmountMap(default=Decimal("0.1"))
    assert level.interest_rate_pa == Decimal("10.15")
    assert level.min_invoice_amount == AmountMap(default=Decimal("1000.50"))


def test_an_amount_is_a_number_or_a_currency_map_with_default():
    level = first_level(
        "{days: 5, template: a, min_invoice_amount: 25, min_total_overdue: {USD: 30, default: 20}}"
    )
    assert level.min_invoice_amount is not None
    assert level.min_invoice_amount.for_currency("JPY") == Decimal(25)
    assert level.min_total_overdue is not None
    assert level.min_total_overdue.for_currency("USD") == Decimal(30)
    assert level.min_total_overdue.for_currency("EUR") == Decimal(20)


def test_payment_plan_and_other_level_fields():
    level = (
        parse_config(
            with_level("{days: 5, template: a, payment_plan: {instalments: 3}, channels: [print]}")
        )
        .procedures[0]
        .levels[0]
    )
    assert level.payment_plan == PaymentPlan(instalments=3, interval_days=30)
    assert level.channels == (Channel.PRINT,)


def test_days_must_increase_strictly_and_the_problem_names_the_path():
    text = """
subsidiaries:
  - {id: S, name: S, base_currency: EUR, timezone: UTC}
procedures:
  - id: A
    levels: [{days: 1, template: a}]
  - id: B
    levels:
      - {days: 10, template: a}
      - {days: 30, template: b}
      - {days: 30, template: c}
"""
    assert problems_of(text) == ["procedures[1].levels[2].days: must be greater than 30"]


def test_every_problem_is_reported_not_just_the_first():
    text = """
subsidiaries:
  - id: NL01
    name: X
    base_currency: EURO
    timezone: Europe/Amsterdm
    locale: xx
    default_procedure: NOPE
    colour: red
procedures:
  - id: A
    operator: xor
    escalation: leap
    sending: later
    applies_to: everyone
    levels:
      - {days: 10, template: a, min_percent_open: 101, fee: {EURO: 1}, channels: [fax]}
  - id: A
    levels: [{days: x, template: a}]
assignment_rules:
  - {procedure_id: Z, subsidiary_id: Q, currency: XYZ, tags: vip, min_amount: 10, max_amount: 5}
"""
    problems = problems_of(text)
    expected = [
        "subsidiaries[0].colour: unknown key",
        "subsidiaries[0].base_currency: unknown currency 'EURO'",
        "subsidiaries[0].timezone: unknown time zone 'Europe/Amsterdm'",
        "subsidiaries[0].locale: unknown locale 'xx'",
        "subsidiaries[0].default_procedure: unknown procedure 'NOPE'",
        "procedures[0].operator: must be one of: and, or",
        "procedures[0].escalation: must be one of: jump, step",
        "procedures[0].sending: must be one of: automatic, manual",
        "procedures[0].applies_to: must be one of: customer, invoice, invoice_group",
        "procedures[0].levels[0].min_percent_open: must be at most 100",
        "procedures[0].levels[0].channels[0]: must be one of: email, print, sms",
        "procedures[1].levels[0].days: must be a whole number",
        "procedures[1].id: duplicate procedure id 'A'",
        "assignment_rules[0].procedure_id: unknown procedure 'Z'",
        "assignment_rules[0].subsidiary_id: unknown subsidiary 'Q'",
        "assignment_rules[0].currency: unknown currency 'XYZ'",
        "assignment_rules[0].tags: must be a list",
        "assignment_rules[0].max_amount: must be at least min_amount (10)",
    ]
    for problem in expected:
        assert problem in problems
    assert any(p.startswith("procedures[0].levels[0].fee.EURO: unknown currency") for p in problems)


def test_unknown_keys_are_rejected_with_a_hint():
    problems = problems_of(with_level("{dayz: 5, template: a}"))
    assert "procedures[0].levels[0].dayz: unknown key (did you mean 'days'?)" in problems
    assert "procedures[0].levels[0].days: is required" in problems
    assert problems_of(MINIMAL % "      - {days: 1, template: a}" + "extra: 1\n") == [
        "extra: unknown key"
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ("days: 1, template: a, fee: -1", "fee: must be at least 0"),
        ("days: 1, template: a, fee: {EUR: 1.005}", "fee.EUR: has more decimals than EUR allows"),
        (
            "days: 1, template: a, min_invoice_amount: .nan",
            "min_invoice_amount: must be a finite number",
        ),
        ("days: 1, template: a, min_total_overdue: ten", "min_total_overdue: must be a number"),
        ("days: true, template: a", "days: must be a whole number"),
        ("days: 1, template: ../x", "template: must be a simple name (letters, digits, _ . -)"),
        ("days: 1, template: a, channels: []", "channels: must name at least one channel"),
        (
            "days: 1, template: a, channels: [email, email]",
            "channels[1]: duplicate channel 'email'",
        ),
        (
            "days: 1, template: a, payment_plan: {instalments: 0}",
            "payment_plan.instalments: must be at least 1",
        ),
        ("days: 1, template: a, attach_statement: 1", "attach_statement: must be true or false"),
    ],
)
def test_invalid_level_values(fields, problem):
    assert problems_of(with_level(f"{{{fields}}}")) == [f"procedures[0].levels[0].{problem}"]


def test_levels_count_from_1_to_15():
    none = MINIMAL.replace("    levels:\n%s\n", "    levels: []\n")
    assert problems_of(none) == ["procedures[0].levels: must have 1 to 15 levels, not 0"]
    sixteen = "\n".join(f"      - {{days: {n}, template: a}}" for n in range(16))
    assert problems_of(MINIMAL % sixteen) == [
        "procedures[0].levels: must have 1 to 15 levels, not 16"
    ]
    fifteen = "\n".join(f"      - {{days: {n}, template: a}}" for n in range(15))
    assert len(parse_config(MINIMAL % fifteen).procedures[0].levels) == 15


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("days_between_letters: -1", "procedures[0].days_between_letters: must be at least 0"),
        ("repeat_every_days: 0", "procedures[0].repeat_every_days: must be at least 1"),
        ("promise_grace_days: 1.5", "procedures[0].promise_grace_days: must be a whole number"),
        ("net_credits: maybe", "procedures[0].net_credits: must be true or false"),
        ("allow_override: 1", "procedures[0].allow_override: must be true or false"),
        ("first_letter_max_level: 0", "procedures[0].first_letter_max_level: must be at least 1"),
        # The procedure of this test has one level: a first letter cannot be capped at two.
        ("first_letter_max_level: 2", "procedures[0].first_letter_max_level: must be at most 1"),
        ("print_after_unanswered: 0", "procedures[0].print_after_unanswered: must be at least 1"),
        (
            "print_after_unanswered: two",
            "procedures[0].print_after_unanswered: must be a whole number",
        ),
        (
            "thank_you_template: ../thanks",
            "procedures[0].thank_you_template: must be a simple name (letters, digits, _ . -)",
        ),
    ],
)
def test_invalid_procedure_values(field, problem):
    text = (
        MINIMAL.replace("  - id: P\n", f"  - id: P\n    {field}\n")
        % "      - {days: 1, template: a}"
    )
    assert problems_of(text) == [problem]


def test_subsidiary_contact_and_bank_details_are_checked():
    text = """
subsidiaries:
  - id: S
    name: S
    base_currency: EUR
    timezone: UTC
    sender: not-an-address
    payment_url: ftp://pay
    iban: NL00ABNA0417164300
    max_import_age_hours: 0
procedures: []
"""
    assert problems_of(text) == [
        "subsidiaries[0].sender: must be an email address",
        "subsidiaries[0].payment_url: must start with https:// or http://",
        "subsidiaries[0].iban: must be a valid IBAN",
        "subsidiaries[0].max_import_age_hours: must be at least 1",
    ]


def test_required_keys_and_ids():
    text = """
subsidiaries:
  - {id: S, name: S, base_currency: EUR, timezone: UTC}
  - {id: S, name: T}
procedures: []
"""
    assert problems_of(text) == [
        "subsidiaries[1].base_currency: is required",
        "subsidiaries[1].timezone: is required",
        "subsidiaries[1].id: duplicate subsidiary id 'S'",
    ]


def test_assignment_rules_parse_with_all_their_keys():
    text = MINIMAL % "      - {days: 1, template: a}" + (
        "assignment_rules:\n"
        "  - {procedure_id: P, subsidiary_id: S, tags: [vip, key], currency: USD,"
        " min_amount: 100, max_amount: 200.50}\n"
    )
    (rule,) = parse_config(text).assignment_rules
    assert (rule.procedure_id, rule.subsidiary_id, rule.tags, rule.currency) == (
        "P",
        "S",
        ("vip", "key"),
        "USD",
    )
    assert (rule.min_amount, rule.max_amount) == (Decimal(100), Decimal("200.50"))


def test_yaml_errors_and_duplicate_keys_are_config_errors():
    assert problems_of("subsidiaries: [")[0].startswith("(yaml):")
    duplicate = with_level("{days: 1, template: a}").replace(
        "  - id: P\n", "  - id: P\n    id: Q\n"
    )
    assert problems_of(duplicate) == ["line 6: duplicate key 'id'"]
    assert problems_of("") == ["(root): must be a mapping"]


def test_config_error_is_a_value_error_listing_every_problem():
    error = ConfigError(["a: x", "b: y"])
    assert isinstance(error, ValueError)
    assert "a: x" in str(error) and "b: y" in str(error)


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 40)
    | st.decimals(allow_nan=True, allow_infinity=True, places=2)
    | st.sampled_from(["", "x", "EUR", "UTC", "customer", "email", "P", "S", "ß", "../t"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["id", "name", "days", "template", "levels", "fee", "EUR", "default", "channels",
             "applies_to", "timezone", "base_currency", "iban", "tags", "procedure_id", "zz"]
        ),
        inner,
        max_size=5,
    ),
    max_leaves=25,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "subsidiaries": yaml_values,
            "procedures": yaml_values,
            "assignment_rules": yaml_values,
        },
    )
)
def test_any_shape_of_input_is_a_config_or_a_config_error(data):
    try:
        config_from_data(data)
    except ConfigError as error:
        assert error.problems
        assert all(": " in problem for problem in error.problems)


def test_paper_is_a4_by_default_or_letter_and_nothing_else():
    text = """
subsidiaries:
  - {id: EU, name: EU, base_currency: EUR, timezone: UTC}
  - {id: US, name: US, base_currency: USD, timezone: UTC, paper: letter}
procedures: []
"""
    eu, us = parse_config(text).subsidiaries
    assert (eu.paper, us.paper) == (Paper.A4, Paper.LETTER)
    bad = text.replace("paper: letter", "paper: A5")
    assert problems_of(bad) == ["subsidiaries[1].paper: must be one of: a4, letter"]


def test_a_level_may_attach_a_statement_and_a_procedure_may_cap_first_letters():
    text = MINIMAL.replace("  - id: P\n", "  - id: P\n    first_letter_max_level: 1\n") % (
        "      - {days: 1, template: a}\n      - {days: 30, template: b, attach_statement: true}"
    )
    procedure = parse_config(text).procedures[0]
    assert procedure.first_letter_max_level == 1
    assert [level.attach_statement for level in procedure.levels] == [False, True]
    unset = parse_config(MINIMAL % "      - {days: 1, template: a}").procedures[0]
    assert unset.first_letter_max_level is None


def test_a_procedure_may_escalate_to_print_and_thank_payers():
    text = (
        MINIMAL.replace(
            "  - id: P\n",
            "  - id: P\n    print_after_unanswered: 2\n    thank_you_template: thanks\n",
        )
        % "      - {days: 1, template: a}"
    )
    procedure = parse_config(text).procedures[0]
    assert (procedure.print_after_unanswered, procedure.thank_you_template) == (2, "thanks")
    unset = parse_config(MINIMAL % "      - {days: 1, template: a}").procedures[0]
    assert (unset.print_after_unanswered, unset.thank_you_template) == (None, None)
