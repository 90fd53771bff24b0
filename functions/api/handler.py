"""API Lambda: API Gateway REST proxy events -> the collections API (routes in
dunning.api.routes)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.api import ApiDeps, app_for
from dunning.composition import api_deps
from dunning.settings import Settings

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: ApiDeps | None = None) -> dict:
    response = app_for(deps or api_deps(Settings.from_env())).resolve(event, context)
    # The request line and status only: bodies may hold customers' personal data.
    request = {"method": event.get("httpMethod"), "path": event.get("path")}
    logger.info("api request", extra=request | {"status": response.get("statusCode")})
    return response
