"""Opt-out marks of phone numbers (SPEC 2.9), kept like bounce marks: listed, and
cleared by a collector so the number is texted again."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from dunning.api.customer_schemas import PhoneMarkCleared, PhoneMarkList, PhoneMarkOut
from dunning.api.routes.common import (
    DEFAULT_LIMIT,
    RAW_ID_MAX,
    Cursor,
    Limit,
    responses,
    use_case,
)
from dunning.domain.sms import phone_key

router = Router()
TAGS = ["phone marks"]

Phone = Annotated[
    str,
    Path(min_length=1, max_length=RAW_ID_MAX, description="The marked number, E.164 (%2B for +)."),
]


@router.get(
    "/phone-marks",
    summary="Opted-out phone numbers",
    description="Numbers SNS reported opted out of texts, by number; letters text them no "
    "more. Paged with `limit` and `cursor`.",
    tags=TAGS,
    operation_id="list_phone_marks",
    responses=responses(),
)
def list_marks(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> PhoneMarkList:
    marks, more = use_case(router).phone_marks(limit, cursor)
    out = [
        PhoneMarkOut(
            phone=m.phone, reason=m.reason, at=m.at, detail=m.detail, letter_id=m.letter_id
        )
        for m in marks
    ]
    return PhoneMarkList(marks=out, count=len(out), cursor=out[-1].phone if more else None)


@router.delete(
    "/phone-marks/<phone>",
    summary="Clear an opt-out mark",
    description="The number is texted again from the next letter on (once the customer "
    "opted in again: SNS itself drops texts to a number still opted out, and the next "
    "letter marks it again). Recorded in the activity log of the customer whose letter "
    "found it opted out.",
    tags=TAGS,
    operation_id="clear_phone_mark",
    responses=responses(404),
)
def clear_mark(phone: Phone) -> PhoneMarkCleared:
    found = phone_key(unquote(phone))
    use_case(router).clear_phone_mark(found)
    return PhoneMarkCleared(phone=found, cleared=True)
