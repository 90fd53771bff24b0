"""Request and response bodies of the collections API (pydantic: validated on the way
in, documented in the generated OpenAPI, checked on the way out).

Requests reject unknown fields. Amounts travel as decimal strings (a JSON number
is accepted on input and read without passing through a binary float); dates
are ISO dates. Both are bounded (dunning.domain.bounds): dates from 1900-01-01
to 2199-12-31, amounts of at most 18 digits and at most 10**15.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from dunning.domain.bounds import (
    AMOUNT_DIGITS_MAX,
    AMOUNT_MAX,
    DATE_MAX,
    DATE_MIN,
    DATE_RANGE,
    date_in_range,
)
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.letters.codec import letter_to_dict
from dunning.domain.model import Letter, LetterStatus, PauseReason, ScopeKind
from dunning.domain.money import fits_minor_units, is_known_currency, minor_units
from dunning.domain.remittance import letter_reference

MAX_LEVEL = 15  # SPEC 2.1: 1..15 levels
NOTE_MAX = 2000

# The error type of a check across fields: pydantic places a model's own errors on no
# field, so its context names the one it is about (errors.py reports it there).
CROSS_FIELD = "cross_field"


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD text is a date here (pydantic alone would read 0 as 1970-01-01),
    and only within DATE_RANGE (a day near date.max has no day after it to resume on)."""
    if isinstance(value, dt.date):
        day = value
    elif not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be an ISO date (YYYY-MM-DD)")
    else:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"must be an ISO date (YYYY-MM-DD): {value} is not a day") from None
    if not date_in_range(day):
        raise ValueError(f"must be a date {DATE_RANGE}")
    return day


# The bounds are in the OpenAPI document too: JSON Schema's `date` format has no
# minimum, so they are stated as format bounds and in words.
IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "formatMinimum": DATE_MIN.isoformat(),
            "formatMaximum": DATE_MAX.isoformat(),
            "description": f"An ISO date (YYYY-MM-DD) {DATE_RANGE}.",
        }
    ),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PauseRequest(_Request):
    reason: PauseReason = Field(description="Why dunning stops.")
    note: str = Field("", max_length=NOTE_MAX, description="Free text for the collectors.")
    until: IsoDate | None = Field(
        None,
        description="Last paused day (inclusive); dunned again from the day after. "
        f"Omitted: paused until resumed. YYYY-MM-DD, {DATE_RANGE}.",
    )


class PromiseRequest(_Request):
    amount: Decimal = Field(
        gt=0,
        le=AMOUNT_MAX,
        max_digits=AMOUNT_DIGITS_MAX,
        allow_inf_nan=False,
        description=f"Amount promised (decimal string): more than 0, at most {AMOUNT_MAX}, "
        f"at most {AMOUNT_DIGITS_MAX} digits.",
    )
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code, e.g. EUR.")
    date: IsoDate = Field(
        description=f"The day the customer promises to pay by (YYYY-MM-DD, {DATE_RANGE})."
    )

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        if not is_known_currency(value):
            raise ValueError("must be an ISO 4217 currency code in capitals, e.g. EUR")
        return value

    @model_validator(mode="after")
    def _whole_minor_units(self) -> PromiseRequest:
        if not fits_minor_units(self.amount, self.currency):
            raise PydanticCustomError(
                CROSS_FIELD,
                "{currency} amounts have at most {places} decimal(s)",
                {
                    "field": "amount",
                    "currency": self.currency,
                    "places": minor_units(self.currency),
                },
            )
        return self


class SendRequest(_Request):
    level: int | None = Field(
        None,
        ge=1,
        le=MAX_LEVEL,
        description="Send a letter of this level. Omitted: what the procedure's rules say today.",
    )


class EmptyRequest(_Request):
    """A body is optional; when sent it must be an empty JSON object."""


# --- responses ------------------------------------------------------------------------


class PauseResponse(BaseModel):
    target: ScopeKind
    id: str
    customer_id: str
    reason: PauseReason
    note: str
    until: dt.date | None
    changed: bool = Field(description="False when the very same pause was already in place.")


class EvaluationQueued(BaseModel):
    subsidiary_id: str
    as_of: dt.date
    first_customer: str
    last_customer: str


class ResumeResponse(BaseModel):
    target: ScopeKind
    id: str
    customer_id: str
    was_paused: bool
    evaluation: EvaluationQueued = Field(description="The evaluation queued for the customer.")


class PromiseResponse(BaseModel):
    customer_id: str
    amount: str
    currency: str
    date: dt.date
    balance_at_promise: str
    paused_until: dt.date
    created: bool = Field(description="False when the same promise was already recorded.")


class LetterItemOut(BaseModel):
    invoice_id: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    amount: str
    amount_remaining: str
    days_overdue: int
    interest: str


class LetterBody(BaseModel):
    """A letter as the engine decided it."""

    model_config = ConfigDict(extra="allow")

    letter_id: str
    as_of: dt.date
    subsidiary_id: str
    customer_id: str
    scope: ScopeKind
    scope_id: str
    procedure_id: str
    level: int
    template: str
    currency: str
    items: list[LetterItemOut]
    credits: list[dict[str, Any]]
    fees: str
    interest: str
    channels: list[str]
    amount_due: str
    payment_reference: str | None = Field(
        default=None,
        description="The letter's ISO 11649 creditor reference (RF...): a bank payment "
        "quoting it is matched back to this letter (SPEC 2.8).",
    )

    @classmethod
    def of(cls, letter: Letter) -> LetterBody:
        return cls.model_validate(_letter_fields(letter))


def _letter_fields(letter: Letter) -> dict[str, Any]:
    return letter_to_dict(letter) | {
        "amount_due": str(letter.amount_due),
        "payment_reference": letter_reference(letter.letter_id),
    }


class LetterPaymentOut(BaseModel):
    """A bank payment that quoted the letter's RF reference (SPEC 2.8)."""

    credit_id: str = Field(description="The payment as the ERP exported it (credits.csv).")
    amount: str = Field(description="Its unapplied amount, a decimal string.")
    date: dt.date


class LetterOut(LetterBody):
    """A letter of the ledger: what was decided, its state and how it was delivered."""

    status: LetterStatus
    delivery: dict[str, Any]
    payments: list[LetterPaymentOut] = Field(
        default_factory=list,
        description="The payments matched to this letter by its `payment_reference` "
        "(imported credits of kind payment quoting it), oldest first; also under "
        "`delivery.payments`.",
    )

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> LetterOut:
        letter = entry.letter
        return cls.model_validate(
            _letter_fields(letter)
            | {"status": entry.status, "delivery": entry.delivery}
            | {"payments": entry.delivery.get("payments", [])}
        )


class LetterList(BaseModel):
    letters: list[LetterOut]
    count: int
    more: bool = Field(description="True when there are more letters than the limit.")


class SkippedScope(BaseModel):
    scope: ScopeKind
    scope_id: str
    currency: str
    code: str
    reason: str


class SendResponse(BaseModel):
    customer_id: str
    dunned_as: str = Field(description="Whose letters these are (a bill-to-parent's parent).")
    as_of: dt.date
    letters: list[LetterOut]
    skipped: list[SkippedScope]
    message: str


class PreviewLetter(BaseModel):
    letter: LetterBody
    language: str
    subject: str
    text: str
    html: str
    to: list[str]
    cc: list[str]
    channels: list[str]


class PreviewResponse(BaseModel):
    customer_id: str
    dunned_as: str
    as_of: dt.date
    letters: list[PreviewLetter]
    skipped: list[SkippedScope]
    message: str


class ErrorDetail(BaseModel):
    field: str
    location: str
    message: str


class ErrorResponse(BaseModel):
    statusCode: int  # the name Powertools uses in its own error bodies
    message: str
    errors: list[ErrorDetail] = []
