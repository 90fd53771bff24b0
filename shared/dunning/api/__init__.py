"""The collections API (SPEC 3.3) on Powertools' APIGatewayRestResolver.

`app_for(deps)` is the application the API Lambda resolves each API Gateway event
with; `ApiDeps` is its dependency bundle (composition.api_deps). `openapi_document`
is its OpenAPI document, which needs no dependencies.
"""

from dunning.api.app import ApiDeps, app_for, build_app
from dunning.api.openapi import openapi_document

__all__ = ["ApiDeps", "app_for", "build_app", "openapi_document"]
