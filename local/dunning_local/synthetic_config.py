"""The subsidiaries of a synthetic data set, and a dunning.yaml that matches it: its
subsidiaries and a few procedures that exercise every rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SyntheticSubsidiary:
    """A subsidiary the generator can put customers in."""

    subsidiary_id: str
    name: str
    currency: str
    timezone: str
    locale: str
    iban: str | None
    domain: str


SUBSIDIARIES = (
    SyntheticSubsidiary(
        "NL01", "Acme Nederland B.V.", "EUR", "Europe/Amsterdam", "nl", "NL91ABNA0417164300", "nl"
    ),
    SyntheticSubsidiary(
        "DE01",
        "Acme Deutschland GmbH",
        "EUR",
        "Europe/Berlin",
        "de",
        "DE89370400440532013000",
        "de",
    ),
    SyntheticSubsidiary("US01", "Acme Inc.", "USD", "America/New_York", "en", None, "us"),
    SyntheticSubsidiary(
        "FR01", "Acme France SAS", "EUR", "Europe/Paris", "fr", "FR1420041010050500013M02606", "fr"
    ),
    SyntheticSubsidiary("GB01", "Acme UK Ltd", "GBP", "Europe/London", "en", None, "uk"),
    SyntheticSubsidiary("JP01", "Acme Japan K.K.", "JPY", "Asia/Tokyo", "en", None, "jp"),
)


# Per language: surnames, trades, legal form -> "Bakker Bouw B.V.".


def config_yaml(subsidiaries: Sequence[SyntheticSubsidiary] = SUBSIDIARIES) -> str:
    """A dunning.yaml for the given subsidiaries, using the four standard templates."""
    lines = ["subsidiaries:"]
    for sub in subsidiaries:
        lines += [
            f"  - id: {sub.subsidiary_id}",
            f"    name: {sub.name}",
            f"    base_currency: {sub.currency}",
            f"    timezone: {sub.timezone}",
            f"    locale: {sub.locale}",
            f"    sender: collections@{sub.domain}.acme.example",
            f"    reply_to: ar@{sub.domain}.acme.example",
            f"    payment_url: https://pay.acme.example/{sub.subsidiary_id}",
            *([f"    iban: {sub.iban}"] if sub.iban else []),
            "    default_procedure: STD",
        ]
    return "\n".join(lines) + "\n" + _PROCEDURES_YAML


_PROCEDURES_YAML = """\
procedures:
  - id: STD
    applies_to: customer
    allow_override: true
    days_between_letters: 7
    levels:
      - {days: -3, template: upcoming, min_invoice_amount: {default: 1000, JPY: 150000}}
      - {days: 15, template: friendly, min_total_overdue: {default: 25, JPY: 3000}}
      - days: 30
        template: firm
        fee: {EUR: 10, USD: 12, GBP: 9, JPY: 1500}
      - days: 60
        template: final
        channels: [email, print]
        min_percent_open: 10
        interest_rate_pa: 8.5
        fee: {EUR: 25, USD: 30, GBP: 20, JPY: 4000}
        payment_plan: {instalments: 3, interval_days: 30}
  - id: STRICT
    applies_to: customer
    operator: or
    escalation: step
    days_between_letters: 10
    repeat_every_days: 14
    levels:
      - {days: 1, template: friendly, min_invoice_amount: 500, min_total_overdue: 2000}
      - {days: 10, template: firm, min_invoice_amount: 500, min_total_overdue: 2000}
      - {days: 40, template: final, channels: [email, print], interest_rate_pa: 10}
  - id: GENTLE
    applies_to: customer
    levels:
      - {days: 30, template: friendly, min_invoice_amount: {default: 100, JPY: 15000}}
      - {days: 60, template: firm}
      - {days: 90, template: final}
  - id: MANUAL
    applies_to: customer
    sending: manual
    levels:
      - {days: 20, template: friendly}
      - {days: 50, template: final}
  - id: INV
    applies_to: invoice
    levels:
      - {days: 15, template: friendly}
      - {days: 45, template: final}
  - id: GROUP
    applies_to: invoice_group
    net_credits: false
    levels:
      - {days: 10, template: friendly}
      - {days: 40, template: firm}
assignment_rules:
  - {procedure_id: GENTLE, tags: [vip]}
  - {procedure_id: STRICT, currency: USD, min_amount: 50000}
"""
