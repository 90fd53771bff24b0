"""The API application: one Powertools APIGatewayRestResolver with request and
response validation, explicit CORS, the error mapping of errors.py and the
generated OpenAPI document at /openapi.json."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic.json_schema import models_json_schema

from dunning.api import collections, errors
from dunning.api.errors import DOCUMENTED_ERRORS
from dunning.api.schemas import ErrorResponse
from dunning.usecases.collections import Collections, CollectionsDeps

ApiDeps = CollectionsDeps  # what functions/api/handler.py and composition.api_deps build

TITLE = "Dunning collections API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Pause and resume dunning of customers, invoices and invoice groups, record promises "
    "to pay, send or preview letters, approve or cancel letters awaiting approval, and "
    "read letter history. On AWS every request is signed (IAM, SigV4)."
)

# API Gateway with IAM authorisation: browsers send SigV4 headers.
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token"],
    max_age=300,
    allow_credentials=False,
)


class JsonApiResolver(APIGatewayRestResolver):
    """Request bodies are JSON only: a body of another content type is answered 415
    before Powertools would parse it as a form (its multipart parser raises plain
    ValueErrors on a malformed header), and one that is not UTF-8 text 422 (decoding it
    would raise); both would otherwise be 500s. Checked here, around Powertools' resolve,
    because its request validation parses the body before any `app.use` middleware runs."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        proxy_event = APIGatewayProxyEvent(dict(event))
        refusal = errors.body_refusal(proxy_event)
        if refusal is None:
            return super().resolve(event, context)
        self.clear_context()  # as resolve does after every request
        return ResponseBuilder[APIGatewayProxyEvent](refusal).build(proxy_event)


@cache
def build_app(deps: ApiDeps) -> APIGatewayRestResolver:
    app = JsonApiResolver(
        cors=CORS,
        enable_validation=True,
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
        json_body_deserializer=errors.json_object,
    )
    errors.install(app)
    app.include_router(collections.router(Collections(deps), DOCUMENTED_ERRORS))

    @app.get("/health", include_in_schema=False, enable_validation=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    # No return annotation: Powertools would try to describe its own Response class.
    @app.get("/openapi.json", include_in_schema=False, enable_validation=False)
    def openapi():
        return Response(
            status_code=200,
            content_type=content_types.APPLICATION_JSON,
            body=openapi_document(app),
        )

    return app


def openapi_document(app: APIGatewayRestResolver) -> str:
    """Powertools' generated document, with the error bodies this API really sends."""
    return _document(app)


@cache
def _document(app: APIGatewayRestResolver) -> str:
    doc: dict[str, Any] = json.loads(
        app.get_openapi_json_schema(title=TITLE, version=VERSION, description=DESCRIPTION)
    )
    _, schemas = models_json_schema(
        [(ErrorResponse, "serialization")], ref_template="#/components/schemas/{model}"
    )
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    components.update(schemas.get("$defs", {}))
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.pop("ResponseValidationError", None)
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop(str(int(HTTPStatus.INTERNAL_SERVER_ERROR)), None)
            for code, response in responses.items():
                if int(code) >= 400:
                    response["description"] = DOCUMENTED_ERRORS.get(
                        int(code), response["description"]
                    )
                    response["content"] = error_body
    return json.dumps(doc)
