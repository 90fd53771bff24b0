"""A column of an import file and a problem found in a row: the words the schemas
(schema.py, address_columns.py) are written in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass
from typing import NamedTuple

from dunning.domain.imports.cells import CellError, ErrorCode

ID_MAX = 100  # ids are keys in DynamoDB and in the duplicate check
TEXT_MAX = 255
LIST_MAX = 2_000  # e-mail lists and tags


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # also the model's field, unless `field` says otherwise
    # Cell text (stripped, not empty) -> value; None keeps the text itself.
    parse: Callable[[str], object] | None = None
    required: bool = False  # the header must have it
    filled: bool | None = None  # every row must give a value (default: as required)
    max_length: int = TEXT_MAX
    field: str = ""
    # True only if `parse` takes every text of a set, in one go; None: ask `parse`.
    all_valid: Callable[[Set[str]], bool] | None = None

    @property
    def must_be_filled(self) -> bool:
        return self.required if self.filled is None else self.filled

    @property
    def field_name(self) -> str:
        return self.field or self.name

    def cells_valid(self, cells: list[str]) -> bool:
        """True only if no cell of this column (stripped texts) has a problem."""
        if self.must_be_filled and "" in cells:
            return False
        if max(map(len, cells), default=0) > self.max_length:
            return False
        if self.parse is None:
            return True
        distinct = set(cells)  # typically few: dates, currencies, statuses repeat
        distinct.discard("")
        if self.all_valid is not None:
            return self.all_valid(distinct)
        return _all_parse(self.parse, distinct)


def _all_parse(parse: Callable[[str], object], texts: Set[str]) -> bool:
    try:
        for text in texts:
            parse(text)
    except CellError:
        return False
    return True


class Problem(NamedTuple):
    """A rule broken by a row, before it gets its line number."""

    column: str
    value: str
    code: ErrorCode
    message: str


Values = dict[str, object]  # model field -> parsed value, for the cells that are set
Cells = Mapping[str, list[str]]  # column -> stripped texts of a batch of rows
NO_PROBLEMS: tuple[Problem, ...] = ()
