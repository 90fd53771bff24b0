"""Reading `dunning.yaml` (SPEC 3.1) into a validated `Config`.

Every problem is collected, not just the first, and each one names its key
path (`procedures[1].levels[2].days: must be greater than 30`, 0-based), so a
finance admin can fix a file in one go. Numbers are exact: YAML floats are
read as `Decimal` from their source text, never through `float`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dunning.domain.configuration import sections
from dunning.domain.configuration.checker import Checker, join
from dunning.domain.configuration.config import AssignmentRule, Config, Procedure, Subsidiary
from dunning.domain.configuration.errors import ConfigError
from dunning.domain.configuration.exact_yaml import load_yaml
from dunning.domain.model import Channel
from dunning.domain.sms import MAX_LINK_CHARS, link_length

__all__ = ["ConfigError", "config_from_data", "load_yaml", "parse_config"]

T = TypeVar("T")

_TOP_KEYS = {"subsidiaries": True, "procedures": True, "assignment_rules": False}


def _unique(check: Checker, ids: list[tuple[str, str]], what: str) -> None:
    seen: set[str] = set()
    for path, identifier in ids:
        if identifier in seen:
            check.problem(path, f"duplicate {what} id {identifier!r}")
        seen.add(identifier)


def _references(
    check: Checker,
    subsidiaries: list[tuple[str, Subsidiary]],
    procedures: list[tuple[str, Procedure]],
    rules: list[tuple[str, AssignmentRule]],
) -> None:
    """Every id a section points at must exist, and ids must be unique."""
    _unique(
        check,
        [(join(p, "id"), s.subsidiary_id) for p, s in subsidiaries if s.subsidiary_id],
        "subsidiary",
    )
    _unique(
        check,
        [(join(p, "id"), pr.procedure_id) for p, pr in procedures if pr.procedure_id],
        "procedure",
    )
    procedure_ids = {pr.procedure_id for _, pr in procedures}
    subsidiary_ids = {s.subsidiary_id for _, s in subsidiaries}
    for path, sub in subsidiaries:
        if sub.default_procedure is not None and sub.default_procedure not in procedure_ids:
            check.problem(
                join(path, "default_procedure"), f"unknown procedure {sub.default_procedure!r}"
            )
    for path, rule in rules:
        if rule.procedure_id and rule.procedure_id not in procedure_ids:
            check.problem(join(path, "procedure_id"), f"unknown procedure {rule.procedure_id!r}")
        if rule.subsidiary_id is not None and rule.subsidiary_id not in subsidiary_ids:
            check.problem(join(path, "subsidiary_id"), f"unknown subsidiary {rule.subsidiary_id!r}")


def _sms_links(
    check: Checker,
    subsidiaries: list[tuple[str, Subsidiary]],
    procedures: list[tuple[str, Procedure]],
) -> None:
    """Where a level texts (channel sms), a payment page whose link would crowd the
    words out of a text's three segments is refused (SPEC 2.9)."""
    texting = [
        f"{join(p, 'levels')}[{level.number - 1}].channels"
        for p, procedure in procedures
        for level in procedure.levels
        if Channel.SMS in level.channels
    ]
    if not texting:
        return
    for path, sub in subsidiaries:
        if sub.payment_url and link_length(sub.payment_url) > MAX_LINK_CHARS:
            check.problem(
                join(path, "payment_url"),
                f"too long for a text's payment link ({link_length(sub.payment_url)} "
                f"characters with the reference, at most {MAX_LINK_CHARS}; {texting[0]} texts)",
            )


def _section(
    check: Checker, value: Any, path: str, convert: Callable[[Checker, Any, str], T | None]
) -> list[tuple[str, T]]:
    pairs = ((p, convert(check, element, p)) for p, element in check.items(value, path))
    return [(p, obj) for p, obj in pairs if obj is not None]


def config_from_data(data: Any) -> Config:
    """Validate already-loaded YAML data (numbers as int/Decimal) into a Config."""
    check = Checker()
    top = check.mapping(data, "", _TOP_KEYS)
    if top is None:
        raise ConfigError(check.problems)
    subsidiaries = _section(check, top.get("subsidiaries"), "subsidiaries", sections.subsidiary)
    if isinstance(top.get("subsidiaries"), list) and not top["subsidiaries"]:
        check.problem("subsidiaries", "must list at least one subsidiary")
    procedures = _section(check, top.get("procedures"), "procedures", sections.procedure)
    rules = _section(check, top.get("assignment_rules"), "assignment_rules", sections.rule)
    _references(check, subsidiaries, procedures, rules)
    _sms_links(check, subsidiaries, procedures)
    if check.problems:
        raise ConfigError(check.problems)
    return Config(
        subsidiaries=tuple(s for _, s in subsidiaries),
        procedures=tuple(p for _, p in procedures),
        assignment_rules=tuple(r for _, r in rules),
    )


def parse_config(text: str) -> Config:
    """Parse and validate dunning.yaml text; raises ConfigError listing every problem."""
    return config_from_data(load_yaml(text))
