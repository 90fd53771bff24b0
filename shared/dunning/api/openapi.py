"""The OpenAPI document of GET /openapi.json: Powertools' generated one, with the
error bodies this API really sends."""

from __future__ import annotations

import json
from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from pydantic.json_schema import models_json_schema

from dunning.api.errors import DOCUMENTED_ERRORS
from dunning.api.schemas import ErrorResponse

TITLE = "Dunning collections API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Pause and resume dunning of customers, invoices and invoice groups, record promises "
    "to pay, send or preview letters, approve or cancel letters awaiting approval, and "
    "read letter history. On AWS machines sign every request (IAM, SigV4) and people sign "
    "in with Cognito; a person's group decides what they may do (viewer reads; collector "
    "also pauses, records promises, previews and sends; approver also approves, cancels, "
    "reconciles and clears bounce marks), and a 403 names the group a request needs."
)

# Powertools' own error schemas, which no answer of this API has.
POWERTOOLS_ERRORS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


@cache
def openapi_document(app: ApiGatewayResolver) -> str:
    doc: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(title=TITLE, version=VERSION, description=DESCRIPTION)
    )
    _, schemas = models_json_schema(
        [(ErrorResponse, "serialization")], ref_template="#/components/schemas/{model}"
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components.update(schemas.get("$defs", {}))
    for name in POWERTOOLS_ERRORS:
        components.pop(name, None)
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            _error_bodies(operation.get("responses", {}))
    return json.dumps(doc)


def _error_bodies(responses: dict[str, Any]) -> None:
    """Every error status answers an ErrorResponse; a 500 is not documented."""
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    responses.pop(str(int(HTTPStatus.INTERNAL_SERVER_ERROR)), None)
    for code, response in responses.items():
        if int(code) >= 400:
            response["description"] = DOCUMENTED_ERRORS.get(int(code), response["description"])
            response["content"] = error_body
