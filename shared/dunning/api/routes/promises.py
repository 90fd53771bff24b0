"""Promises to pay (SPEC 2.5): recorded once, they pause the customer until the
promise date plus the procedure's grace days."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.routes.common import TAGS_PAUSE, CustomerId, responses, use_case
from dunning.api.schemas import PromiseRequest, PromiseResponse

router = Router()


@router.post(
    "/customers/<customer_id>/promises",
    summary="Record a promise to pay",
    description="Stores the promise (with the customer's open balance in that currency) "
    "and pauses the customer until the promise date plus the procedure's "
    "promise_grace_days. If the balance has not dropped by the amount by then, the "
    "promise is recorded as broken and dunning resumes.",
    tags=TAGS_PAUSE,
    operation_id="add_promise",
    responses=responses(404, 409),
)
def promise(customer_id: CustomerId, body: PromiseRequest) -> PromiseResponse:
    done = use_case(router).promise(unquote(customer_id), body.amount, body.currency, body.date)
    p = done.promise
    return PromiseResponse(
        customer_id=p.customer_id,
        amount=str(p.amount),
        currency=p.currency,
        date=p.date,
        balance_at_promise=str(p.balance_at_promise),
        paused_until=done.paused_until,
        created=done.created,
    )
