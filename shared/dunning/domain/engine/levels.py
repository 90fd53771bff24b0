"""The level of a scope (SPEC 2.2): item levels, the amount conditions, SAP's minimum %.

The functions work on plain parallel lists (days overdue, remaining amount)
because they run once per open invoice of a whole subsidiary: no objects per
item, no sorting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from dunning.domain.configuration.config import Procedure
from dunning.domain.model import Operator
from dunning.domain.money import HUNDRED, ZERO


@dataclass(frozen=True, slots=True)
class LevelRule:
    """One level's thresholds for one currency (the AmountMaps already looked up)."""

    number: int
    days: int
    min_invoice: Decimal | None
    min_total: Decimal | None
    min_percent: Decimal | None  # None or 0: no minimum percentage


@dataclass(frozen=True, slots=True)
class LevelRules:
    """All levels of a procedure for one currency, as the level computation needs them."""

    rules: tuple[LevelRule, ...]
    use_or: bool
    has_min_percent: bool


def level_rules(procedure: Procedure, currency: str) -> LevelRules:
    rules = tuple(
        LevelRule(
            number=level.number,
            days=level.days,
            min_invoice=None
            if level.min_invoice_amount is None
            else level.min_invoice_amount.for_currency(currency),
            min_total=None
            if level.min_total_overdue is None
            else level.min_total_overdue.for_currency(currency),
            min_percent=level.min_percent_open or None,
        )
        for level in procedure.levels
    )
    return LevelRules(
        rules=rules,
        use_or=procedure.operator == Operator.OR,
        has_min_percent=any(r.min_percent for r in rules),
    )


def overdue_balance(days: Sequence[int], remaining: Sequence[Decimal], credits: Decimal) -> Decimal:
    """Remaining amounts of items already due (days_overdue > 0), less open credits."""
    total = sum((r for d, r in zip(days, remaining, strict=True) if d > 0), ZERO)
    return total - credits


def _item_thresholds(rules: LevelRules, balance: Decimal) -> list[tuple[int, int, Decimal | None]]:
    """Per level, highest first: (number, days, minimum remaining or None).

    The overdue balance is the same for every item of the scope, so its
    condition is settled here once: a level it rules out is dropped, and a
    level it alone satisfies (operator or) needs no per-item amount.
    Unset minimums are left out of the condition; with neither set it holds.
    """
    out: list[tuple[int, int, Decimal | None]] = []
    for rule in reversed(rules.rules):
        total_ok = None if rule.min_total is None else balance >= rule.min_total
        if rule.min_invoice is None:
            if total_ok is False:
                continue
            threshold = None
        elif total_ok is None:
            threshold = rule.min_invoice
        elif rules.use_or:
            threshold = None if total_ok else rule.min_invoice
        else:
            if not total_ok:
                continue
            threshold = rule.min_invoice
        out.append((rule.number, rule.days, threshold))
    return out


def item_levels(
    rules: LevelRules, days: Sequence[int], remaining: Sequence[Decimal], balance: Decimal
) -> list[int]:
    """The highest level each item qualifies for (0: none)."""
    thresholds = _item_thresholds(rules, balance)
    levels: list[int] = []
    append = levels.append
    for d, rem in zip(days, remaining, strict=True):
        level = 0
        for number, level_days, threshold in thresholds:
            if d >= level_days and (threshold is None or rem >= threshold):
                level = number
                break
        append(level)
    return levels


def apply_min_percent(rules: LevelRules, levels: list[int], remaining: Sequence[Decimal]) -> int:
    """SAP's minimum percentage, from the candidate level down; returns the scope level.

    Level L holds only if the items at L or above make up at least
    `min_percent_open` % of all the scope's eligible open items; otherwise those
    items drop one level and L - 1 is tried. `levels` is updated in place.
    """
    candidate = max(levels, default=0)
    if not rules.has_min_percent or candidate == 0:
        return candidate
    total = sum(remaining, ZERO)
    while candidate > 0:
        percent = rules.rules[candidate - 1].min_percent
        if not percent:
            break
        at_or_above = sum(
            (r for lv, r in zip(levels, remaining, strict=True) if lv >= candidate), ZERO
        )
        if at_or_above * HUNDRED >= percent * total:
            break
        for index, lv in enumerate(levels):
            if lv >= candidate:
                levels[index] = candidate - 1
        candidate -= 1
    return candidate


@dataclass(frozen=True, slots=True)
class ScopeLevel:
    level: int  # 0: no level
    item_levels: list[int]
    overdue_balance: Decimal


def scope_level(
    rules: LevelRules, days: Sequence[int], remaining: Sequence[Decimal], credits: Decimal = ZERO
) -> ScopeLevel:
    """Level of one (scope, currency) from its eligible items (SPEC 2.2 steps 1-4)."""
    balance = overdue_balance(days, remaining, credits)
    levels = item_levels(rules, days, remaining, balance)
    level = apply_min_percent(rules, levels, remaining)
    return ScopeLevel(level=level, item_levels=levels, overdue_balance=balance)
