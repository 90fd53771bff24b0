"""Pages for people (SPEC 2.7, 3.3 "Pages for people under /app/"): server-rendered
Jinja2 pages served by the API function itself, over the same route functions and use
cases as the JSON API. Powertools routers, included by dunning.api.app.build_app."""

from dunning.web import assets, customer_pages, dashboard_pages, language, letter_pages
from dunning.web.page import PAGES_KEY
from dunning.web.security import harden, is_page

ROUTERS = (
    dashboard_pages.router,
    customer_pages.router,
    letter_pages.router,
    language.router,
    assets.router,
)

__all__ = ["PAGES_KEY", "ROUTERS", "harden", "is_page"]
