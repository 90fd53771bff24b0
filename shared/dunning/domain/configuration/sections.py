"""The sections of dunning.yaml (SPEC 3.1): subsidiaries, procedures with their
levels, and assignment rules, each built from its loaded YAML by a `Checker`."""

from __future__ import annotations

import re
from typing import Any

from dunning.domain.configuration.checker import Checker, join
from dunning.domain.configuration.config import (
    DEFAULT_PROMISE_GRACE_DAYS,
    AssignmentRule,
    Level,
    Paper,
    PaymentPlan,
    Procedure,
    Subsidiary,
)
from dunning.domain.model import Channel, Escalation, Operator, ScopeKind, Sending

MAX_LEVELS = 15
# Day counts a procedure may set: ten years either side of the due date is
# beyond any dunning schedule, and keeps every date computed from them a date.
MAX_DAYS = 3650
MAX_GRACE_DAYS = 365
MAX_UNANSWERED = 100  # print_after_unanswered: letters emailed without an answer
MAX_INSTALMENTS = 120  # ten years of monthly payments
MAX_INTERVAL_DAYS = 365
MAX_IMPORT_AGE_HOURS = 8760  # a year
MAX_INTEREST_RATE_PA = 100  # percent per year

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
    "paper": False,
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
    "first_letter_max_level": False,
    # SPEC 2.9: channel escalation and thank-you notes
    "print_after_unanswered": False,
    "thank_you_template": False,
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
    "attach_statement": False,
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

# Template names become folder names for the renderer: no slashes, no leading dot.
_TEMPLATE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def subsidiary(check: Checker, value: Any, path: str) -> Subsidiary | None:
    data = check.mapping(value, path, _SUBSIDIARY_KEYS)
    if data is None:
        return None
    return Subsidiary(
        subsidiary_id=check.string(data.get("id"), join(path, "id")) or "",
        name=check.string(data.get("name"), join(path, "name")) or "",
        base_currency=check.currency(data.get("base_currency"), join(path, "base_currency")) or "",
        timezone=check.timezone(data.get("timezone"), join(path, "timezone")),
        locale=check.locale(data.get("locale"), join(path, "locale")),
        sender=check.email(data.get("sender"), join(path, "sender")),
        reply_to=check.email(data.get("reply_to"), join(path, "reply_to")),
        payment_url=check.url(data.get("payment_url"), join(path, "payment_url")),
        iban=check.iban(data.get("iban"), join(path, "iban")),
        default_procedure=check.string(
            data.get("default_procedure"), join(path, "default_procedure")
        ),
        max_import_age_hours=check.integer(
            data.get("max_import_age_hours"),
            join(path, "max_import_age_hours"),
            minimum=1,
            maximum=MAX_IMPORT_AGE_HOURS,
        ),
        address_lines=tuple(
            check.listed(data.get("address_lines"), join(path, "address_lines"), check.string)
        ),
        bic=check.bic(data.get("bic"), join(path, "bic")),
        paper=check.choice(data.get("paper"), join(path, "paper"), Paper, Paper.A4),
    )


def _channels(check: Checker, value: Any, path: str) -> tuple[Channel, ...]:
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


def _payment_plan(check: Checker, value: Any, path: str) -> PaymentPlan | None:
    if value is None:
        return None
    data = check.mapping(value, path, _PAYMENT_PLAN_KEYS)
    if data is None:
        return None
    instalments = check.integer(
        data.get("instalments"), join(path, "instalments"), minimum=1, maximum=MAX_INSTALMENTS
    )
    interval = check.integer(
        data.get("interval_days"), join(path, "interval_days"), minimum=1, maximum=MAX_INTERVAL_DAYS
    )
    if instalments is None:
        return None
    return PaymentPlan(instalments=instalments, interval_days=30 if interval is None else interval)


def _level(check: Checker, value: Any, path: str, number: int) -> Level | None:
    data = check.mapping(value, path, _LEVEL_KEYS)
    if data is None:
        return None
    days = check.integer(data.get("days"), join(path, "days"), minimum=-MAX_DAYS, maximum=MAX_DAYS)
    template = check.string(data.get("template"), join(path, "template"))
    if template is not None and not _TEMPLATE.match(template):
        check.problem(join(path, "template"), "must be a simple name (letters, digits, _ . -)")
    level = Level(
        number=number,
        days=0 if days is None else days,
        template=template or "",
        min_invoice_amount=check.amount_map(
            data.get("min_invoice_amount"), join(path, "min_invoice_amount")
        ),
        min_total_overdue=check.amount_map(
            data.get("min_total_overdue"), join(path, "min_total_overdue")
        ),
        min_percent_open=check.number(
            data.get("min_percent_open"), join(path, "min_percent_open"), maximum=100
        ),
        channels=_channels(check, data.get("channels"), join(path, "channels")),
        fee=check.amount_map(data.get("fee"), join(path, "fee"), exact_minor_units=True),
        interest_rate_pa=check.number(
            data.get("interest_rate_pa"),
            join(path, "interest_rate_pa"),
            maximum=MAX_INTEREST_RATE_PA,
        ),
        payment_plan=_payment_plan(check, data.get("payment_plan"), join(path, "payment_plan")),
        attach_statement=check.boolean(
            data.get("attach_statement"), join(path, "attach_statement"), False
        ),
    )
    return level if days is not None else None


def _levels(check: Checker, value: Any, path: str) -> tuple[Level, ...]:
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
            check.problem(join(level_path, "days"), f"must be greater than {previous}")
        previous = level.days
        levels.append(level)
    return tuple(levels)


def procedure(check: Checker, value: Any, path: str) -> Procedure | None:
    data = check.mapping(value, path, _PROCEDURE_KEYS)
    if data is None:
        return None
    repeat = check.integer(
        data.get("repeat_every_days"), join(path, "repeat_every_days"), minimum=1, maximum=MAX_DAYS
    )
    grace = check.integer(
        data.get("promise_grace_days"),
        join(path, "promise_grace_days"),
        minimum=0,
        maximum=MAX_GRACE_DAYS,
    )
    between = check.integer(
        data.get("days_between_letters"),
        join(path, "days_between_letters"),
        minimum=0,
        maximum=MAX_DAYS,
    )
    levels = _levels(check, data.get("levels"), join(path, "levels"))
    first_max = check.integer(
        data.get("first_letter_max_level"),
        join(path, "first_letter_max_level"),
        minimum=1,
        maximum=max(len(levels), 1),
    )
    unanswered = check.integer(
        data.get("print_after_unanswered"),
        join(path, "print_after_unanswered"),
        minimum=1,
        maximum=MAX_UNANSWERED,
    )
    thanks = check.string(data.get("thank_you_template"), join(path, "thank_you_template"))
    if thanks is not None and not _TEMPLATE.match(thanks):
        check.problem(
            join(path, "thank_you_template"), "must be a simple name (letters, digits, _ . -)"
        )
    return Procedure(
        procedure_id=check.string(data.get("id"), join(path, "id")) or "",
        applies_to=check.choice(
            data.get("applies_to"), join(path, "applies_to"), ScopeKind, ScopeKind.CUSTOMER
        ),
        levels=levels,
        allow_override=check.boolean(
            data.get("allow_override"), join(path, "allow_override"), False
        ),
        sending=check.choice(
            data.get("sending"), join(path, "sending"), Sending, Sending.AUTOMATIC
        ),
        days_between_letters=between or 0,
        operator=check.choice(data.get("operator"), join(path, "operator"), Operator, Operator.AND),
        escalation=check.choice(
            data.get("escalation"), join(path, "escalation"), Escalation, Escalation.JUMP
        ),
        repeat_every_days=repeat,
        net_credits=check.boolean(data.get("net_credits"), join(path, "net_credits"), True),
        promise_grace_days=DEFAULT_PROMISE_GRACE_DAYS if grace is None else grace,
        first_letter_max_level=first_max,
        print_after_unanswered=unanswered,
        thank_you_template=thanks,
    )


def _tags(check: Checker, value: Any, path: str) -> tuple[str, ...]:
    return tuple(check.listed(value, path, check.string))


def rule(check: Checker, value: Any, path: str) -> AssignmentRule | None:
    data = check.mapping(value, path, _RULE_KEYS)
    if data is None:
        return None
    min_amount = check.number(data.get("min_amount"), join(path, "min_amount"))
    max_amount = check.number(data.get("max_amount"), join(path, "max_amount"))
    if min_amount is not None and max_amount is not None and max_amount < min_amount:
        check.problem(join(path, "max_amount"), f"must be at least min_amount ({min_amount})")
    return AssignmentRule(
        procedure_id=check.string(data.get("procedure_id"), join(path, "procedure_id")) or "",
        subsidiary_id=check.string(data.get("subsidiary_id"), join(path, "subsidiary_id")),
        tags=_tags(check, data.get("tags"), join(path, "tags")),
        currency=check.currency(data.get("currency"), join(path, "currency")),
        min_amount=min_amount,
        max_amount=max_amount,
    )
