"""What a letter pending approval will do once approved (SPEC 2.7's approval queue):
its recipients, channels and language, decided as sending decides them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.delivery.routing import route
from dunning.domain.letters.view import choose_language
from dunning.domain.model import Contact, Customer, Letter


def pending_plan(
    letter: Letter,
    customer: Customer,
    contacts: Iterable[Contact],
    subsidiary: Subsidiary,
    languages: Iterable[str],
) -> dict[str, Any]:
    """The delivery record of a letter made pending: `languages` are those the level's
    template has (the renderer falls back customer -> subsidiary -> en among them).
    Bounce marks are checked when it is sent, which may still print instead."""
    departments = frozenset({letter.department}) if letter.department else frozenset()
    where = route(letter, customer, list(contacts), subsidiary, departments=departments)
    return {
        "recipients": list(where.to),
        "cc": list(where.cc),
        "channels": [str(c) for c in where.channels],
        "language": choose_language(customer.language, subsidiary.locale, languages),
    }
