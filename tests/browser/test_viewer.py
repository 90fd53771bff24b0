"""A viewer (SPEC 2.10) reads every page and changes nothing: the pages offer no action,
and a change posted anyway is refused by the service, not only hidden."""

from __future__ import annotations

import pytest
from conftest import Watched, api

pytestmark = pytest.mark.browser


def test_a_viewer_reads_every_page_but_is_offered_no_action(viewer_web: Watched, viewer_server):
    for path in ["/app/", "/app/customers", "/app/approvals", "/app/attention"]:
        viewer_web.open(path)
    customer = api(viewer_server, "/customers?limit=1")["customers"][0]["customer_id"]
    viewer_web.open(f"/app/customers/{customer}")
    assert viewer_web.page.get_by_role("button", name="Pause dunning").count() == 0
    assert viewer_web.page.get_by_role("button", name="Send now").count() == 0
    assert "You may look, not change" in viewer_web.page.locator("main").inner_text()
    viewer_web.open("/app/approvals")
    assert viewer_web.page.get_by_role("button", name="Approve").count() == 0


def test_a_change_a_viewer_posts_anyway_is_refused_and_changes_nothing(
    viewer_web: Watched, viewer_server
):
    customer = api(viewer_server, "/customers?limit=1")["customers"][0]["customer_id"]
    viewer_web.open(f"/app/customers/{customer}")
    token = viewer_web.page.locator('input[name="csrf"]').first.input_value()
    answer = viewer_web.page.request.post(
        f"{viewer_server}/app/customers/{customer}/pause",
        form={"reason": "dispute", "csrf": token},
        headers={"Origin": viewer_server},
    )
    assert "needs the group collector" in answer.text()
    assert api(viewer_server, f"/customers/{customer}")["paused"] is False
