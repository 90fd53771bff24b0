"""The pages' own CSS and JavaScript and the vendored libraries (static/vendor/, copied
from node_modules by `make vendor`), served with the API under /app/static/ and cached
for a year: every page names them with their content hash (page.static_url)."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from dunning.web.page import STATIC, page_route

router = Router()
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=1)
def shipped() -> dict[str, str]:
    """Every file the pages may ask for, by its path under static/: nothing else is read."""
    found = {}
    for path in STATIC.rglob("*"):
        if path.is_file() and path.suffix in TYPES:
            found[path.relative_to(STATIC).as_posix()] = path.as_posix()
    return found


def _asset(name: str) -> Response:
    path = shipped().get(name)
    if path is None:
        return Response(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", f"no such asset: {name}")
    suffix = "." + name.rsplit(".", 1)[-1]
    content_type = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "text/plain"
    with open(path, encoding="utf-8") as f:
        body = f.read()
    return Response(HTTPStatus.OK, content_type, body, headers={"Cache-Control": CACHE})


@page_route(router, "/app/static/<name>")
def own_asset(name: str) -> Response:
    return _asset(name)


@page_route(router, "/app/static/vendor/<name>")
def vendor_asset(name: str) -> Response:
    return _asset(f"vendor/{name}")
