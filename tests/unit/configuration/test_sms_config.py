"""SPEC 3.1 with 2.9: a level's channels may name sms; where a level texts, a payment
page whose link would crowd a text is refused, naming the key path."""

from __future__ import annotations

import pytest

from dunning.domain.configuration.parse import ConfigError, parse_config
from dunning.domain.model import Channel

pytestmark = pytest.mark.unit

YAML = """
subsidiaries:
  - {{id: NL01, name: Acme, base_currency: EUR, timezone: UTC, default_procedure: STD,
     payment_url: "{url}"}}
procedures:
  - id: STD
    levels:
      - {{days: 1, template: friendly}}
      - {{days: 9, template: firm, channels: {channels}}}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as e:
        parse_config(text)
    return list(e.value.problems)


def test_a_level_may_text():
    config = parse_config(YAML.format(url="https://pay.acme.example/", channels="[email, sms]"))
    assert config.procedures[0].levels[1].channels == (Channel.EMAIL, Channel.SMS)
    only = parse_config(YAML.format(url="https://pay.acme.example/", channels="[sms]"))
    assert only.procedures[0].levels[1].channels == (Channel.SMS,)


def test_an_unknown_or_repeated_channel_is_refused_by_its_key_path():
    found = problems(YAML.format(url="https://p.example/", channels="[sms, fax, sms]"))
    assert "procedures[0].levels[1].channels[1]: must be one of: email, print, sms" in found
    assert "procedures[0].levels[1].channels[2]: duplicate channel 'sms'" in found


def test_a_payment_page_too_long_for_a_texts_link_is_refused_where_a_level_texts():
    url = "https://pay.acme.example/" + "x" * 60  # + "?ref=" + 25: 115 characters
    (problem,) = problems(YAML.format(url=url, channels="[email, sms]"))
    assert problem.startswith("subsidiaries[0].payment_url: too long for a text's payment link")
    assert "115 characters" in problem and "procedures[0].levels[1].channels texts" in problem
    # no level texts: the same page is fine for letters
    assert parse_config(YAML.format(url=url, channels="[email]"))
