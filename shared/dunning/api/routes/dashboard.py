"""The dashboard (SPEC 2.7, 3.3): figures per currency from the daily run's aggregates,
and the live lists collectors watch (paused, promises, letters, needs attention)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dunning.api.dashboard_schemas import (
    AttentionLetter,
    AttentionOut,
    BouncedOut,
    BySubsidiaryOut,
    CustomerRowOut,
    FiguresOut,
    LettersOut,
    LevelCount,
    PausedListOut,
    PausedOut,
    PromiseListOut,
    PromiseOut,
    RecentLetter,
    RejectedImportOut,
    SkippedRun,
    SubsidiaryCurrency,
    SubsidiaryOut,
    SummaryOut,
    TopCustomersOut,
    TrendFigures,
    TrendOut,
    TrendPoint,
    UnaddressedOut,
)
from dunning.api.routes.common import RAW_ID_MAX, responses
from dunning.api.schemas import IsoDate
from dunning.domain.control.roles import READ, caller_of
from dunning.domain.figures.figures import by_currency, figures
from dunning.usecases.dashboard import Dashboard, LevelFigures, PauseView, PromiseView

router = Router()
DASHBOARD = "dashboard"  # the use case's key in the resolver's context
TAGS = ["dashboard"]
MAX_PAGE = 200
MAX_TREND_DAYS = 400

Subsidiary = Annotated[
    str | None, Query(min_length=1, max_length=100, description="Only this subsidiary.")
]
Cursor = Annotated[
    str | None, Query(min_length=1, max_length=2000, description="The previous page's cursor.")
]
PageLimit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="At most this many items.")]
From = Annotated[IsoDate | None, Query(alias="from", description="First day (YYYY-MM-DD).")]
To = Annotated[IsoDate | None, Query(alias="to", description="Last day (YYYY-MM-DD).")]


def dashboard(r: Router = router) -> Dashboard:
    """The dashboard's reads, for a caller who may read (SPEC 2.10: viewer)."""
    caller_of(r.current_event.raw_event.get("requestContext")).require(READ)
    service: Dashboard = r.context[DASHBOARD]
    return service


def _today() -> date:
    return dashboard().deps.clock.now().date()


@router.get(
    "/dashboard/summary",
    summary="Figures per currency",
    description="A/R, aging, DSO, days to pay and late, open invoices and overdue customers, "
    "per currency, as of each subsidiary's latest daily run.",
    tags=TAGS,
    operation_id="dashboard_summary",
    responses=responses(404),
)
def summary(
    subsidiary: Subsidiary = None,
    customer: Annotated[
        str | None, Query(min_length=1, max_length=RAW_ID_MAX, description="Only this customer.")
    ] = None,
) -> SummaryOut:
    done = dashboard().summary(subsidiary, customer)
    return SummaryOut(
        as_of=done.as_of,
        computed_at=done.computed_at,
        subsidiaries=dict(done.subsidiaries),
        currencies={c: FiguresOut.of(f) for c, f in done.currencies.items()},
    )


@router.get(
    "/dashboard/trend",
    summary="Total and overdue A/R, aging and DSO per day",
    description="One point per day the daily run stored (default: the last 90 days).",
    tags=TAGS,
    operation_id="dashboard_trend",
    responses=responses(404),
)
def trend(
    subsidiary: Subsidiary = None,
    first: From = None,
    last: To = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_TREND_DAYS, description="At most this many days.")
    ] = 90,
    cursor: Annotated[IsoDate | None, Query(description="The next page's first day.")] = None,
) -> TrendOut:
    end = last or _today()
    start = max(first or end - timedelta(days=89), cursor or date.min)
    points = dashboard().trend(subsidiary, start, end, limit + 1)
    more = len(points) > limit
    points = points[:limit]
    return TrendOut(
        points=[
            TrendPoint(
                as_of=day,
                currencies={
                    c: TrendFigures(
                        total_ar=str(f.total_ar),
                        overdue_ar=str(f.overdue_ar),
                        aging={b: str(v) for b, v in f.aging.items()},
                        dso=None if f.dso is None else float(f.dso),
                    )
                    for c, f in per_currency.items()
                },
            )
            for day, per_currency in points
        ],
        cursor=(points[-1][0] + timedelta(days=1)).isoformat() if more else None,
    )


@router.get(
    "/dashboard/top-customers",
    summary="Customers with the largest overdue balance",
    description="In one currency (default: the subsidiary's base currency).",
    tags=TAGS,
    operation_id="dashboard_top_customers",
    responses=responses(404),
)
def top_customers(
    subsidiary: Subsidiary = None,
    currency: Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO 4217.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="At most this many.")] = 10,
) -> TopCustomersOut:
    cur, rows = dashboard().top_customers(subsidiary, currency, limit)
    return TopCustomersOut(currency=cur, customers=[CustomerRowOut.of(r) for r in rows])


@router.get(
    "/dashboard/by-subsidiary",
    summary="Total and overdue A/R per subsidiary and currency",
    tags=TAGS,
    operation_id="dashboard_by_subsidiary",
    responses=responses(),
)
def by_subsidiary(limit: PageLimit = 50, cursor: Cursor = None) -> BySubsidiaryOut:
    rows = dashboard().by_subsidiary()
    start = _offset(cursor, len(rows))
    page = rows[start : start + limit]
    out = []
    for sub, day in page:
        sums = by_currency([day.currencies]) if day is not None else {}
        out.append(
            SubsidiaryOut(
                subsidiary_id=sub.subsidiary_id,
                name=sub.name,
                as_of=day.as_of if day else None,
                computed_at=day.computed_at if day else None,
                currencies={c: _subsidiary_currency(p) for c, p in sums.items()},
            )
        )
    more = start + limit < len(rows)
    return BySubsidiaryOut(subsidiaries=out, cursor=str(start + limit) if more else None)


def _subsidiary_currency(p: object) -> SubsidiaryCurrency:
    f = figures(p)  # type: ignore[arg-type]
    return SubsidiaryCurrency(
        total_ar=str(f.total_ar),
        overdue_ar=str(f.overdue_ar),
        open_invoices=f.open_invoices,
        overdue_customers=f.overdue_customers,
    )


def _offset(cursor: str | None, count: int) -> int:
    from dunning.usecases.dashboard import BadQuery

    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > count:
        raise BadQuery("cursor", "is not a cursor this API gave")
    return int(cursor)


@router.get(
    "/dashboard/paused",
    summary="Paused customers, invoices and groups",
    description="Live: every pause with its reason, note, until and since.",
    tags=TAGS,
    operation_id="dashboard_paused",
    responses=responses(404),
)
def paused(
    subsidiary: Subsidiary = None, limit: PageLimit = 50, cursor: Cursor = None
) -> PausedListOut:
    found, more = dashboard().paused(subsidiary, limit, cursor)
    return PausedListOut(paused=[_paused(v) for v in found], cursor=more)


def _paused(v: PauseView) -> PausedOut:
    p = v.pause
    return PausedOut(
        subsidiary_id=v.subsidiary_id,
        customer_id=p.customer_id,
        target=str(p.target),
        target_id=p.target_id,
        reason=str(p.reason),
        note=p.note,
        until=p.until,
        since=v.since,
        by=None,
    )


@router.get(
    "/dashboard/promises",
    summary="Promises to pay: open, kept and broken",
    tags=TAGS,
    operation_id="dashboard_promises",
    responses=responses(404),
)
def promises(
    subsidiary: Subsidiary = None, limit: PageLimit = 50, cursor: Cursor = None
) -> PromiseListOut:
    found, more = dashboard().promises(subsidiary, limit, cursor)
    rows = [_promise(v) for v in found]
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("open", "kept", "broken")}
    return PromiseListOut(promises=rows, counts=counts, cursor=more)


def _promise(v: PromiseView) -> PromiseOut:
    p = v.promise
    return PromiseOut(
        subsidiary_id=v.subsidiary_id,
        customer_id=p.customer_id,
        amount=str(p.amount),
        currency=p.currency,
        date=p.date,
        status=v.status,
    )


@router.get(
    "/dashboard/letters",
    summary="Recent letters and letters by level",
    description="Sent and printed letters of the period, newest first (default: the last "
    "30 days), how many letters the daily runs made at each level, how many of those "
    "had all their invoices paid within 7, 14 and 30 days of the letter date, and how "
    "many of their emails SES reported delivered, opened, clicked, bounced or "
    "complained about.",
    tags=TAGS,
    operation_id="dashboard_letters",
    responses=responses(),
)
def letters(
    first: From = None, last: To = None, limit: PageLimit = 50, cursor: Cursor = None
) -> LettersOut:
    end = last or _today()
    start = first or end - timedelta(days=29)
    service = dashboard()
    found, more = service.letters(start, end, limit, cursor)
    recent = [
        RecentLetter(
            letter_id=e.letter.letter_id,
            date=e.letter.as_of,
            subsidiary_id=e.letter.subsidiary_id,
            customer_id=e.letter.customer_id,
            level=e.letter.level,
            currency=e.letter.currency,
            amount_due=str(e.letter.amount_due),
            status=str(e.status),
        )
        for e in found
    ]
    made = {lv.level: lv for lv in service.letters_by_level(start, end)}
    tracked = service.tracked_by_level(start, end)
    by_level = [
        _level_count(lv, made.get(lv), tracked.get(lv, {}))
        for lv in sorted(made.keys() | tracked.keys())
    ]
    return LettersOut(
        recent=recent,
        by_level=by_level,
        delivered=sum(lv.emails_delivered for lv in by_level),
        opened=sum(lv.emails_opened for lv in by_level),
        cursor=more,
    )


_EMAIL_FIELDS = {
    "delivery": "emails_delivered",
    "open": "emails_opened",
    "click": "emails_clicked",
    "bounce": "emails_bounced",
    "complaint": "emails_complained",
}


def _level_count(level: int, made: LevelFigures | None, kinds: dict[str, int]) -> LevelCount:
    paid = made.paid_within if made else {}
    return LevelCount(
        level=level,
        letters=made.letters if made else 0,
        paid_within_7=paid.get(7, 0),
        paid_within_14=paid.get(14, 0),
        paid_within_30=paid.get(30, 0),
        **_emails(kinds),
    )


def _emails(kinds: dict[str, int]) -> dict[str, int]:
    return {field: kinds.get(kind, 0) for kind, field in _EMAIL_FIELDS.items()}


@router.get(
    "/dashboard/attention",
    summary="What needs a person",
    description="Letters needing reconciliation or failed and printed letters without a "
    "postal address (last 90 days), days the freshness guard held a subsidiary back, "
    "bounced addresses and rejected imports; each list newest first, at most `limit`.",
    tags=TAGS,
    operation_id="dashboard_attention",
    responses=responses(),
)
def attention(limit: PageLimit = 50) -> AttentionOut:
    done = dashboard().attention(limit)
    return AttentionOut(
        letters=[
            AttentionLetter(
                letter_id=e.letter.letter_id,
                date=e.letter.as_of,
                customer_id=e.letter.customer_id,
                status=str(e.status),
            )
            for e in done.letters
        ],
        skipped_runs=[SkippedRun(subsidiary_id=s, date=d, why=w) for s, d, w in done.skipped],
        unaddressed_letters=[
            UnaddressedOut(
                letter_id=u.letter_id,
                date=u.day,
                customer_id=u.customer_id,
                subsidiary_id=u.subsidiary_id,
            )
            for u in done.unaddressed
        ],
        bounced_addresses=[
            BouncedOut(address=m.address, reason=m.reason, at=m.at, letter_id=m.letter_id)
            for m in done.bounced
        ],
        rejected_imports=[
            RejectedImportOut(
                key=r.key,
                file=r.key.rsplit("/", 1)[-1],
                type=r.file_kind,
                errors=r.errors,
                report=r.report or None,
                detail=r.detail,
            )
            for r in done.rejected
        ],
    )
