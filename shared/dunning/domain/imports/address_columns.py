"""The postal address and phone columns of customers.csv and contacts.csv (SPEC 3.2).

The address cells of a row become one PostalAddress on the customer; a row that
gives any of them must give a line and a city, or the post could not deliver it.
"""

from __future__ import annotations

from collections.abc import Sequence

from dunning.domain.imports.cells import (
    ErrorCode,
    countries_valid,
    parse_country,
    parse_phone,
)
from dunning.domain.imports.columns import Cells, Column, Problem, Values
from dunning.domain.model import Customer
from dunning.domain.postal import ADDRESS_PARTS, PostalAddress

# A line of the address window holds about this many characters of 10 pt text
# (85 mm on A4, 3.5 in on US Letter); longer lines would wrap out of the window.
ADDRESS_LINE_MAX = 60
POSTAL_CODE_MAX = 12  # the longest postal codes in use have ten characters
# E.164 has at most 16 characters; room for spaces, so the report can say how to write it.
PHONE_MAX = 30

ADDRESS_FIELDS = ADDRESS_PARTS
# An address the post can deliver has at least a street (or box) line and a town.
ADDRESS_NEEDS = ("address_line1", "city")


PHONE = Column("phone", parse_phone, max_length=PHONE_MAX)


def address_columns() -> tuple[Column, ...]:
    def text(name: str, max_length: int = ADDRESS_LINE_MAX) -> Column:
        return Column(name, max_length=max_length, field=ADDRESS_FIELDS[name])

    return (
        text("address_line1"),
        text("address_line2"),
        text("address_line3"),
        text("postal_code", POSTAL_CODE_MAX),
        text("city"),
        text("region"),
        Column("country", parse_country, max_length=60, all_valid=countries_valid),
    )


def address_problems(values: Values) -> Sequence[Problem]:
    """A line and a city missing from a row that gives some of its address."""
    if not any(field in values for field in ADDRESS_FIELDS.values()):
        return ()
    missing = [column for column in ADDRESS_NEEDS if ADDRESS_FIELDS[column] not in values]
    message = "the row has an address: give its {} too"
    return [Problem(c, "", ErrorCode.MISSING_VALUE, message.format(c)) for c in missing]


def addresses_whole(cells: Cells) -> bool:
    given = [cells[c] for c in ADDRESS_FIELDS if c in cells]
    if not given:
        return True
    needed = [cells.get(c) for c in ADDRESS_NEEDS]
    for row, parts in enumerate(zip(*given, strict=True)):
        if any(parts) and not all(column and column[row] for column in needed):
            return False
    return True


def customer_row(**values: object) -> Customer:
    """A customer from its parsed cells; the address cells become one PostalAddress."""
    parts = {field: values.pop(field) for field in ADDRESS_FIELDS.values() if field in values}
    address = PostalAddress(**parts) if parts else None  # type: ignore[arg-type]
    return Customer(**values, address=address)  # type: ignore[arg-type]
