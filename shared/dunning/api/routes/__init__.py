"""The API's routes, one Powertools Router per resource; each route reaches the use
case through the resolver's context (common.use_case)."""

from dunning.api.routes import (
    auth,
    customer_list,
    customers,
    dashboard,
    email_marks,
    history,
    invoices,
    letter_view,
    letters,
    meta,
    pauses,
    phone_marks,
    promises,
)

# In this order the OpenAPI document lists them.
ROUTERS = (
    pauses.router,
    promises.router,
    letters.router,
    history.router,
    customers.router,
    invoices.router,
    letter_view.router,
    email_marks.router,
    phone_marks.router,
    dashboard.router,
    customer_list.router,
    meta.router,
    auth.router,
)

__all__ = ["ROUTERS"]
