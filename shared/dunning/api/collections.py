"""The collectors' routes (SPEC 3.3): pause and resume, promises, send now, preview,
approvals and letter history. Each route validates its input (pydantic models of
schemas.py), calls one operation of the use case and shapes the answer."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from dunning.api.schemas import (
    MAX_LEVEL,
    EmptyRequest,
    EvaluationQueued,
    IsoDate,
    LetterBody,
    LetterList,
    LetterOut,
    PauseRequest,
    PauseResponse,
    PreviewLetter,
    PreviewResponse,
    PromiseRequest,
    PromiseResponse,
    ResumeResponse,
    SendRequest,
    SendResponse,
    SkippedScope,
)
from dunning.domain.delivery.ledger import Ledger
from dunning.domain.engine.by_hand import Skipped
from dunning.domain.model import ScopeKind
from dunning.usecases.collections import (
    Collections,
    HandResult,
    LetterPage,
    Paused,
    Resumed,
)

# REST API Gateway passes the path still percent-encoded: an id may encode 3 chars per char.
RAW_ID_MAX = 300
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

CustomerId = Annotated[str, Path(min_length=1, max_length=RAW_ID_MAX, description="Customer id.")]
InvoiceId = Annotated[str, Path(min_length=1, max_length=RAW_ID_MAX, description="Invoice id.")]
TargetId = Annotated[
    str, Path(min_length=1, max_length=RAW_ID_MAX, description="Customer, invoice or group id.")
]
LetterId = Annotated[str, Path(min_length=1, max_length=RAW_ID_MAX, description="Letter id.")]
Limit = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description="At most this many letters (newest first).")
]
OptionalBody = Annotated[EmptyRequest | None, Body()]

TAGS_PAUSE = ["pause"]
TAGS_LETTERS = ["letters"]


def router(service: Collections, errors: dict[int, str]) -> Router:
    """The routes, bound to one use-case instance. `errors` are the documented error
    statuses (status -> description) every route may answer besides its own."""
    r = Router()

    def responses(*codes: int) -> dict:
        # Without "content" Powertools documents the route's return model; the error
        # bodies are set on the generated document (app.openapi_document).
        return {200: {"description": "OK"}} | {
            c: {"description": errors[c]} for c in (*codes, 422, 503)
        }

    # --- pause and resume ---------------------------------------------------------

    def pause_route(prefix: str, kind: ScopeKind) -> None:
        name = kind.replace("_", " ")
        article = "an" if name.startswith("invoice") else "a"

        @r.post(
            f"/{prefix}/<target_id>/pause",
            summary=f"Pause {article} {name}",
            description=f"Stops dunning the {name} (until `until`, inclusive, or until resumed). "
            "Pausing again with the same values changes nothing.",
            tags=TAGS_PAUSE,
            operation_id=f"pause_{kind}",
            responses=responses(404, 409),
        )
        def pause(target_id: TargetId, body: PauseRequest) -> PauseResponse:
            done = service.pause(kind, unquote(target_id), body.reason, body.note, body.until)
            return _pause(done)

        @r.post(
            f"/{prefix}/<target_id>/unpause",
            summary=f"Resume {article} {name}",
            description="Deletes the pause and evaluates the customer at once (one evaluation "
            "message for just that customer); its schedule is kept.",
            tags=TAGS_PAUSE,
            operation_id=f"unpause_{kind}",
            responses=responses(404, 409),
        )
        def unpause(target_id: TargetId, body: OptionalBody = None) -> ResumeResponse:
            return _resumed(service.resume(kind, unquote(target_id)))

    pause_route("customers", ScopeKind.CUSTOMER)
    pause_route("invoices", ScopeKind.INVOICE)
    pause_route("invoice-groups", ScopeKind.INVOICE_GROUP)

    # --- promises -----------------------------------------------------------------

    @r.post(
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
        done = service.promise(unquote(customer_id), body.amount, body.currency, body.date)
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

    # --- letters by hand ----------------------------------------------------------

    @r.post(
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
        done = service.send_now(unquote(customer_id), body.level if body else None)
        return SendResponse(
            customer_id=done.customer_id,
            dunned_as=done.owner_id,
            as_of=done.as_of,
            letters=[LetterOut.from_entry(entry) for entry in done.letters],
            skipped=_skipped(done.skipped),
            message=done.message,
        )

    @r.get(
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
        done = service.preview(unquote(customer_id), level)
        return _preview(done)

    # --- approval -----------------------------------------------------------------

    @r.get(
        "/letters",
        summary="Letters by status",
        description="The approval queue by default (`status=pending_approval`), oldest first.",
        tags=TAGS_LETTERS,
        operation_id="list_letters",
        responses=responses(),
    )
    def letters(
        status: Annotated[Ledger, Query(description="Ledger state.")] = Ledger.PENDING_APPROVAL,
        since: Annotated[IsoDate | None, Query(description="Letters of this day or later.")] = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> LetterList:
        return _page(service.letters(status, since, limit))

    @r.post(
        "/letters/<letter_id>/approve",
        summary="Approve a letter",
        description="pending_approval -> queued: the scope's state takes the letter's level "
        "and the approval date, and the letter is sent. Approving again sends nothing more.",
        tags=TAGS_LETTERS,
        operation_id="approve_letter",
        responses=responses(404, 409),
    )
    def approve(letter_id: LetterId, body: OptionalBody = None) -> LetterOut:
        return LetterOut.from_entry(service.approve(unquote(letter_id)))

    @r.post(
        "/letters/<letter_id>/cancel",
        summary="Cancel a letter",
        description="pending_approval -> cancelled: nothing is sent or recorded as sent.",
        tags=TAGS_LETTERS,
        operation_id="cancel_letter",
        responses=responses(404, 409),
    )
    def cancel(letter_id: LetterId, body: OptionalBody = None) -> LetterOut:
        return LetterOut.from_entry(service.cancel(unquote(letter_id)))

    # --- history ------------------------------------------------------------------

    @r.get(
        "/customers/<customer_id>/letters",
        summary="A customer's letters",
        description="Every letter of the customer with its ledger state, newest first.",
        tags=TAGS_LETTERS,
        operation_id="customer_letters",
        responses=responses(404, 409),
    )
    def customer_letters(customer_id: CustomerId, limit: Limit = DEFAULT_LIMIT) -> LetterList:
        return _page(service.customer_history(unquote(customer_id), limit))

    @r.get(
        "/invoices/<invoice_id>/letters",
        summary="The letters that listed an invoice",
        tags=TAGS_LETTERS,
        operation_id="invoice_letters",
        responses=responses(404, 409),
    )
    def invoice_letters(invoice_id: InvoiceId, limit: Limit = DEFAULT_LIMIT) -> LetterList:
        return _page(service.invoice_history(unquote(invoice_id), limit))

    return r


def _pause(done: Paused) -> PauseResponse:
    p = done.pause
    return PauseResponse(
        target=p.target,
        id=p.target_id,
        customer_id=p.customer_id,
        reason=p.reason,
        note=p.note,
        until=p.until,
        changed=done.changed,
    )


def _resumed(done: Resumed) -> ResumeResponse:
    e = done.evaluation
    return ResumeResponse(
        target=done.target,
        id=done.target_id,
        customer_id=done.customer_id,
        was_paused=done.was_paused,
        evaluation=EvaluationQueued(
            subsidiary_id=e.subsidiary_id,
            as_of=e.as_of,
            first_customer=e.first_customer,
            last_customer=e.last_customer,
        ),
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


def _preview(done: HandResult) -> PreviewResponse:
    return PreviewResponse(
        customer_id=done.customer_id,
        dunned_as=done.owner_id,
        as_of=done.as_of,
        letters=[
            PreviewLetter(
                letter=LetterBody.of(p.letter),
                language=p.language,
                subject=p.subject,
                text=p.text,
                html=p.html,
                to=list(p.to),
                cc=list(p.cc),
                channels=list(p.channels),
            )
            for p in done.previews
        ],
        skipped=_skipped(done.skipped),
        message=done.message,
    )


def _page(page: LetterPage) -> LetterList:
    letters = [LetterOut.from_entry(entry) for entry in page.letters]
    return LetterList(letters=letters, count=len(letters), more=page.more)
