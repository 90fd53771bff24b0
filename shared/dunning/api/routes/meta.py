"""Routes about the API itself: a health check and its OpenAPI document."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Router

from dunning.api.openapi import openapi_document

router = Router()


@router.get("/health", include_in_schema=False, enable_validation=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


# No return annotation: Powertools would try to describe its own Response class.
@router.get("/openapi.json", include_in_schema=False, enable_validation=False)
def openapi():
    app = router.api_resolver  # the resolver that included this router
    assert isinstance(app, ApiGatewayResolver)
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=openapi_document(app),
    )
