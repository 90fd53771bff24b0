"""The customer list, the customer and invoice control centres (SPEC 2.7) and their
actions: each action calls the JSON route of the same change (same validation, same use
case, same audit), then redirects back with what happened."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from dunning.api.routes import customer_list, customers, invoices, letters, pauses, promises
from dunning.api.routes import dashboard as figures
from dunning.api.schemas import PauseRequest, PromiseRequest, SendRequest
from dunning.domain.model import PauseReason
from dunning.web.i18n import Translate, translator
from dunning.web.page import Page, page_route

router = Router()
PAGE_SIZE = 50


class CustomerFilters(BaseModel):
    """The customer list's filters, as GET /customers takes them."""

    model_config = ConfigDict(extra="ignore")

    subsidiary: str | None = Field(None, min_length=1, max_length=100)
    q: str | None = Field(None, min_length=1, max_length=200)
    paused: bool | None = None
    min_overdue: Decimal | None = Field(None, ge=0, le=10**15)
    sort: Literal["overdue_desc", "overdue_asc"] = "overdue_desc"
    cursor: str | None = Field(None, min_length=1, max_length=2000)


@page_route(router, "/app/customers")
def customer_list_page() -> Response:
    page = Page(router)
    raw = {
        name: page.query(name) or None
        for name in ("subsidiary", "q", "paused", "min_overdue", "sort", "cursor")
    }
    chosen = {k: v for k, v in raw.items() if v is not None}
    filters = CustomerFilters.model_validate(chosen)
    found = customer_list.customers(
        subsidiary=filters.subsidiary,
        currency=None,
        q=filters.q,
        paused=filters.paused,
        min_overdue=filters.min_overdue,
        sort=filters.sort,
        limit=PAGE_SIZE,
        cursor=filters.cursor,
    )
    names = figures.by_subsidiary(limit=200, cursor=None).subsidiaries
    return page.html(
        "customers.html",
        nav="customers",
        filters=filters,
        raw=raw,
        rows=found.customers,
        next_cursor=found.cursor,
        subsidiaries=names,
    )


@page_route(router, "/app/customers/<customer_id>")
def customer_page(customer_id: str) -> Response:
    page = Page(router)
    centre = customers.get_customer(customer_id)
    return page.html(
        "customer.html",
        nav="customers",
        charts=True,
        c=centre,
        customer_path=f"customers/{customer_id}",
        reasons=[r.value for r in PauseReason if r != PauseReason.PROMISE_TO_PAY],
    )


@page_route(router, "/app/customers/<customer_id>/preview")
def preview_page(customer_id: str) -> Response:
    page = Page(router)
    level = page.query("level")
    found = letters.preview(customer_id, level=int(level) if level.isdigit() else None)
    return page.html(
        "preview.html",
        nav="customers",
        p=found,
        customer_path=f"customers/{customer_id}",
    )


@page_route(router, "/app/customers/<customer_id>/pause", method="POST")
def pause_customer(customer_id: str) -> Response:
    page = Page(router)
    form = _one(page.form())
    request = PauseRequest.model_validate(
        {"reason": form.get("reason", ""), "note": form.get("note", "")}
        | ({"until": form["until"]} if form.get("until") else {})
    )
    pauses.pause_customer(customer_id, request)
    return page.redirect(f"customers/{customer_id}", _t(page)("Dunning paused."))


@page_route(router, "/app/customers/<customer_id>/resume", method="POST")
def resume_customer(customer_id: str) -> Response:
    page = Page(router)
    page.form()
    pauses.unpause_customer(customer_id, None)
    return page.redirect(f"customers/{customer_id}", _t(page)("Dunning resumed."))


@page_route(router, "/app/customers/<customer_id>/promise", method="POST")
def record_promise(customer_id: str) -> Response:
    page = Page(router)
    form = _one(page.form())
    request = PromiseRequest.model_validate(
        {k: form.get(k, "") for k in ("amount", "currency", "date")}
    )
    done = promises.promise(customer_id, request)
    text = _t(page)("Promise recorded: dunning paused until {day}.", day=done.paused_until)
    return page.redirect(f"customers/{customer_id}", text)


@page_route(router, "/app/customers/<customer_id>/send", method="POST")
def send_now(customer_id: str) -> Response:
    page = Page(router)
    form = _one(page.form())
    level = form.get("level") or None
    body = SendRequest.model_validate({"level": level}) if level else None
    done = letters.send_now(customer_id, body)
    return page.redirect(f"customers/{customer_id}", done.message)


@page_route(router, "/app/invoices/<invoice_id>")
def invoice_page(invoice_id: str) -> Response:
    page = Page(router)
    centre = invoices.get_invoice(invoice_id)
    return page.html(
        "invoice.html",
        nav="customers",
        i=centre,
        invoice_path=f"invoices/{invoice_id}",
        reasons=[r.value for r in PauseReason if r != PauseReason.PROMISE_TO_PAY],
    )


@page_route(router, "/app/invoices/<invoice_id>/pause", method="POST")
def pause_invoice(invoice_id: str) -> Response:
    page = Page(router)
    form = _one(page.form())
    request = PauseRequest.model_validate(
        {"reason": form.get("reason", ""), "note": form.get("note", "")}
        | ({"until": form["until"]} if form.get("until") else {})
    )
    pauses.pause_invoice(invoice_id, request)
    return page.redirect(f"invoices/{invoice_id}", _t(page)("Dunning paused."))


@page_route(router, "/app/invoices/<invoice_id>/resume", method="POST")
def resume_invoice(invoice_id: str) -> Response:
    page = Page(router)
    page.form()
    pauses.unpause_invoice(invoice_id, None)
    return page.redirect(f"invoices/{invoice_id}", _t(page)("Dunning resumed."))


def _one(form: dict[str, list[str]]) -> dict[str, str]:
    """Each field's last value, trimmed (a form sends each of these once)."""
    return {k: v[-1].strip() for k, v in form.items() if v}


def _t(page: Page) -> Translate:
    return translator(page.language)
