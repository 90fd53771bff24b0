"""The configuration's nouns (SPEC 3.1): subsidiaries, procedures and their levels,
assignment rules, and the Config that holds them, each with its own small rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from dunning.domain.model import Channel, Escalation, Operator, ScopeKind, Sending
from dunning.domain.postal import PostalAddress, home_country


class Paper(StrEnum):
    """The sheet a subsidiary prints on, and so the window envelope it posts in."""

    A4 = "a4"  # DIN 5008 form B, DL or C5/6 window envelope
    LETTER = "letter"  # US Letter, #10 window envelope


@dataclass(frozen=True, slots=True)
class AmountMap:
    """An amount per currency; `default` applies to currencies not listed."""

    by_currency: Mapping[str, Decimal] = field(default_factory=dict)
    default: Decimal | None = None

    def for_currency(self, currency: str) -> Decimal | None:
        return self.by_currency.get(currency, self.default)


@dataclass(frozen=True, slots=True)
class PaymentPlan:
    instalments: int
    interval_days: int = 30


@dataclass(frozen=True, slots=True)
class Level:
    number: int
    days: int
    template: str
    min_invoice_amount: AmountMap | None = None
    min_total_overdue: AmountMap | None = None
    min_percent_open: Decimal | None = None
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    fee: AmountMap | None = None
    interest_rate_pa: Decimal | None = None
    payment_plan: PaymentPlan | None = None
    # A statement of account goes with the letter as a second PDF (SPEC 2.8).
    attach_statement: bool = False


# Days past its date that a promise to pay keeps the customer paused before it is judged.
DEFAULT_PROMISE_GRACE_DAYS = 3


@dataclass(frozen=True, slots=True)
class Procedure:
    procedure_id: str
    applies_to: ScopeKind
    levels: tuple[Level, ...]
    allow_override: bool = False
    sending: Sending = Sending.AUTOMATIC
    days_between_letters: int = 0
    operator: Operator = Operator.AND
    escalation: Escalation = Escalation.JUMP
    repeat_every_days: int | None = None
    net_credits: bool = True
    promise_grace_days: int = DEFAULT_PROMISE_GRACE_DAYS
    # The highest level a scope's first letter in a currency may have; None: no cap.
    first_letter_max_level: int | None = None
    # SPEC 2.9: after this many letters emailed with no payment in between, the
    # following ones are printed too (None: never); domain/engine/engagement.py.
    print_after_unanswered: int | None = None
    # The template of the one thank-you email per letter cycle (None: none is sent).
    thank_you_template: str | None = None


@dataclass(frozen=True, slots=True)
class Subsidiary:
    subsidiary_id: str
    name: str
    base_currency: str
    timezone: str
    locale: str = "en"
    sender: str | None = None
    reply_to: str | None = None
    payment_url: str | None = None
    iban: str | None = None
    default_procedure: str | None = None
    max_import_age_hours: int | None = None
    # Letterhead and SEPA QR details; all optional.
    address_lines: tuple[str, ...] = ()
    bic: str | None = None
    paper: Paper = Paper.A4

    @property
    def home_country(self) -> str | None:
        """Where its letters are posted from: the country of its time zone."""
        return home_country(self.timezone)

    def envelope_lines(self, address: PostalAddress | None) -> tuple[str, ...]:
        """The lines it writes under a recipient's name; a country name only abroad."""
        if address is None:
            return ()
        return address.lines(posted_from=self.home_country, language=self.locale)

    def local_time(self, now: datetime) -> datetime:
        """`now` (time-zone aware) on the subsidiary's clock."""
        return now.astimezone(ZoneInfo(self.timezone))

    def local_date(self, now: datetime) -> date:
        """The day `now` falls on in the subsidiary's time zone: its as_of, not UTC's."""
        return self.local_time(now).date()


@dataclass(frozen=True, slots=True)
class AssignmentRule:
    """First matching rule wins; a criterion left unset matches everything."""

    procedure_id: str
    subsidiary_id: str | None = None
    tags: tuple[str, ...] = ()
    currency: str | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None


class NotConfigured(LookupError):
    """An id that dunning.yaml does not define (any more)."""


@dataclass(frozen=True, slots=True)
class Config:
    subsidiaries: tuple[Subsidiary, ...]
    procedures: tuple[Procedure, ...]
    assignment_rules: tuple[AssignmentRule, ...] = ()

    def subsidiary(self, subsidiary_id: str) -> Subsidiary:
        """The subsidiary of that id; NotConfigured when dunning.yaml has none."""
        for subsidiary in self.subsidiaries:
            if subsidiary.subsidiary_id == subsidiary_id:
                return subsidiary
        raise NotConfigured(f"subsidiary {subsidiary_id} is not in dunning.yaml")

    def procedure(self, procedure_id: str) -> Procedure:
        """The procedure of that id; NotConfigured when dunning.yaml has none."""
        for procedure in self.procedures:
            if procedure.procedure_id == procedure_id:
                return procedure
        raise NotConfigured(f"procedure {procedure_id} is not in dunning.yaml")
