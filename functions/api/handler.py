"""API Lambda: API Gateway REST proxy events -> the collections API (routes in
dunning.api.routes)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging.correlation_paths import API_GATEWAY_REST
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.api import ApiDeps, app_for
from dunning.composition import api_deps
from dunning.observability import API_SERVER_ERRORS, count, function_metrics
from dunning.settings import Settings

logger = Logger()
tracer = Tracer()
metrics = function_metrics("api")


@logger.inject_lambda_context(correlation_id_path=API_GATEWAY_REST)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)  # bodies: personal data
def lambda_handler(event: dict, context: LambdaContext, deps: ApiDeps | None = None) -> dict:
    response = app_for(deps or api_deps(Settings.from_env())).resolve(event, context)
    # The request line and status only: bodies may hold customers' personal data.
    request = {"method": event.get("httpMethod"), "path": event.get("path")}
    logger.info("api request", extra=request | {"status": response.get("statusCode")})
    count(metrics, API_SERVER_ERRORS, int(response.get("statusCode", 500) >= 500))
    return response
