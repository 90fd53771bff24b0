"""The collections API on Powertools' APIGatewayRestResolver (SPEC 3.3).

Typed errors become HTTP statuses in one place (`_errors`); every error is JSON
with a message that names what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from dunning.domain.codec import letter_to_dict
from dunning.domain.delivery import Ledger
from dunning.ports import ConfigSource, NotFound


@dataclass(eq=False)
class ApiDeps:
    config: ConfigSource
    repo: Any


@cache
def build_app(deps: ApiDeps) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin="*", max_age=300))

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/letters")
    def letters() -> dict[str, Any]:
        status = app.current_event.get_query_string_value("status", "pending_approval")
        if status not in set(Ledger):
            raise BadRequestError(f"status: must be one of {', '.join(sorted(Ledger))}")
        since_text = app.current_event.get_query_string_value("since", None)
        try:
            since = date.fromisoformat(since_text) if since_text else None
        except ValueError:
            raise BadRequestError("since: must be an ISO date (YYYY-MM-DD)") from None
        found = [
            letter_to_dict(letter) | {"status": st, "delivery": delivery}
            for letter, st, delivery in deps.repo.letters(status, since)
        ]
        return {"letters": found, "count": len(found)}

    @app.exception_handler(NotFound)
    def not_found(e: NotFound) -> Response:
        raise NotFoundError(str(e))

    return app
