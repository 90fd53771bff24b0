"""Letter history (SPEC 3.3): the letters of a customer or of an invoice, newest first."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.routes.common import (
    DEFAULT_LIMIT,
    TAGS_LETTERS,
    CustomerId,
    InvoiceId,
    Limit,
    letter_list,
    responses,
    use_case,
)
from dunning.api.schemas import LetterList

router = Router()


@router.get(
    "/customers/<customer_id>/letters",
    summary="A customer's letters",
    description="Every letter of the customer with its ledger state, newest first.",
    tags=TAGS_LETTERS,
    operation_id="customer_letters",
    responses=responses(404, 409),
)
def customer_letters(customer_id: CustomerId, limit: Limit = DEFAULT_LIMIT) -> LetterList:
    return letter_list(use_case(router).customer_history(unquote(customer_id), limit))


@router.get(
    "/invoices/<invoice_id>/letters",
    summary="The letters that listed an invoice",
    tags=TAGS_LETTERS,
    operation_id="invoice_letters",
    responses=responses(404, 409),
)
def invoice_letters(invoice_id: InvoiceId, limit: Limit = DEFAULT_LIMIT) -> LetterList:
    return letter_list(use_case(router).invoice_history(unquote(invoice_id), limit))
