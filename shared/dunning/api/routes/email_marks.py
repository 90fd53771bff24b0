"""Bounce and complaint marks (SPEC 2.9): listed, and cleared by a collector so the
address is mailed again."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from dunning.api.customer_schemas import EmailMarkList, EmailMarkOut, MarkCleared
from dunning.api.routes.common import (
    DEFAULT_LIMIT,
    RAW_ID_MAX,
    Cursor,
    Limit,
    responses,
    use_case,
)

router = Router()
TAGS = ["email marks"]

Address = Annotated[
    str, Path(min_length=1, max_length=RAW_ID_MAX, description="The marked email address.")
]


@router.get(
    "/email-marks",
    summary="Marked addresses",
    description="Addresses SES reported bouncing or complaining, by address; letters leave "
    "them out. Paged with `limit` and `cursor`.",
    tags=TAGS,
    operation_id="list_email_marks",
    responses=responses(),
)
def list_marks(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> EmailMarkList:
    marks, more = use_case(router).email_marks(limit, cursor)
    out = [
        EmailMarkOut(
            address=m.address, reason=m.reason, at=m.at, detail=m.detail, letter_id=m.letter_id
        )
        for m in marks
    ]
    return EmailMarkList(marks=out, count=len(out), cursor=out[-1].address if more else None)


@router.delete(
    "/email-marks/<address>",
    summary="Clear a mark",
    description="The address is mailed again from the next letter on. Recorded in the "
    "activity log of the customer whose letter bounced.",
    tags=TAGS,
    operation_id="clear_email_mark",
    responses=responses(404),
)
def clear_mark(address: Address) -> MarkCleared:
    found = unquote(address)
    use_case(router).clear_mark(found)
    return MarkCleared(address=found.strip().lower(), cleared=True)
