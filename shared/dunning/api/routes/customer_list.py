"""The customer list (SPEC 2.7's drill-down, 3.3): customers by overdue balance from the
daily run's figures, filtered by name or id, pause and a minimum overdue."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dunning.api.dashboard_schemas import CustomerListOut, CustomerRowOut
from dunning.api.routes.common import responses
from dunning.api.routes.dashboard import Cursor, PageLimit, Subsidiary, dashboard
from dunning.usecases.dashboard import CustomerQuery

router = Router()


@router.get(
    "/customers",
    summary="Customers with their balances",
    description="One row per customer in one currency (default: each subsidiary's base "
    "currency), largest overdue first (`sort=overdue_asc`: smallest first), subsidiaries "
    "in configuration order. `q` matches name or id (case-insensitive). A page holds "
    "`limit` matching rows, read on through the index for at most 5 Queries per "
    "subsidiary (of 100 rows each when `q` or `paused` filter): a rare filter may give "
    "a shorter page with a cursor; follow `cursor` until it is null.",
    tags=["customers"],
    operation_id="list_customers",
    responses=responses(404),
)
def customers(
    subsidiary: Subsidiary = None,
    currency: Annotated[str | None, Query(pattern="^[A-Z]{3}$", description="ISO 4217.")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200, description="Name or id.")] = None,
    paused: Annotated[bool | None, Query(description="Only paused (or unpaused) ones.")] = None,
    min_overdue: Annotated[
        Decimal | None, Query(ge=0, le=10**15, description="Overdue at least this much.")
    ] = None,
    sort: Annotated[
        Literal["overdue_desc", "overdue_asc"], Query(description="By overdue balance.")
    ] = "overdue_desc",
    limit: PageLimit = 50,
    cursor: Cursor = None,
) -> CustomerListOut:
    query = CustomerQuery(subsidiary, currency, q, paused, min_overdue, sort, limit, cursor)
    rows, more = dashboard(router).customers(query)
    return CustomerListOut(customers=[CustomerRowOut.of(r) for r in rows], cursor=more)
