"""Deterministic synthetic data sets of any size (SPEC 3.4 `dunning generate`).

`generate(seed, customers, as_of)` describes a data set; its methods stream
the rows of each CSV file of SPEC 3.2 (dicts keyed by the header names, every
value a string) without holding them all in memory, and `config_yaml` is a
matching dunning.yaml. The same arguments give byte-identical output on every
machine: all randomness is integer-only (`randrange`) from string-seeded
generators, and each file has its own generator, so a file can be streamed
again, alone, and comes out the same.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import TextIO

from dunning.domain.money import minor_units
from dunning_local.synthetic_config import SUBSIDIARIES, SyntheticSubsidiary, config_yaml

CUSTOMER_COLUMNS = (
    "customer_id",
    "subsidiary_id",
    "name",
    "email",
    "language",
    "currency",
    "parent_id",
    "bill_to_parent",
    "procedure_id",
    "delivery",
    "manager_email",
    "tags",
    "exclude_customer_email",
    "split_by_department",
)


CONTACT_COLUMNS = ("customer_id", "name", "email", "department", "role")


INVOICE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "amount",
    "amount_remaining",
    "department",
    "group_id",
    "procedure_id",
    "status",
    "paid_date",
)


CREDIT_COLUMNS = ("credit_id", "customer_id", "currency", "date", "amount_unapplied", "kind")


GROUP_COLUMNS = ("group_id", "customer_id", "procedure_id")


Row = dict[str, str]


DAYS_BEFORE = 100  # due dates run from as_of - 100 ...


DAYS_AFTER = 20  # ... to as_of + 20: 120 days around as_of


_NAME_PARTS = {
    "nl": (("Van Dijk", "De Vries", "Bakker", "Visser"), ("Bouw", "Logistiek", "Handel"), "B.V."),
    "de": (("Müller", "Schmidt", "Schneider", "Weber"), ("Bau", "Logistik", "Handel"), "GmbH"),
    "fr": (("Dubois", "Lefèvre", "Moreau", "Girard"), ("Bâtiment", "Transports", "Négoce"), "SARL"),
    "en": (("Harris", "Clarke", "Walker", "Turner"), ("Building", "Logistics", "Trading"), "Ltd"),
}


_DEPARTMENTS = ("Sales", "Operations", "Research")


_TAGS = ("vip", "public", "retail", "wholesale")


_TERMS = (14, 30, 30, 30, 45, 60)


_SECOND_CURRENCY = {"EUR": "USD", "USD": "EUR", "GBP": "EUR", "JPY": "USD"}


@dataclass(frozen=True, slots=True)
class _Profile:
    """The per-customer decisions every file needs to agree on."""

    index: int
    customer_id: str
    sub: SyntheticSubsidiary
    language: str
    currency: str
    second_currency: str | None
    parent_id: str | None
    departments: tuple[str, ...]
    group_ids: tuple[str, ...]
    invoice_count: int
    has_credit: bool


def _chance(rng: Random, percent: int) -> bool:
    return rng.randrange(100) < percent


def _money_text(units: int, currency: str) -> str:
    """Integer minor units as CSV decimal text: 1234 EUR cents -> '12.34'."""
    digits = minor_units(currency)
    if digits == 0:
        return str(units)
    scale = 10**digits
    return f"{units // scale}.{units % scale:0{digits}d}"


def _amount_units(rng: Random, currency: str) -> int:
    """A skewed invoice amount in minor units: mostly hundreds, some tens of thousands."""
    low, high = ((10, 100), (100, 1_000), (1_000, 10_000), (10_000, 50_000))[
        (0, 1, 1, 1, 2, 2, 3)[rng.randrange(7)]
    ]
    whole = rng.randrange(low, high)
    if currency == "JPY":
        return whole * 150
    return whole * 10 ** minor_units(currency) + rng.randrange(10 ** minor_units(currency))


@dataclass(frozen=True)
class SyntheticData:
    """A synthetic data set; each method streams one CSV file's rows afresh."""

    seed: int
    customer_count: int
    as_of: date
    invoices_per_customer: int = 10
    subsidiary_count: int = 4

    @property
    def subsidiaries(self) -> tuple[SyntheticSubsidiary, ...]:
        return SUBSIDIARIES[: self.subsidiary_count]

    def _rng(self, stream: str) -> Random:
        return Random(f"dunning-synthetic:{self.seed}:{stream}")

    # --- customers -----------------------------------------------------------

    def _profiles(self) -> Iterator[_Profile]:
        """Customer decisions from their own generator, so every file sees the same ones."""
        rng = self._rng("profiles")
        subs = self.subsidiaries
        per = self.invoices_per_customer
        root: _Profile | None = None
        swing = 0
        for index in range(self.customer_count):
            # Pairs of customers have counts per + d and per - d: the total is exact.
            if index % 2 == 0 and index + 1 < self.customer_count:
                swing = rng.randrange(-(per - 1), per) if per > 1 else 0
                count = per + swing
            else:
                count = per - swing if index % 2 == 1 else per
            child = root is not None and _chance(rng, 4)
            sub = root.sub if child and root is not None else subs[rng.randrange(len(subs))]
            customer_id = f"C{index + 1:07d}"
            language = (
                sub.locale if _chance(rng, 85) else ("en", "de", "fr", "nl")[rng.randrange(4)]
            )
            profile = _Profile(
                index=index,
                customer_id=customer_id,
                sub=sub,
                language=language,
                currency=sub.currency,
                second_currency=_SECOND_CURRENCY[sub.currency] if _chance(rng, 6) else None,
                parent_id=root.customer_id if child and root is not None else None,
                departments=_DEPARTMENTS[: 2 + rng.randrange(2)] if _chance(rng, 5) else (),
                group_ids=tuple(f"G{index + 1:07d}-{g}" for g in range(1 + rng.randrange(2)))
                if _chance(rng, 4)
                else (),
                invoice_count=count,
                has_credit=_chance(rng, 12),
            )
            if not child:
                root = profile
            yield profile

    def customers(self) -> Iterator[Row]:
        rng = self._rng("customers")
        for p in self._profiles():
            yield self._customer_row(rng, p)

    def _customer_row(self, rng: Random, p: _Profile) -> Row:
        surnames, trades, legal = _NAME_PARTS[p.language]
        name = (
            f"{surnames[rng.randrange(len(surnames))]} {trades[rng.randrange(len(trades))]} {legal}"
        )
        slug = f"c{p.index + 1}.{p.sub.domain}.example"
        roll = rng.randrange(100)
        emails = "" if roll < 6 else f"ap@{slug}" if roll < 80 else f"ap@{slug};finance@{slug}"
        delivery = ("email",) * 17 + ("print", "both", "")
        procedure = "STRICT" if _chance(rng, 3) else "MANUAL" if _chance(rng, 2) else ""
        tags = "|".join(t for t in _TAGS if _chance(rng, 8))
        return {
            "customer_id": p.customer_id,
            "subsidiary_id": p.sub.subsidiary_id,
            "name": name,
            "email": emails,
            "language": p.language,
            "currency": p.currency,
            "parent_id": p.parent_id or "",
            "bill_to_parent": "true" if p.parent_id else "",
            "procedure_id": procedure,
            "delivery": delivery[rng.randrange(len(delivery))],
            "manager_email": f"collector{rng.randrange(1, 6)}@acme.example"
            if _chance(rng, 50)
            else "",
            "tags": tags,
            "exclude_customer_email": "true" if emails and _chance(rng, 2) else "",
            "split_by_department": "true" if p.departments else "",
        }

    def contacts(self) -> Iterator[Row]:
        rng = self._rng("contacts")
        for p in self._profiles():
            slug = f"c{p.index + 1}.{p.sub.domain}.example"
            for department in p.departments:
                yield {
                    "customer_id": p.customer_id,
                    "name": f"{department} AP",
                    "email": f"{department.lower()}@{slug}",
                    "department": department,
                    "role": "dunning",
                }
            for n in range(rng.randrange(3)):
                yield {
                    "customer_id": p.customer_id,
                    "name": f"Contact {n + 1}",
                    "email": f"contact{n + 1}@{slug}",
                    "department": "",
                    "role": "dunning" if _chance(rng, 60) else "billing",
                }

    def invoice_groups(self) -> Iterator[Row]:
        for p in self._profiles():
            for n, group_id in enumerate(p.group_ids):
                yield {
                    "group_id": group_id,
                    "customer_id": p.customer_id,
                    "procedure_id": "GROUP" if n == 0 else "",
                }

    # --- invoices and credits ---------------------------------------------------

    def invoices(self) -> Iterator[Row]:
        rng = self._rng("invoices")
        iso = _IsoDates(self.as_of)
        serial = 0
        for p in self._profiles():
            for _ in range(p.invoice_count):
                serial += 1
                yield self._invoice_row(rng, iso, p, serial)

    def _invoice_row(self, rng: Random, iso: _IsoDates, p: _Profile, serial: int) -> Row:
        due = rng.randrange(-DAYS_BEFORE, DAYS_AFTER + 1)  # days after as_of
        issue = min(due - _TERMS[rng.randrange(len(_TERMS))], 0)
        currency = p.second_currency if p.second_currency and _chance(rng, 30) else p.currency
        amount = _amount_units(rng, currency)
        roll = rng.randrange(100)
        paid_share = 50 if due < -60 else 30 if due < 0 else 10
        status, remaining, paid = "open", amount, ""
        if roll < 2:
            status, remaining = "void", 0
        elif roll < 2 + paid_share:
            status, remaining = "paid", 0
            paid = iso[rng.randrange(issue, 1)]
        elif roll < 12 + paid_share:
            remaining = amount * rng.randrange(5, 95) // 100 or amount
        return {
            "invoice_id": f"I{serial:09d}",
            "customer_id": p.customer_id,
            "number": f"{p.sub.subsidiary_id}-{serial:08d}",
            "issue_date": iso[issue],
            "due_date": iso[due],
            "currency": currency,
            "amount": _money_text(amount, currency),
            "amount_remaining": _money_text(remaining, currency),
            "department": p.departments[rng.randrange(len(p.departments))] if p.departments else "",
            "group_id": p.group_ids[rng.randrange(len(p.group_ids))]
            if p.group_ids and _chance(rng, 40)
            else "",
            "procedure_id": "INV" if _chance(rng, 1) else "",
            "status": status,
            "paid_date": paid,
        }

    def credits(self) -> Iterator[Row]:
        rng = self._rng("credits")
        iso = _IsoDates(self.as_of)
        for p in self._profiles():
            if not p.has_credit:
                continue
            memo = _chance(rng, 60)
            yield {
                "credit_id": f"CR{p.index + 1:07d}",
                "customer_id": p.customer_id,
                "currency": p.currency,
                "date": iso[-rng.randrange(1, 90)],
                "amount_unapplied": _money_text(_amount_units(rng, p.currency) // 4, p.currency),
                "kind": "credit_memo" if memo else "payment",
            }

    # --- files -----------------------------------------------------------------

    def tables(self) -> Iterator[tuple[str, tuple[str, ...], Iterator[Row]]]:
        """(file name, header, rows) for every CSV file, in import dependency order."""
        yield "customers.csv", CUSTOMER_COLUMNS, self.customers()
        yield "contacts.csv", CONTACT_COLUMNS, self.contacts()
        yield "invoice_groups.csv", GROUP_COLUMNS, self.invoice_groups()
        yield "invoices.csv", INVOICE_COLUMNS, self.invoices()
        yield "credits.csv", CREDIT_COLUMNS, self.credits()

    @property
    def config_yaml(self) -> str:
        return config_yaml(self.subsidiaries)


class _IsoDates:
    """ISO text of as_of + n days, computed once per day (rows repeat the same few dates)."""

    def __init__(self, as_of: date) -> None:
        self._as_of = as_of
        self._cache: dict[int, str] = {}

    def __getitem__(self, offset: int) -> str:
        text = self._cache.get(offset)
        if text is None:
            text = self._cache[offset] = (self._as_of + timedelta(days=offset)).isoformat()
        return text


def generate(
    seed: int,
    customers: int,
    as_of: date,
    *,
    invoices_per_customer: int = 10,
    subsidiaries: int = 4,
) -> SyntheticData:
    """A deterministic data set of `customers` customers and their invoices, credits, groups.

    The invoice total is exactly customers x invoices_per_customer. Up to six
    subsidiaries (EUR, USD, GBP, JPY; en, de, fr, nl; six time zones).
    """
    if customers < 0 or invoices_per_customer < 1:
        raise ValueError("customers must be >= 0 and invoices_per_customer >= 1")
    if not 1 <= subsidiaries <= len(SUBSIDIARIES):
        raise ValueError(f"subsidiaries must be 1..{len(SUBSIDIARIES)}")
    return SyntheticData(seed, customers, as_of, invoices_per_customer, subsidiaries)


def write_csv(stream: TextIO, columns: Sequence[str], rows: Iterable[Row]) -> int:
    """Write a header and rows (LF line ends, minimal quoting); returns the row count."""
    writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
