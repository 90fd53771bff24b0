"""Bodies of the control-centre reads and of the audited letter actions (SPEC 2.7,
2.10, 3.3 "Added for 2.7-2.10"). Amounts are decimal strings, dates ISO dates."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dunning.api.schemas import NOTE_MAX, LetterOut
from dunning.domain.model import PauseReason, ScopeKind

REASON_MAX = 2000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CancelRequest(_Request):
    reason: str = Field("", max_length=REASON_MAX, description="Why (stored and shown).")


class ReconcileOutcome(StrEnum):
    SENT = "sent"
    NOT_SENT = "not_sent"


class ReconcileRequest(_Request):
    outcome: ReconcileOutcome = Field(
        description="sent: the letter did go out. not_sent: it did not; it is queued and "
        "sent again."
    )
    note: str = Field("", max_length=NOTE_MAX, description="What was checked.")


# --- responses ------------------------------------------------------------------------


class ContactOut(BaseModel):
    name: str
    email: str
    department: str | None
    role: str | None


class ProfileOut(BaseModel):
    customer_id: str
    subsidiary_id: str
    name: str
    emails: list[str]
    language: str
    currency: str
    parent_id: str | None
    bill_to_parent: bool
    procedure_id: str | None
    delivery: str
    manager_email: str | None
    tags: list[str]
    exclude_customer_email: bool
    split_by_department: bool


class Aging(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    current: str
    d1_30: str = Field(alias="1-30")
    d31_60: str = Field(alias="31-60")
    d61_90: str = Field(alias="61-90")
    d90_plus: str = Field(alias="90+")


class BalanceOut(BaseModel):
    total: str = Field(description="Open invoices less open credits.")
    invoices: str = Field(description="Remaining amount of the open invoices.")
    overdue: str = Field(description="Remaining amount of open invoices past their due date.")
    credits: str = Field(description="Open credits (unapplied).")
    open_invoices: int
    aging: Aging


class InvoiceOut(BaseModel):
    invoice_id: str
    customer_id: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    amount: str
    amount_remaining: str
    status: str
    paid_date: dt.date | None
    department: str | None
    group_id: str | None
    procedure_id: str | None
    days_overdue: int
    paused: bool = Field(description="The invoice, or its group, is paused today.")


class CreditOut(BaseModel):
    credit_id: str
    currency: str
    date: dt.date
    amount_unapplied: str
    kind: str


class PauseOut(BaseModel):
    target: ScopeKind
    id: str
    reason: PauseReason
    note: str
    until: dt.date | None
    active: bool = Field(description="In force today.")


class PromiseOut(BaseModel):
    amount: str
    currency: str
    date: dt.date
    balance_at_promise: str
    state: str = Field(description="open | kept | broken")


class LevelOut(BaseModel):
    scope: ScopeKind
    scope_id: str
    currency: str
    level: int | None
    last_letter_date: dt.date | None


class NextLetterOut(BaseModel):
    scope: ScopeKind
    scope_id: str
    currency: str
    level: int
    amount_due: str
    invoice_ids: list[str]


class NextLetters(BaseModel):
    letters: list[NextLetterOut] = Field(description="What a preview would send today.")
    held_by: str | None = Field(description="Why nothing can be sent today, if so.")
    preview: str = Field(description="The rendered letters: GET this path.")


class ActivityOut(BaseModel):
    at: dt.datetime
    kind: str = Field(
        description="change (someone's action) | import (a file wrote its rows) | letter"
    )
    action: str
    actor: str = Field(description="Who: an IAM principal, a Cognito user, `local`.")
    target: str
    target_id: str
    detail: dict[str, Any]


class ActivityList(BaseModel):
    activity: list[ActivityOut]
    count: int
    cursor: str | None = Field(description="Pass as `cursor` for the next page; null: done.")


class CustomerCentre(BaseModel):
    as_of: dt.date = Field(description="The subsidiary's local today.")
    dunned_as: str
    profile: ProfileOut
    contacts: list[ContactOut]
    paused: bool = Field(description="The customer itself is paused today.")
    balances: dict[str, BalanceOut] = Field(description="Per currency.")
    invoices: list[InvoiceOut] = Field(description="Open invoices, most overdue first.")
    credits: list[CreditOut]
    levels: list[LevelOut] = Field(description="The current level of each scope.")
    pauses: list[PauseOut]
    promises: list[PromiseOut]
    next_letter: NextLetters
    letters: list[LetterOut] = Field(description="Newest first.")
    activity: ActivityList = Field(description="The latest; the rest: /activity.")


class InvoiceCentre(BaseModel):
    invoice: InvoiceOut
    letters: list[LetterOut]
    pauses: list[PauseOut]


class EmailMarkOut(BaseModel):
    address: str
    reason: str
    at: dt.datetime
    detail: str | None
    letter_id: str | None


class EmailMarkList(BaseModel):
    marks: list[EmailMarkOut]
    count: int
    cursor: str | None


class MarkCleared(BaseModel):
    address: str
    cleared: bool


class PhoneMarkOut(BaseModel):
    phone: str
    reason: str
    at: dt.datetime
    detail: str | None
    letter_id: str | None


class PhoneMarkList(BaseModel):
    marks: list[PhoneMarkOut]
    count: int
    cursor: str | None


class PhoneMarkCleared(BaseModel):
    phone: str
    cleared: bool
