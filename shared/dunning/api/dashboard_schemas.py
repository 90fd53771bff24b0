"""The dashboard's and the customer list's response bodies (SPEC 3.3): amounts as
decimal strings, ratios as numbers rounded to one decimal (or null), every list with
the `cursor` of its next page (null on the last)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from dunning.domain.figures.figures import FigureRow, Figures
from dunning.domain.figures.partial import BUCKETS


def _ratio(value: object) -> float | None:
    return None if value is None else float(str(value))


class FiguresOut(BaseModel):
    total_ar: str = Field(description="Open invoices' remaining less open credits.")
    overdue_ar: str = Field(description="Remaining of open invoices past their due date.")
    aging: dict[str, str] = Field(description="current, 1-30, 31-60, 61-90, 90+ days overdue.")
    dso: float | None = Field(description="Days sales outstanding over 90 days; null: no sales.")
    avg_days_to_pay: float | None
    avg_days_late: float | None
    open_invoices: int
    overdue_customers: int

    @classmethod
    def of(cls, f: Figures) -> FiguresOut:
        return cls(
            total_ar=str(f.total_ar),
            overdue_ar=str(f.overdue_ar),
            aging={b: str(f.aging[b]) for b in BUCKETS},
            dso=_ratio(f.dso),
            avg_days_to_pay=_ratio(f.avg_days_to_pay),
            avg_days_late=_ratio(f.avg_days_late),
            open_invoices=f.open_invoices,
            overdue_customers=f.overdue_customers,
        )


class SummaryOut(BaseModel):
    as_of: dt.date | None = Field(description="The newest daily run the figures are of.")
    computed_at: str | None = Field(description="When that run's last shard reported (UTC).")
    subsidiaries: dict[str, dt.date] = Field(description="Each subsidiary's own as_of.")
    currencies: dict[str, FiguresOut]


class TrendFigures(BaseModel):
    total_ar: str
    overdue_ar: str
    aging: dict[str, str]
    dso: float | None


class TrendPoint(BaseModel):
    as_of: dt.date
    currencies: dict[str, TrendFigures]


class TrendOut(BaseModel):
    points: list[TrendPoint]
    cursor: str | None = Field(description="The from date of the next page.")


class CustomerRowOut(BaseModel):
    customer_id: str
    name: str
    subsidiary_id: str
    currency: str
    total_ar: str
    overdue_ar: str
    open_invoices: int
    paused: bool = Field(description="Paused as of the latest daily run.")

    @classmethod
    def of(cls, row: FigureRow) -> CustomerRowOut:
        p = row.partial
        return cls(
            customer_id=row.customer_id,
            name=row.name,
            subsidiary_id=row.subsidiary_id,
            currency=row.currency,
            total_ar=str(p.open_remaining - p.credits),
            overdue_ar=str(p.overdue),
            open_invoices=p.open_invoices,
            paused=row.paused,
        )


class TopCustomersOut(BaseModel):
    currency: str
    customers: list[CustomerRowOut]


class CustomerListOut(BaseModel):
    customers: list[CustomerRowOut]
    cursor: str | None


class SubsidiaryCurrency(BaseModel):
    total_ar: str
    overdue_ar: str
    open_invoices: int
    overdue_customers: int


class SubsidiaryOut(BaseModel):
    subsidiary_id: str
    name: str
    as_of: dt.date | None
    computed_at: str | None
    currencies: dict[str, SubsidiaryCurrency]


class BySubsidiaryOut(BaseModel):
    subsidiaries: list[SubsidiaryOut]
    cursor: str | None


class PausedOut(BaseModel):
    subsidiary_id: str
    customer_id: str
    target: str
    target_id: str
    reason: str
    note: str
    until: dt.date | None
    since: str | None = Field(description="When the pause was set (UTC); null before it was kept.")
    by: str | None = Field(None, description="Who set it: not recorded yet (audit, SPEC 2.10).")


class PausedListOut(BaseModel):
    paused: list[PausedOut]
    cursor: str | None


class PromiseOut(BaseModel):
    subsidiary_id: str
    customer_id: str
    amount: str
    currency: str
    date: dt.date
    status: str = Field(description="open (within its grace), kept or broken.")


class PromiseListOut(BaseModel):
    promises: list[PromiseOut]
    counts: dict[str, int] = Field(description="open, kept and broken on this page.")
    cursor: str | None


class RecentLetter(BaseModel):
    letter_id: str
    date: dt.date
    subsidiary_id: str
    customer_id: str
    level: int
    currency: str
    amount_due: str
    status: str


class LevelCount(BaseModel):
    level: int
    letters: int = Field(description="Letters the daily runs made at this level in the period.")
    paid_within_7: int = Field(
        description="Of those letters, how many had all their invoices paid within 7 days "
        "of the letter date (counted once the last one is known paid)."
    )
    paid_within_14: int = Field(description="The same within 14 days.")
    paid_within_30: int = Field(description="The same within 30 days.")
    # Email tracking (SPEC 2.9): of the period's letters at this level, how many emails
    # SES reported delivered, opened, clicked, bounced and complained about.
    emails_delivered: int = 0
    emails_opened: int = 0
    emails_clicked: int = 0
    emails_bounced: int = 0
    emails_complained: int = 0


class LettersOut(BaseModel):
    recent: list[RecentLetter]
    by_level: list[LevelCount]
    # Email tracking (SPEC 2.9): the period's letters whose email SES reported
    # delivered, and opened (the sums of by_level's emails_delivered and emails_opened).
    delivered: int = 0
    opened: int = 0
    cursor: str | None


class AttentionLetter(BaseModel):
    letter_id: str
    date: dt.date
    customer_id: str
    status: str


class SkippedRun(BaseModel):
    subsidiary_id: str
    date: dt.date
    why: str


class UnaddressedOut(BaseModel):
    letter_id: str
    date: dt.date = Field(description="The day it went to the print queue.")
    customer_id: str
    subsidiary_id: str


class BouncedOut(BaseModel):
    address: str
    reason: str = Field(description="bounce | complaint")
    at: dt.datetime
    letter_id: str | None


class RejectedImportOut(BaseModel):
    key: str = Field(description="The object key it was uploaded as (under incoming/).")
    file: str
    type: str
    errors: int
    report: str | None = Field(description="Where the error report is in the bucket.")
    detail: str


class AttentionOut(BaseModel):
    letters: list[AttentionLetter]
    skipped_runs: list[SkippedRun]
    unaddressed_letters: list[UnaddressedOut] = Field(
        description="Printed letters whose recipient has no postal address (last 90 days)."
    )
    bounced_addresses: list[BouncedOut] = Field(
        description="Addresses marked bouncing or complaining (DELETE /email-marks/{address})."
    )
    rejected_imports: list[RejectedImportOut] = Field(
        description="Files whose newest upload was rejected (a good upload replaces it)."
    )
