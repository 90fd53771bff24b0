"""What the route modules share: path and query parameters, the documented
responses, the use case of the request and the shape of a letter listing."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query

from dunning.api.errors import DOCUMENTED_ERRORS
from dunning.api.schemas import EmptyRequest, LetterList, LetterOut
from dunning.domain.control.roles import caller_of
from dunning.usecases.collector_actions import CollectorActions
from dunning.usecases.collector_results import LetterPage

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
CURSOR_MAX = 1000
Cursor = Annotated[
    str | None,
    Query(max_length=CURSOR_MAX, description="The `cursor` of the previous page."),
]

TAGS_PAUSE = ["pause"]
TAGS_LETTERS = ["letters"]

USE_CASE = "collections"  # the use case's key in the resolver's context


def use_case(router: Router) -> CollectorActions:
    """The use case the handler put in the context for this request, acting for the
    caller API Gateway identified (recorded with every change it makes, and held to
    its groups: NotAllowed, a 403, when it may not even read)."""
    service: CollectorActions = router.context[USE_CASE]
    context = router.current_event.raw_event.get("requestContext")
    return service.acting_as(caller_of(context))


def responses(*codes: int) -> dict[int, Any]:
    """The route's own error statuses and those every route may answer (403: the
    caller's groups do not allow it, SPEC 2.10).

    Without "content" Powertools documents the route's return model; the error
    bodies are set on the generated document (dunning.api.openapi)."""
    return {200: {"description": "OK"}} | {
        c: {"description": DOCUMENTED_ERRORS[c]} for c in (*codes, 403, 422, 503)
    }


def letter_list(page: LetterPage) -> LetterList:
    letters = [LetterOut.from_entry(entry) for entry in page.letters]
    return LetterList(letters=letters, count=len(letters), more=page.more)
