"""The customer control centre (SPEC 2.7): everything about one customer, and its
activity log (SPEC 2.10)."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.control_mapping import activity_list, customer_centre
from dunning.api.customer_schemas import ActivityList, CustomerCentre
from dunning.api.routes.common import DEFAULT_LIMIT, Cursor, CustomerId, Limit, responses, use_case

router = Router()
TAGS = ["customers"]


@router.get(
    "/customers/<customer_id>",
    summary="A customer's control centre",
    description="Profile, contacts, balances and aging per currency (days overdue as of the "
    "subsidiary's local today), open invoices, credits, current levels, pauses, promises, "
    "the next letter (level and amount; rendered by the `preview` path), letters newest "
    "first and the latest activity. Read live from the customer's records.",
    tags=TAGS,
    operation_id="get_customer",
    responses=responses(404, 409),
)
def get_customer(customer_id: CustomerId) -> CustomerCentre:
    return customer_centre(use_case(router).customer_overview(unquote(customer_id)))


@router.get(
    "/customers/<customer_id>/activity",
    summary="A customer's activity log",
    description="Every change made to the customer (pause, resume, promise, send now, "
    "approve, cancel, reconcile, clearing a mark) with who made it and when, and its "
    "letters; newest first, paged with `limit` and `cursor`.",
    tags=TAGS,
    operation_id="customer_activity",
    responses=responses(404, 409),
)
def customer_activity(
    customer_id: CustomerId, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> ActivityList:
    page = use_case(router).activity(unquote(customer_id), limit, cursor)
    return activity_list(page)
