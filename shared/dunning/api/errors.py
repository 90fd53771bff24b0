"""Every error of the API becomes an HTTP status here, and only here.

Bodies are JSON: `{"statusCode", "message", "errors": [{"field", "location",
"message"}]}`; the message names what is wrong. Bad input is a 4xx, never a 5xx:
a 5xx means the service itself failed (its configuration, AWS, or a bug).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ResponseValidationError,
)
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from dunning.api.schemas import CROSS_FIELD
from dunning.domain.configuration.parse import ConfigError
from dunning.domain.control.roles import NotAllowed
from dunning.ports import Conflict, InvalidCursor, NotFound, TransientError
from dunning.usecases.collector_actions import Rejected
from dunning.usecases.dashboard import BadQuery

logger = Logger(child=True)

RETRY_AFTER_SECONDS = 5

# The error statuses the OpenAPI document describes (status -> description).
DOCUMENTED_ERRORS = {
    403: "Forbidden: the caller's groups do not allow it (the message names the group needed)",
    404: "Not found: the customer, invoice, group or letter does not exist",
    409: "Conflict: the resource's state does not allow it (see message)",
    422: "Invalid input: every error names its field",
    503: "The configuration is invalid or AWS is busy: try again later",
}


def error_response(
    status: int,
    message: str,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"statusCode": status, "message": message}
    if errors:
        body["errors"] = list(errors)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=dict(headers) if headers else None,
    )


def install(app: APIGatewayRestResolver) -> None:
    """Register the handlers that turn exceptions into responses."""
    for exception, handler in _HANDLERS:
        app.exception_handler(exception)(handler)

    @app.not_found
    def no_route(e: Exception) -> Response:
        return _no_route(app)


def _invalid_request(e: RequestValidationError) -> Response:
    errors = [_detail(err) for err in e.errors()]
    message = "; ".join(f"{d['field']}: {d['message']}" for d in errors)
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, message, errors)


def _unsupported(e: RequestUnsupportedContentType) -> Response:
    return _send_json()


def _rejected(e: Rejected) -> Response:
    detail = {"field": e.field, "location": "body", "message": e.message}
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, str(e), [detail])


def _bad_query(e: BadQuery) -> Response:
    detail = {"field": e.field, "location": "query", "message": e.message}
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, str(e), [detail])


def _bad_cursor(e: InvalidCursor) -> Response:
    return _bad_query(BadQuery("cursor", str(e)))


def _not_allowed(e: NotAllowed) -> Response:
    detail = {"field": "group", "location": "caller", "message": f"needs the group {e.needs}"}
    return error_response(HTTPStatus.FORBIDDEN, str(e), [detail])


def _not_found(e: NotFound) -> Response:
    return error_response(HTTPStatus.NOT_FOUND, str(e))


def _conflict(e: Conflict) -> Response:
    return error_response(HTTPStatus.CONFLICT, str(e))


def _bad_configuration(e: ConfigError) -> Response:
    logger.error("dunning.yaml is invalid", extra={"problems": str(e)})
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE, f"the dunning configuration is invalid: {e}"
    )


def _transient(e: TransientError) -> Response:
    logger.warning("transient failure", extra={"error": str(e)})
    return error_response(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "the service is busy: try again shortly",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _service_error(e: ServiceError) -> Response:
    return error_response(e.status_code, str(e.msg))


def _bad_response(e: ResponseValidationError) -> Response:
    logger.error("response does not match its schema", extra={"errors": str(e.errors())})
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


def _unexpected(e: Exception) -> Response:
    logger.exception("unexpected error")
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")


_HANDLERS: tuple[tuple[type[Exception], Callable[[Any], Response]], ...] = (
    (RequestValidationError, _invalid_request),
    (RequestUnsupportedContentType, _unsupported),
    (Rejected, _rejected),
    (BadQuery, _bad_query),
    (InvalidCursor, _bad_cursor),
    (NotAllowed, _not_allowed),
    (NotFound, _not_found),
    (Conflict, _conflict),
    (ConfigError, _bad_configuration),
    (TransientError, _transient),
    (ServiceError, _service_error),
    (ResponseValidationError, _bad_response),
    (Exception, _unexpected),
)


def _no_route(app: APIGatewayRestResolver) -> Response:
    event = app.current_event
    method, path = event.http_method.upper(), event.path
    allowed = _methods_of(app, path)
    if allowed:
        return error_response(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{method} is not allowed on {path}: use {' or '.join(allowed)}",
            headers={"Allow": ", ".join(allowed)},
        )
    return error_response(HTTPStatus.NOT_FOUND, f"no such resource: {method} {path}")


def body_refusal(event: BaseProxyEvent) -> Response | None:
    """415 for a body that is not JSON, 422 for one that is not UTF-8 text, None for a
    body (or no body) that may be parsed."""
    if not event.body:
        return None
    if not _is_json(event.headers.get("content-type")):
        return _send_json()
    try:
        event.decoded_body  # noqa: B018 - a binary body that is not UTF-8 text
    except UnicodeDecodeError:
        detail = {"field": "body", "location": "body", "message": "not UTF-8 text"}
        return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, "body: not UTF-8 text", [detail])
    return None


def _is_json(content_type: str | None) -> bool:
    """No content type (taken as JSON, as Powertools does) or application/json."""
    return not content_type or content_type.strip().lower().startswith("application/json")


def _send_json() -> Response:
    return error_response(
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "body: send JSON with Content-Type: application/json"
    )


def _methods_of(app: APIGatewayRestResolver, path: str) -> list[str]:
    """The methods routed for `path` (a 405 names them). Powertools has no public list of
    its routes, so this reads the resolver's own."""
    routes = [*app._static_routes, *app._dynamic_routes]
    return sorted({r.method for r in routes if r.rule.match(path)})


def _detail(err: Mapping[str, Any]) -> dict[str, str]:
    loc = [str(part) for part in err.get("loc", ())]
    if err.get("type") == CROSS_FIELD:
        loc.append(str(err["ctx"]["field"]))
    location = loc[0] if loc else "body"
    field = ".".join(loc[1:]) if len(loc) > 1 else location
    if err.get("type") == "json_invalid":  # its loc is ("body", character position)
        field = location
    return {"field": field, "location": location, "message": _message(err, location, field)}


def _message(err: Mapping[str, Any], location: str, field: str) -> str:
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":
        return f"not valid JSON ({ctx.get('error', 'cannot be parsed')})"
    if kind == "missing":
        return "a JSON object is required" if field == location == "body" else "is required"
    if kind == "extra_forbidden":
        return "unknown field"
    text = str(err.get("msg") or kind)
    if kind.startswith("date_"):
        return f"must be an ISO date (YYYY-MM-DD): {text}"
    return text.removeprefix("Value error, ")


def json_object(text: str) -> Any:
    """The request body as JSON, for Powertools' validation.

    Only a JSON object (or `null`, no body) is a body here; numbers are read as Decimal (money never
    passes through a binary float); text must be valid Unicode; a key may appear only once
    in an object (json.loads would keep the last one silently, so what was validated might
    not be what the caller meant). Anything else is reported as invalid JSON, i.e. a 422
    naming the body. This is the parser Powertools uses for every body it reads.
    """
    try:
        value = json.loads(
            text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_unique_keys
        )
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as e:
        raise json.JSONDecodeError(str(e), text, 0) from None
    if value is None:
        return None  # `null`: no body (an optional body takes its default)
    if not isinstance(value, dict):
        raise json.JSONDecodeError("the body must be a JSON object", text, 0)
    if not _valid_unicode(value.items()):
        raise json.JSONDecodeError("text must be valid Unicode (a lone surrogate)", text, 0)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears more than once")
        seen.add(key)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _valid_unicode(pairs: Iterable[tuple[Any, Any]]) -> bool:
    stack: list[Any] = [v for pair in pairs for v in pair]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(value, dict):
            stack.extend(v for pair in value.items() for v in pair)
        elif isinstance(value, list):
            stack.extend(value)
    return True
