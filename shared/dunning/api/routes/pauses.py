"""Pause and resume dunning of a customer, an invoice or an invoice group (SPEC 3.3)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.api.routes.common import TAGS_PAUSE, OptionalBody, TargetId, responses, use_case
from dunning.api.schemas import EvaluationQueued, PauseRequest, PauseResponse, ResumeResponse
from dunning.domain.model import ScopeKind

router = Router()


def _pause_docs(kind: ScopeKind) -> dict[str, Any]:
    name = kind.replace("_", " ")
    return {
        "summary": f"Pause {_article(name)} {name}",
        "description": f"Stops dunning the {name} (until `until`, inclusive, or until resumed). "
        "Pausing again with the same values changes nothing.",
        "tags": TAGS_PAUSE,
        "operation_id": f"pause_{kind}",
        "responses": responses(404, 409),
    }


def _unpause_docs(kind: ScopeKind) -> dict[str, Any]:
    name = kind.replace("_", " ")
    return {
        "summary": f"Resume {_article(name)} {name}",
        "description": "Deletes the pause and evaluates the customer at once (one evaluation "
        "message for just that customer); its schedule is kept.",
        "tags": TAGS_PAUSE,
        "operation_id": f"unpause_{kind}",
        "responses": responses(404, 409),
    }


def _article(name: str) -> str:
    return "an" if name.startswith("invoice") else "a"


@router.post("/customers/<target_id>/pause", **_pause_docs(ScopeKind.CUSTOMER))
def pause_customer(target_id: TargetId, body: PauseRequest) -> PauseResponse:
    return _pause(ScopeKind.CUSTOMER, target_id, body)


@router.post("/customers/<target_id>/unpause", **_unpause_docs(ScopeKind.CUSTOMER))
def unpause_customer(target_id: TargetId, body: OptionalBody = None) -> ResumeResponse:
    return _resume(ScopeKind.CUSTOMER, target_id)


@router.post("/invoices/<target_id>/pause", **_pause_docs(ScopeKind.INVOICE))
def pause_invoice(target_id: TargetId, body: PauseRequest) -> PauseResponse:
    return _pause(ScopeKind.INVOICE, target_id, body)


@router.post("/invoices/<target_id>/unpause", **_unpause_docs(ScopeKind.INVOICE))
def unpause_invoice(target_id: TargetId, body: OptionalBody = None) -> ResumeResponse:
    return _resume(ScopeKind.INVOICE, target_id)


@router.post("/invoice-groups/<target_id>/pause", **_pause_docs(ScopeKind.INVOICE_GROUP))
def pause_invoice_group(target_id: TargetId, body: PauseRequest) -> PauseResponse:
    return _pause(ScopeKind.INVOICE_GROUP, target_id, body)


@router.post("/invoice-groups/<target_id>/unpause", **_unpause_docs(ScopeKind.INVOICE_GROUP))
def unpause_invoice_group(target_id: TargetId, body: OptionalBody = None) -> ResumeResponse:
    return _resume(ScopeKind.INVOICE_GROUP, target_id)


def _pause(kind: ScopeKind, target_id: str, body: PauseRequest) -> PauseResponse:
    done = use_case(router).pause(kind, unquote(target_id), body.reason, body.note, body.until)
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


def _resume(kind: ScopeKind, target_id: str) -> ResumeResponse:
    done = use_case(router).resume(kind, unquote(target_id))
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
