"""The language selector: the choice is kept in a cookie for a year."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from dunning.web import i18n
from dunning.web.page import Page, page_route

router = Router()
YEAR = 365 * 24 * 3600


@page_route(router, "/app/language", method="POST", back="")
def choose() -> Response:
    page = Page(router)
    form = page.form()
    language = (form.get("lang") or [""])[-1]
    if language not in i18n.LANGUAGES:
        language = i18n.DEFAULT_LANGUAGE
    back = (form.get("next") or [""])[-1]
    # Only a page of ours: never an address another site could slip in.
    path = back.removeprefix("/app/") if back.startswith("/app/") and "//" not in back else ""
    page.language = language
    answer = page.redirect(path, i18n.translator(language)("Language changed."))
    answer.cookies.append(
        Cookie(
            name=i18n.LANGUAGE_COOKIE,
            value=language,
            path="/",
            secure=page.secure,
            max_age=YEAR,
            same_site=SameSite.LAX_MODE,
        )
    )
    return answer
