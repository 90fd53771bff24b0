"""The approval queue, needs attention and each letter's PDF (SPEC 2.7): the JSON routes
of the same actions, one by one or for the letters selected together."""

from __future__ import annotations

from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.customer_schemas import CancelRequest, ReconcileRequest
from dunning.api.routes import dashboard as figures
from dunning.api.routes import email_marks, letter_view, letters
from dunning.domain.model import LetterStatus
from dunning.ports import DunningError
from dunning.web.i18n import translator
from dunning.web.page import Page, page_route

router = Router()
QUEUE = 200


@page_route(router, "/app/approvals")
def approvals_page() -> Response:
    page = Page(router)
    queue = letters.letters(status=LetterStatus.PENDING_APPROVAL, since=None, limit=QUEUE)
    return page.html("approvals.html", nav="approvals", queue=queue)


@page_route(router, "/app/approvals", method="POST", back="approvals")
def decide() -> Response:
    """Approve or cancel the letters selected, or the one whose own button was pressed."""
    page = Page(router)
    form = page.form()
    _ = translator(page.language)
    one = {k: v[-1] for k, v in form.items() if k in ("approve_one", "cancel_one") and v}
    if one:
        action, chosen = next(iter(one.items()))
        action, ids = action.removesuffix("_one"), [chosen]
    else:
        action, ids = (form.get("action") or [""])[-1], form.get("letter", [])
    if action not in ("approve", "cancel"):
        return page.redirect("approvals", _("Choose approve or cancel."), kind="error")
    if not ids:
        return page.redirect("approvals", _("Select at least one letter."), kind="error")
    reason = (form.get("reason") or [""])[-1].strip()
    done, failed = 0, []
    for letter_id in ids[:QUEUE]:
        try:
            if action == "approve":
                letters.approve(quote(letter_id, safe=""), None)
            else:
                cancel = CancelRequest.model_validate({"reason": reason})
                letters.cancel(quote(letter_id, safe=""), cancel)
            done += 1
        except DunningError as e:
            failed.append(f"{letter_id}: {e}")
    word = _("approved") if action == "approve" else _("cancelled")
    text = _("{count} letter(s) {what}.", count=done, what=word)
    if failed:
        return page.redirect("approvals", " ".join([text, *failed]), kind="error")
    return page.redirect("approvals", text)


@page_route(router, "/app/attention")
def attention_page() -> Response:
    page = Page(router)
    found = figures.attention(limit=50)
    marks = email_marks.list_marks(limit=100, cursor=None)
    return page.html("attention.html", nav="attention", a=found, marks=marks.marks)


@page_route(router, "/app/letters/<letter_id>/reconcile", method="POST", back="attention")
def reconcile(letter_id: str) -> Response:
    page = Page(router)
    form = {k: v[-1].strip() for k, v in page.form().items() if v}
    request = ReconcileRequest.model_validate(
        {"outcome": form.get("outcome", ""), "note": form.get("note", "")}
    )
    letter_view.reconcile(letter_id, request)
    return page.redirect("attention", translator(page.language)("Letter reconciled."))


@page_route(router, "/app/email-marks/clear", method="POST", back="attention")
def clear_mark() -> Response:
    page = Page(router)
    address = (page.form().get("address") or [""])[-1].strip()
    if not address:
        return page.redirect("attention", "address: is required", kind="error")
    email_marks.clear_mark(quote(address, safe=""))
    return page.redirect("attention", translator(page.language)("Bounce mark cleared."))


@page_route(router, "/app/letters/<letter_id>/pdf")
def letter_pdf(letter_id: str) -> Response:
    """The letter's stored PDF, as GET /letters/{id}/pdf answers it."""
    Page(router)  # nothing to render: the route's own Response
    answer: Response = letter_view.get_letter_pdf(letter_id)
    return answer
