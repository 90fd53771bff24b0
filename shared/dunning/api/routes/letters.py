"""Letters by hand and their approval (SPEC 3.3): send now, preview, the letters
awaiting approval, approve and cancel."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from dunning.api.customer_schemas import CancelRequest
from dunning.api.routes.common import (
    DEFAULT_LIMIT,
    TAGS_LETTERS,
    CustomerId,
    LetterId,
    Limit,
    OptionalBody,
    letter_list,
    responses,
    use_case,
)
from dunning.api.schemas import (
    MAX_LEVEL,
    IsoDate,
    LetterBody,
    LetterList,
    LetterOut,
    PreviewLetter,
    PreviewResponse,
    SendRequest,
    SendResponse,
    SkippedScope,
)
from dunning.domain.engine.by_hand import Skipped
from dunning.domain.model import LetterStatus
from dunning.usecases.collector_results import Preview

router = Router()


@router.post(
    "/customers/<customer_id>/letters",
    summary="Send a letter now",
    description="Without a body (or without `level`): evaluates the customer now and "
    "sends what its procedure says is due today. With `level`: sends a letter of that "
    "level for each of its scopes with something overdue. Sending by hand approves a "
    "manual procedure's letter. One letter per scope, currency and day: repeating "
    "the request sends nothing more.",
    tags=TAGS_LETTERS,
    operation_id="send_now",
    responses=responses(404, 409),
)
def send_now(
    customer_id: CustomerId, body: Annotated[SendRequest | None, Body()] = None
) -> SendResponse:
    done = use_case(router).send_now(unquote(customer_id), body.level if body else None)
    return SendResponse(
        customer_id=done.customer_id,
        dunned_as=done.owner_id,
        as_of=done.as_of,
        letters=[LetterOut.from_entry(entry) for entry in done.letters],
        skipped=_skipped(done.skipped),
        message=done.message,
    )


@router.get(
    "/customers/<customer_id>/preview",
    summary="Preview the letter that would go now",
    description="The letters a send-now would send (optionally of `level`), rendered: "
    "subject, plain text and HTML, with recipients and channels. Nothing is sent, "
    "queued or changed.",
    tags=TAGS_LETTERS,
    operation_id="preview",
    responses=responses(404, 409),
)
def preview(
    customer_id: CustomerId,
    level: Annotated[
        int | None, Query(ge=1, le=MAX_LEVEL, description="Preview a letter of this level.")
    ] = None,
) -> PreviewResponse:
    done = use_case(router).preview(unquote(customer_id), level)
    return PreviewResponse(
        customer_id=done.customer_id,
        dunned_as=done.owner_id,
        as_of=done.as_of,
        letters=[_preview_letter(p) for p in done.previews],
        skipped=_skipped(done.skipped),
        message=done.message,
    )


@router.get(
    "/letters",
    summary="Letters by status",
    description="The approval queue by default (`status=pending_approval`), oldest first.",
    tags=TAGS_LETTERS,
    operation_id="list_letters",
    responses=responses(),
)
def letters(
    status: Annotated[
        LetterStatus, Query(description="Ledger state.")
    ] = LetterStatus.PENDING_APPROVAL,
    since: Annotated[IsoDate | None, Query(description="Letters of this day or later.")] = None,
    limit: Limit = DEFAULT_LIMIT,
) -> LetterList:
    return letter_list(use_case(router).letters(status, since, limit))


@router.post(
    "/letters/<letter_id>/approve",
    summary="Approve a letter",
    description="pending_approval -> queued: the scope's state takes the letter's level "
    "and the approval date, and the letter is sent. Approving again sends nothing more.",
    tags=TAGS_LETTERS,
    operation_id="approve_letter",
    responses=responses(404, 409),
)
def approve(letter_id: LetterId, body: OptionalBody = None) -> LetterOut:
    return LetterOut.from_entry(use_case(router).approve(unquote(letter_id)))


@router.post(
    "/letters/<letter_id>/cancel",
    summary="Cancel a letter",
    description="pending_approval -> cancelled: nothing is sent or recorded as sent. An "
    "optional `reason` is stored in the letter's delivery record and the activity log.",
    tags=TAGS_LETTERS,
    operation_id="cancel_letter",
    responses=responses(404, 409),
)
def cancel(letter_id: LetterId, body: Annotated[CancelRequest | None, Body()] = None) -> LetterOut:
    reason = body.reason if body else ""
    return LetterOut.from_entry(use_case(router).cancel(unquote(letter_id), reason))


def _preview_letter(p: Preview) -> PreviewLetter:
    return PreviewLetter(
        letter=LetterBody.of(p.letter),
        language=p.language,
        subject=p.subject,
        text=p.text,
        html=p.html,
        to=list(p.to),
        cc=list(p.cc),
        channels=list(p.channels),
    )


def _skipped(skipped: tuple[Skipped, ...]) -> list[SkippedScope]:
    return [
        SkippedScope(
            scope=s.ref.scope,
            scope_id=s.ref.scope_id,
            currency=s.ref.currency,
            code=s.code,
            reason=s.reason,
        )
        for s in skipped
    ]
