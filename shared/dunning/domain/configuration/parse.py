"""Reading `dunning.yaml` (SPEC 3.1) into a validated `Config`.

Every problem is collected, not just the first, and each one names its key
path (`procedures[1].levels[2].days: must be greater than 30`, 0-based), so a
finance admin can fix a file in one go. Numbers are exact: YAML floats are
read as `Decimal` from their source text, never through `float`.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Callable, Hashable, Mapping
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import yaml
from babel import Locale, UnknownLocaleError

from dunning.domain.model import (
    AmountMap,
    AssignmentRule,
    Channel,
    Config,
    Escalation,
    Level,
    Operator,
    PaymentPlan,
    Procedure,
    ScopeKind,
    Sending,
    Subsidiary,
)
from dunning.domain.money import fits_minor_units, is_known_currency

MAX_LEVELS = 15
DEFAULT_PROMISE_GRACE_DAYS = 3

E = TypeVar("E", bound=Enum)
T = TypeVar("T")


class ConfigError(ValueError):
    """The configuration is invalid; `.problems` lists every problem with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"invalid dunning configuration ({len(self.problems)} problems):\n{listing}"
        )


# --- YAML with exact numbers -----------------------------------------------------


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that keeps floats as Decimal and remembers duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        # PyYAML silently keeps the last of two equal keys; a second `fee:` is a typo to report.
        self.flatten_mapping(node)
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                self.duplicate_keys.append(
                    f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_float_to_decimal(text: str) -> Decimal:
    """Decimal value of a YAML 1.1 float scalar, from its text (no float round trip)."""
    cleaned = text.replace("_", "").strip()
    lowered = cleaned.lower()
    sign = -1 if lowered.startswith("-") else 1
    unsigned = lowered.lstrip("+-")
    if unsigned == ".inf":
        return Decimal("Infinity") * sign
    if unsigned == ".nan":
        return Decimal("NaN")
    if ":" in unsigned:  # sexagesimal, e.g. 1:30.5 (YAML 1.1)
        value = Decimal(0)
        for part in unsigned.split(":"):
            value = value * 60 + Decimal(part)
        return value * sign
    return Decimal(cleaned)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return _yaml_float_to_decimal(str(loader.construct_scalar(node)))


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml(text: str) -> Any:
    """yaml.safe_load with Decimal floats; ConfigError on syntax errors or duplicate keys."""
    loader = _ExactLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError([f"(yaml): {exc}".replace("\n", " ")]) from exc
    finally:
        loader.dispose()
    if loader.duplicate_keys:
        raise ConfigError(loader.duplicate_keys)
    return data


# --- validation ------------------------------------------------------------------

_SUBSIDIARY_KEYS = {
    "id": True,
    "name": True,
    "base_currency": True,
    "timezone": True,
    "locale": False,
    "sender": False,
    "reply_to": False,
    "payment_url": False,
    "iban": False,
    "default_procedure": False,
    "max_import_age_hours": False,
    # Letterhead and SEPA QR details (model fields beyond SPEC 3.1's list).
    "address_lines": False,
    "bic": False,
}
_PROCEDURE_KEYS = {
    "id": True,
    "applies_to": False,
    "levels": True,
    "allow_override": False,
    "sending": False,
    "days_between_letters": False,
    "operator": False,
    "escalation": False,
    "repeat_every_days": False,
    "net_credits": False,
    "promise_grace_days": False,
}
_LEVEL_KEYS = {
    "days": True,
    "template": True,
    "min_invoice_amount": False,
    "min_total_overdue": False,
    "min_percent_open": False,
    "channels": False,
    "fee": False,
    "interest_rate_pa": False,
    "payment_plan": False,
}
_PAYMENT_PLAN_KEYS = {"instalments": True, "interval_days": False}
_RULE_KEYS = {
    "procedure_id": True,
    "subsidiary_id": False,
    "tags": False,
    "currency": False,
    "min_amount": False,
    "max_amount": False,
}
_TOP_KEYS = {"subsidiaries": True, "procedures": True, "assignment_rules": False}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
# Template names become folder names for the renderer: no slashes, no leading dot.
_TEMPLATE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Checker:
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
                self.problem(_join(path, str(key)), f"unknown key{suffix}")
        for key, required in keys.items():
            if required and value.get(key) is None:
                self.problem(_join(path, key), "is required")
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

    def integer(self, value: Any, path: str, minimum: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(path, "must be a whole number")
            return None
        if minimum is not None and value < minimum:
            self.problem(path, f"must be at least {minimum}")
            return None
        return value

    def number(
        self, value: Any, path: str, minimum: int = 0, maximum: int | None = None
    ) -> Decimal | None:
        if value is None:
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
        if maximum is not None and number > maximum:
            self.problem(path, f"must be at most {maximum}")
            return None
        return number

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
            key_path = _join(path, str(key))
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


# --- sections --------------------------------------------------------------------


def _timezone(check: _Checker, value: Any, path: str) -> str:
    name = check.string(value, path)
    if name is None:
        return "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        check.problem(path, f"unknown time zone {name!r}")
    return name


def _locale(check: _Checker, value: Any, path: str) -> str:
    code = check.string(value, path)
    if code is None:
        return "en"
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        check.problem(path, f"unknown locale {code!r}")
    return code


def _email(check: _Checker, value: Any, path: str) -> str | None:
    address = check.string(value, path)
    if address is not None and not _EMAIL.match(address):
        check.problem(path, "must be an email address")
        return None
    return address


def _iban(check: _Checker, value: Any, path: str) -> str | None:
    iban = check.string(value, path)
    if iban is None:
        return None
    compact = iban.replace(" ", "").upper()
    if _IBAN.match(compact):
        # ISO 13616 check: country and check digits moved to the end, letters as
        # numbers (A=10 ... Z=35), the whole number mod 97 must be 1.
        rearranged = compact[4:] + compact[:4]
        if int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1:
            return compact
    check.problem(path, "must be a valid IBAN")
    return None


def _bic(check: _Checker, value: Any, path: str) -> str | None:
    bic = check.string(value, path)
    if bic is not None and not _BIC.match(bic):
        check.problem(path, "must be a BIC of 8 or 11 letters and digits")
        return None
    return bic


def _url(check: _Checker, value: Any, path: str) -> str | None:
    url = check.string(value, path)
    if url is not None and not url.startswith(("https://", "http://")):
        check.problem(path, "must start with https:// or http://")
        return None
    return url


def _subsidiary(check: _Checker, value: Any, path: str) -> Subsidiary | None:
    data = check.mapping(value, path, _SUBSIDIARY_KEYS)
    if data is None:
        return None
    return Subsidiary(
        subsidiary_id=check.string(data.get("id"), _join(path, "id")) or "",
        name=check.string(data.get("name"), _join(path, "name")) or "",
        base_currency=check.currency(data.get("base_currency"), _join(path, "base_currency")) or "",
        timezone=_timezone(check, data.get("timezone"), _join(path, "timezone")),
        locale=_locale(check, data.get("locale"), _join(path, "locale")),
        sender=_email(check, data.get("sender"), _join(path, "sender")),
        reply_to=_email(check, data.get("reply_to"), _join(path, "reply_to")),
        payment_url=_url(check, data.get("payment_url"), _join(path, "payment_url")),
        iban=_iban(check, data.get("iban"), _join(path, "iban")),
        default_procedure=check.string(
            data.get("default_procedure"), _join(path, "default_procedure")
        ),
        max_import_age_hours=check.integer(
            data.get("max_import_age_hours"), _join(path, "max_import_age_hours"), minimum=1
        ),
        address_lines=tuple(
            check.listed(data.get("address_lines"), _join(path, "address_lines"), check.string)
        ),
        bic=_bic(check, data.get("bic"), _join(path, "bic")),
    )


def _channels(check: _Checker, value: Any, path: str) -> tuple[Channel, ...]:
    if value is None:
        return (Channel.EMAIL,)
    pairs = check.items(value, path)
    if isinstance(value, list) and not value:
        check.problem(path, "must name at least one channel")
    channels: list[Channel] = []
    for item_path, raw in pairs:
        channel = check.choice(raw, item_path, Channel, Channel.EMAIL)
        if channel in channels:
            check.problem(item_path, f"duplicate channel {channel.value!r}")
            continue
        channels.append(channel)
    return tuple(channels) or (Channel.EMAIL,)


def _payment_plan(check: _Checker, value: Any, path: str) -> PaymentPlan | None:
    if value is None:
        return None
    data = check.mapping(value, path, _PAYMENT_PLAN_KEYS)
    if data is None:
        return None
    instalments = check.integer(data.get("instalments"), _join(path, "instalments"), minimum=1)
    interval = check.integer(data.get("interval_days"), _join(path, "interval_days"), minimum=1)
    if instalments is None:
        return None
    return PaymentPlan(instalments=instalments, interval_days=30 if interval is None else interval)


def _level(check: _Checker, value: Any, path: str, number: int) -> Level | None:
    data = check.mapping(value, path, _LEVEL_KEYS)
    if data is None:
        return None
    days = check.integer(data.get("days"), _join(path, "days"))
    template = check.string(data.get("template"), _join(path, "template"))
    if template is not None and not _TEMPLATE.match(template):
        check.problem(_join(path, "template"), "must be a simple name (letters, digits, _ . -)")
    level = Level(
        number=number,
        days=0 if days is None else days,
        template=template or "",
        min_invoice_amount=check.amount_map(
            data.get("min_invoice_amount"), _join(path, "min_invoice_amount")
        ),
        min_total_overdue=check.amount_map(
            data.get("min_total_overdue"), _join(path, "min_total_overdue")
        ),
        min_percent_open=check.number(
            data.get("min_percent_open"), _join(path, "min_percent_open"), maximum=100
        ),
        channels=_channels(check, data.get("channels"), _join(path, "channels")),
        fee=check.amount_map(data.get("fee"), _join(path, "fee"), exact_minor_units=True),
        interest_rate_pa=check.number(
            data.get("interest_rate_pa"), _join(path, "interest_rate_pa")
        ),
        payment_plan=_payment_plan(check, data.get("payment_plan"), _join(path, "payment_plan")),
    )
    return level if days is not None else None


def _levels(check: _Checker, value: Any, path: str) -> tuple[Level, ...]:
    pairs = check.items(value, path)
    if isinstance(value, list) and not 1 <= len(value) <= MAX_LEVELS:
        check.problem(path, f"must have 1 to {MAX_LEVELS} levels, not {len(value)}")
    levels: list[Level] = []
    previous: int | None = None
    for index, (level_path, raw) in enumerate(pairs):
        level = _level(check, raw, level_path, number=index + 1)
        if level is None:
            continue
        if previous is not None and level.days <= previous:
            # Levels escalate: each one must need more days overdue than the one before.
            check.problem(_join(level_path, "days"), f"must be greater than {previous}")
        previous = level.days
        levels.append(level)
    return tuple(levels)


def _procedure(check: _Checker, value: Any, path: str) -> Procedure | None:
    data = check.mapping(value, path, _PROCEDURE_KEYS)
    if data is None:
        return None
    repeat = check.integer(
        data.get("repeat_every_days"), _join(path, "repeat_every_days"), minimum=1
    )
    grace = check.integer(
        data.get("promise_grace_days"), _join(path, "promise_grace_days"), minimum=0
    )
    between = check.integer(
        data.get("days_between_letters"), _join(path, "days_between_letters"), minimum=0
    )
    return Procedure(
        procedure_id=check.string(data.get("id"), _join(path, "id")) or "",
        applies_to=check.choice(
            data.get("applies_to"), _join(path, "applies_to"), ScopeKind, ScopeKind.CUSTOMER
        ),
        levels=_levels(check, data.get("levels"), _join(path, "levels")),
        allow_override=check.boolean(
            data.get("allow_override"), _join(path, "allow_override"), False
        ),
        sending=check.choice(
            data.get("sending"), _join(path, "sending"), Sending, Sending.AUTOMATIC
        ),
        days_between_letters=between or 0,
        operator=check.choice(
            data.get("operator"), _join(path, "operator"), Operator, Operator.AND
        ),
        escalation=check.choice(
            data.get("escalation"), _join(path, "escalation"), Escalation, Escalation.JUMP
        ),
        repeat_every_days=repeat,
        net_credits=check.boolean(data.get("net_credits"), _join(path, "net_credits"), True),
        promise_grace_days=DEFAULT_PROMISE_GRACE_DAYS if grace is None else grace,
    )


def _tags(check: _Checker, value: Any, path: str) -> tuple[str, ...]:
    return tuple(check.listed(value, path, check.string))


def _rule(check: _Checker, value: Any, path: str) -> AssignmentRule | None:
    data = check.mapping(value, path, _RULE_KEYS)
    if data is None:
        return None
    min_amount = check.number(data.get("min_amount"), _join(path, "min_amount"))
    max_amount = check.number(data.get("max_amount"), _join(path, "max_amount"))
    if min_amount is not None and max_amount is not None and max_amount < min_amount:
        check.problem(_join(path, "max_amount"), f"must be at least min_amount ({min_amount})")
    return AssignmentRule(
        procedure_id=check.string(data.get("procedure_id"), _join(path, "procedure_id")) or "",
        subsidiary_id=check.string(data.get("subsidiary_id"), _join(path, "subsidiary_id")),
        tags=_tags(check, data.get("tags"), _join(path, "tags")),
        currency=check.currency(data.get("currency"), _join(path, "currency")),
        min_amount=min_amount,
        max_amount=max_amount,
    )


def _unique(check: _Checker, ids: list[tuple[str, str]], what: str) -> None:
    seen: set[str] = set()
    for path, identifier in ids:
        if identifier in seen:
            check.problem(path, f"duplicate {what} id {identifier!r}")
        seen.add(identifier)


def _references(
    check: _Checker,
    subsidiaries: list[tuple[str, Subsidiary]],
    procedures: list[tuple[str, Procedure]],
    rules: list[tuple[str, AssignmentRule]],
) -> None:
    """Every id a section points at must exist, and ids must be unique."""
    _unique(
        check,
        [(_join(p, "id"), s.subsidiary_id) for p, s in subsidiaries if s.subsidiary_id],
        "subsidiary",
    )
    _unique(
        check,
        [(_join(p, "id"), pr.procedure_id) for p, pr in procedures if pr.procedure_id],
        "procedure",
    )
    procedure_ids = {pr.procedure_id for _, pr in procedures}
    subsidiary_ids = {s.subsidiary_id for _, s in subsidiaries}
    for path, sub in subsidiaries:
        if sub.default_procedure is not None and sub.default_procedure not in procedure_ids:
            check.problem(
                _join(path, "default_procedure"), f"unknown procedure {sub.default_procedure!r}"
            )
    for path, rule in rules:
        if rule.procedure_id and rule.procedure_id not in procedure_ids:
            check.problem(_join(path, "procedure_id"), f"unknown procedure {rule.procedure_id!r}")
        if rule.subsidiary_id is not None and rule.subsidiary_id not in subsidiary_ids:
            check.problem(
                _join(path, "subsidiary_id"), f"unknown subsidiary {rule.subsidiary_id!r}"
            )


def _section(
    check: _Checker, value: Any, path: str, convert: Callable[[_Checker, Any, str], T | None]
) -> list[tuple[str, T]]:
    pairs = ((p, convert(check, element, p)) for p, element in check.items(value, path))
    return [(p, obj) for p, obj in pairs if obj is not None]


def config_from_data(data: Any) -> Config:
    """Validate already-loaded YAML data (numbers as int/Decimal) into a Config."""
    check = _Checker()
    top = check.mapping(data, "", _TOP_KEYS)
    if top is None:
        raise ConfigError(check.problems)
    subsidiaries = _section(check, top.get("subsidiaries"), "subsidiaries", _subsidiary)
    if isinstance(top.get("subsidiaries"), list) and not top["subsidiaries"]:
        check.problem("subsidiaries", "must list at least one subsidiary")
    procedures = _section(check, top.get("procedures"), "procedures", _procedure)
    rules = _section(check, top.get("assignment_rules"), "assignment_rules", _rule)
    _references(check, subsidiaries, procedures, rules)
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
