"""The invoice control centre (SPEC 2.7): the invoice, its letters and its pause."""

from __future__ import annotations

from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.control_mapping import invoice_centre
from dunning.api.customer_schemas import InvoiceCentre
from dunning.api.routes.common import InvoiceId, responses, use_case

router = Router()


@router.get(
    "/invoices/<invoice_id>",
    summary="An invoice's control centre",
    description="The invoice with its days overdue, the letters that listed it (newest "
    "first) and its pauses (its own and its group's).",
    tags=["customers"],
    operation_id="get_invoice",
    responses=responses(404, 409),
)
def get_invoice(invoice_id: InvoiceId) -> InvoiceCentre:
    return invoice_centre(use_case(router).invoice_overview(unquote(invoice_id)))
