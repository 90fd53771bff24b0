"""The checker that turns loaded YAML into model values while collecting problems.

Every problem is collected, not just the first, and each one names its key
path (`procedures[1].levels[2].days: must be greater than 30`, 0-based), so a
finance admin can fix a file in one go.
"""

from __future__ import annotations

import difflib
import zoneinfo
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError

from dunning.domain.bounds import AMOUNT_DIGITS_MAX, AMOUNT_MAX, significant_digits
from dunning.domain.configuration.config import AmountMap
from dunning.domain.configuration.exact_yaml import LongNumber
from dunning.domain.money import fits_minor_units, is_known_currency
from dunning.domain.patterns import is_bic, is_email, normalise_iban

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


def join(path: str, key: str) -> str:
    """The key path of `key` inside `path` (the root is the empty path)."""
    return f"{path}.{key}" if path else key


class Checker:
    """Collects problems while turning loaded YAML into model objects."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '(root)'}: {message}")

    # --- shapes ---

    def mapping(self, value: Any, path: str, keys: Mapping[str, bool]) -> dict[str, Any] | None:
        """The mapping with only allowed keys; reports unknown and missing required keys."""
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping")
            return None
        for key in value:
            if not isinstance(key, str) or key not in keys:
                hint = difflib.get_close_matches(str(key), list(keys), n=1)
                suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.problem(join(path, str(key)), f"unknown key{suffix}")
        for key, required in keys.items():
            if required and value.get(key) is None:
                self.problem(join(path, key), "is required")
        return value

    def items(self, value: Any, path: str) -> list[tuple[str, Any]]:
        """(path, element) pairs of a list; a missing list is an empty one."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path, "must be a list")
            return []
        return [(f"{path}[{i}]", element) for i, element in enumerate(value)]

    # --- scalars ---

    def string(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path, "must be a non-empty string")
            return None
        return value

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(path, "must be true or false")
            return default
        return value

    def integer(
        self, value: Any, path: str, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        if value is None:
            return None
        if isinstance(value, LongNumber):
            self._out_of_range(path, value, minimum, maximum)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, "must be a whole number")
            return None
        if minimum is not None and value < minimum:
            self.problem(path, f"must be at least {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.problem(path, f"must be at most {maximum}")
            return None
        return value

    def number(
        self, value: Any, path: str, minimum: int = 0, maximum: int | Decimal = AMOUNT_MAX
    ) -> Decimal | None:
        """A number from `minimum` to `maximum` (amounts by default), of at most
        AMOUNT_DIGITS_MAX digits."""
        if value is None:
            return None
        if isinstance(value, LongNumber):
            self._out_of_range(path, value, minimum, maximum)
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.problem(path, "must be a number")
            return None
        number = Decimal(value)
        if not number.is_finite():
            self.problem(path, "must be a finite number")
            return None
        if number < minimum:
            self.problem(path, f"must be at least {minimum}")
            return None
        if number > maximum:
            self.problem(path, f"must be at most {maximum}")
            return None
        if significant_digits(number) > AMOUNT_DIGITS_MAX:
            self.problem(path, f"must have at most {AMOUNT_DIGITS_MAX} digits")
            return None
        return number

    def _out_of_range(
        self, path: str, text: str, minimum: int | None, maximum: int | Decimal | None
    ) -> None:
        """An integer too long to convert is beyond the bound on its side."""
        negative = text.lstrip().startswith("-")
        bound = minimum if negative else maximum
        if bound is None:
            self.problem(path, "is too long a number")
        else:
            self.problem(path, f"must be at {'least' if negative else 'most'} {bound}")

    def choice(self, value: Any, path: str, enum: type[E], default: E) -> E:
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum)
            self.problem(path, f"must be one of: {allowed}")
            return default

    def currency(self, value: Any, path: str) -> str | None:
        code = self.string(value, path)
        if code is not None and not is_known_currency(code):
            self.problem(path, f"unknown currency {code!r}")
            return None
        return code

    def amount_map(
        self, value: Any, path: str, exact_minor_units: bool = False
    ) -> AmountMap | None:
        """A number (every currency) or {CUR: number, default: number}."""
        if value is None:
            return None
        if not isinstance(value, dict):
            single = self.number(value, path)
            return None if single is None else AmountMap(default=single)
        by_currency: dict[str, Decimal] = {}
        default: Decimal | None = None
        for key, raw in value.items():
            key_path = join(path, str(key))
            if key == "default":
                default = self.number(raw, key_path)
                continue
            if not is_known_currency(key):
                self.problem(
                    key_path, f"unknown currency {key!r} (use a code such as EUR, or default)"
                )
                continue
            amount = self.number(raw, key_path)
            if amount is None:
                continue
            if exact_minor_units and not fits_minor_units(amount, key):
                self.problem(key_path, f"has more decimals than {key} allows")
                continue
            by_currency[key] = amount
        return AmountMap(by_currency=by_currency, default=default)

    def listed(self, value: Any, path: str, convert: Callable[[Any, str], T | None]) -> list[T]:
        converted = (convert(element, p) for p, element in self.items(value, path))
        return [c for c in converted if c is not None]

    # --- values with a grammar of their own ---

    def timezone(self, value: Any, path: str) -> str:
        name = self.string(value, path)
        if name is None:
            return "UTC"
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            self.problem(path, f"unknown time zone {name!r}")
        return name

    def locale(self, value: Any, path: str) -> str:
        code = self.string(value, path)
        if code is None:
            return "en"
        try:
            Locale.parse(code.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            self.problem(path, f"unknown locale {code!r}")
        return code

    def email(self, value: Any, path: str) -> str | None:
        address = self.string(value, path)
        if address is not None and not is_email(address):
            self.problem(path, "must be an email address")
            return None
        return address

    def iban(self, value: Any, path: str) -> str | None:
        """The IBAN compact and in upper case, as letters print and encode it."""
        text = self.string(value, path)
        if text is None:
            return None
        compact = normalise_iban(text)
        if compact is None:
            self.problem(path, "must be a valid IBAN")
        return compact

    def bic(self, value: Any, path: str) -> str | None:
        text = self.string(value, path)
        if text is not None and not is_bic(text):
            self.problem(path, "must be a BIC of 8 or 11 letters and digits")
            return None
        return text

    def url(self, value: Any, path: str) -> str | None:
        text = self.string(value, path)
        if text is not None and not text.startswith(("https://", "http://")):
            self.problem(path, "must start with https:// or http://")
            return None
        return text
