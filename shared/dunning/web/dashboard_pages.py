"""The dashboard page (SPEC 2.7): the figures of GET /dashboard/* (the very route
functions, so the page and the JSON agree), charts with their numbers in tables."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.routes import dashboard as figures
from dunning.web.page import Page, page_route

router = Router()
TOP = 10
RECENT = 20


@page_route(router, "/app/")
def dashboard() -> Response:
    page = Page(router)
    subsidiary = page.query("subsidiary") or None
    summary = figures.summary(subsidiary=subsidiary, customer=None)
    trend = figures.trend(subsidiary=subsidiary, first=None, last=None, limit=90, cursor=None)
    subsidiaries = figures.by_subsidiary(limit=200, cursor=None)
    paused = figures.paused(subsidiary=subsidiary, limit=50, cursor=None)
    promises = figures.promises(subsidiary=subsidiary, limit=50, cursor=None)
    letters = figures.letters(first=None, last=None, limit=RECENT, cursor=None)
    currencies = sorted(summary.currencies)
    # One ranking per currency: amounts of different currencies are never compared.
    tops = {
        c: figures.top_customers(subsidiary=subsidiary, currency=c, limit=TOP) for c in currencies
    }
    paid_known = any(lv.paid_within_7 is not None for lv in letters.by_level)
    return page.html(
        "dashboard.html",
        nav="dashboard",
        charts=True,
        subsidiary=subsidiary,
        summary=summary,
        currencies=currencies,
        trend=trend.points,
        tops=tops,
        subsidiaries=subsidiaries.subsidiaries,
        paused=paused.paused,
        promises=promises,
        letters=letters,
        paid_known=paid_known,
    )
