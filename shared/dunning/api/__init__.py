"""The collections API (SPEC 3.3) on Powertools' APIGatewayRestResolver.

`build_app(deps)` is the application the API Lambda resolves each API Gateway
event with; `ApiDeps` is its dependency bundle (composition.api_deps).
"""

from dunning.api.app import ApiDeps, build_app

__all__ = ["ApiDeps", "build_app"]
