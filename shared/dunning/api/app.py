"""The API application: one Powertools APIGatewayRestResolver with request and
response validation, explicit CORS, the error mapping of errors.py, the routes of
dunning.api.routes and the generated OpenAPI document at /openapi.json."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning import web
from dunning.api import errors
from dunning.api.routes import ROUTERS
from dunning.api.routes.auth import SIGN_IN
from dunning.api.routes.common import USE_CASE
from dunning.api.routes.dashboard import DASHBOARD
from dunning.ports import SignIn
from dunning.usecases.collector_actions import CollectorActions, CollectorDeps
from dunning.usecases.dashboard import Dashboard, DashboardDeps


@dataclass(frozen=True)
class ApiDeps:
    """What functions/api/handler.py and composition.api_deps build."""

    actions: CollectorDeps
    allowed_origin: str = "*"  # the browser origin CORS answers (template: AllowedOrigin)
    dashboard: DashboardDeps | None = None  # the dashboard's reads (routes/dashboard.py)
    # People's sign-in for an app client id (routes/auth.py); None where nobody signs in.
    sign_in: Callable[[str], SignIn] | None = None
    pages_key: bytes | None = None  # signs the pages' CSRF tokens (None: one per process)


def cors(allowed_origin: str) -> CORSConfig:
    # API Gateway with IAM authorisation: browsers send SigV4 headers.
    return CORSConfig(
        allow_origin=allowed_origin,
        allow_headers=["Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token"],
        max_age=300,
        allow_credentials=False,
    )


class JsonApiResolver(APIGatewayRestResolver):
    """Request bodies are JSON only: a body of another content type is answered 415
    before Powertools would parse it as a form (its multipart parser raises plain
    ValueErrors on a malformed header), and one that is not UTF-8 text 422 (decoding it
    would raise); both would otherwise be 500s. Checked here, around Powertools' resolve,
    because its request validation parses the body before any `app.use` middleware runs.

    The pages under /app/ post HTML forms, which their routes read and check themselves
    (dunning.web.page); every /app/ response gets the pages' security headers."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        proxy_event = APIGatewayProxyEvent(dict(event))
        if web.is_page(proxy_event.path):
            return dict(web.harden(super().resolve(event, context)))
        refusal = errors.body_refusal(proxy_event)
        if refusal is None:
            return super().resolve(event, context)
        self.clear_context()  # as resolve does after every request
        return ResponseBuilder[APIGatewayProxyEvent](refusal).build(proxy_event)


@lru_cache(maxsize=1)
def build_app(allowed_origin: str = "*") -> JsonApiResolver:
    """The one application: its routers are module-level objects that point at the
    resolver that included them last, so only the newest is kept (a deployed process
    has one origin; a test that asks for another gets a new application)."""
    app = JsonApiResolver(
        cors=cors(allowed_origin),
        enable_validation=True,
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR,
        json_body_deserializer=errors.json_object,
    )
    errors.install(app)
    for router in (*ROUTERS, *web.ROUTERS):
        app.include_router(router)
    return app


def app_for(deps: ApiDeps) -> JsonApiResolver:
    """The application with the use case over `deps` in its context, for one request:
    Powertools clears the context after every resolve."""
    app = build_app(deps.allowed_origin)
    app.append_context(**{USE_CASE: CollectorActions(deps.actions)})
    if deps.dashboard is not None:
        app.append_context(**{DASHBOARD: Dashboard(deps.dashboard)})
    if deps.sign_in is not None:
        app.append_context(**{SIGN_IN: deps.sign_in})
    if deps.pages_key:
        app.append_context(**{web.PAGES_KEY: deps.pages_key})
    return app
