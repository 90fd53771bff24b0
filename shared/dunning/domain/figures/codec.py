"""A Partial as plain JSON values (amounts as decimal strings) and back."""

from __future__ import annotations

from dataclasses import fields
from decimal import Decimal
from typing import Any

from dunning.domain.figures.partial import BUCKETS, Partial

_COUNTS = frozenset(
    {"open_invoices", "overdue_customers", "paid_invoices", "days_to_pay", "days_late"}
    | {"recent_invoices"}
)


def partial_to_dict(p: Partial) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(p):
        value = getattr(p, f.name)
        if f.name == "aging":
            out["aging"] = {b: str(value[b]) for b in BUCKETS}
        else:
            out[f.name] = value if f.name in _COUNTS else str(value)
    return out


def partial_from_dict(d: dict[str, Any]) -> Partial:
    values: dict[str, Any] = {}
    for f in fields(Partial):
        if f.name not in d:
            continue
        if f.name == "aging":
            values["aging"] = {b: Decimal(d["aging"].get(b, "0")) for b in BUCKETS}
        elif f.name in _COUNTS:
            values[f.name] = int(d[f.name])
        else:
            values[f.name] = Decimal(d[f.name])
    return Partial(**values)


def flat(p: Partial) -> dict[str, Decimal]:
    """Every sum and count under one name each (the day item's attributes)."""
    out = {f.name: Decimal(getattr(p, f.name)) for f in fields(p) if f.name != "aging"}
    out.update({f"aging:{b}": p.aging[b] for b in BUCKETS})
    return out


def unflat(values: dict[str, Decimal]) -> Partial:
    d: dict[str, Any] = {k: str(v) for k, v in values.items() if not k.startswith("aging:")}
    d["aging"] = {b: str(values.get(f"aging:{b}", 0)) for b in BUCKETS}
    return partial_from_dict(d)
