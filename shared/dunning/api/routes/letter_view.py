"""One letter: its ledger state and delivery record, its stored PDF, and settling a
letter whose outcome is unknown (needs_reconciliation)."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.customer_schemas import ReconcileOutcome, ReconcileRequest
from dunning.api.routes.common import TAGS_LETTERS, LetterId, responses, use_case
from dunning.api.schemas import LetterOut

router = Router()

PDF = "application/pdf"


@router.get(
    "/letters/<letter_id>",
    summary="A letter",
    description="The letter as decided, its ledger state and its delivery record (route, "
    "recipients, language, message id, who approved, cancelled or reconciled it), with "
    "`delivery.tracking`: the first time SES reported each event of its email (delivery, "
    "open, click, bounce, complaint; UTC).",
    tags=TAGS_LETTERS,
    operation_id="get_letter",
    responses=responses(404),
)
def get_letter(letter_id: LetterId) -> LetterOut:
    return LetterOut.from_entry(use_case(router).letter(unquote(letter_id)))


@router.get(
    "/letters/<letter_id>/pdf",
    summary="A letter's PDF",
    description="The PDF as it was sent or printed. On AWS ask with `Accept: "
    "application/pdf` (a binary media type of the API). 404 for a letter with none.",
    tags=TAGS_LETTERS,
    operation_id="get_letter_pdf",
    responses={
        200: {
            "description": "The PDF",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
    | {k: v for k, v in responses(404).items() if k != 200},
)
# No return annotation: Powertools would try to describe its own Response class.
def get_letter_pdf(letter_id: LetterId):
    pdf = use_case(router).letter_pdf(unquote(letter_id))
    name = unquote(letter_id).replace('"', "")
    headers = {"Content-Disposition": f'inline; filename="{name}.pdf"'}
    return Response(status_code=200, content_type=PDF, body=pdf, headers=headers)


@router.post(
    "/letters/<letter_id>/reconcile",
    summary="Settle a letter whose outcome is unknown",
    description="For a letter needs_reconciliation, after checking the mail log: `sent` "
    "marks it sent; `not_sent` queues it again and it is sent once. Recorded with who "
    "settled it and the note. 409 for a letter in another state.",
    tags=TAGS_LETTERS,
    operation_id="reconcile_letter",
    responses=responses(404, 409),
)
def reconcile(letter_id: LetterId, body: ReconcileRequest) -> LetterOut:
    sent = body.outcome == ReconcileOutcome.SENT
    entry = use_case(router).reconcile(unquote(letter_id), sent, body.note)
    return LetterOut.from_entry(entry)
