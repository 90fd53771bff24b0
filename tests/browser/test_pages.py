"""The pages under /app/ in real Chromium over `dunning serve` on examples/ (SPEC 2.7,
3.3): what they show equals the JSON API, their actions change what the API reads, and
every page works with the keyboard, has no console error and no serious axe violation."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Watched, api

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"
PAGES = ["/app/", "/app/customers", "/app/approvals", "/app/attention"]


def shot(web: Watched, name: str) -> None:
    """A screenshot for README.md, written by the test that has the page in that state."""
    web.page.screenshot(path=str(DOCS / name), full_page=False)


def figures_shown(web: Watched, currency: str) -> dict[str, str]:
    return web.page.eval_on_selector_all(
        f'dl.kpis[data-currency="{currency}"] dd',
        "els => Object.fromEntries(els.map(e => [e.dataset.figure, e.dataset.value]))",
    )


def chart_points(web: Watched) -> dict[str, int]:
    """Each chart's number of drawn values (Chart.js's own data of the canvas)."""
    return web.page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart-for]')]
            .map(c => [c.dataset.chartFor, Chart.getChart(c) ?
                Chart.getChart(c).data.datasets.reduce((n, d) =>
                    n + d.data.filter(v => v !== null).length, 0) : -1]))"""
    )


def test_dashboard_shows_the_summary_of_the_api_with_charts_of_its_numbers(web, server):
    summary = api(server, "/dashboard/summary")
    web.open("/app/")
    assert summary["currencies"], "examples/ has figures after the replay"
    for currency, f in summary["currencies"].items():
        shown = figures_shown(web, currency)
        assert Decimal(shown["total_ar"]) == Decimal(f["total_ar"])
        assert Decimal(shown["overdue_ar"]) == Decimal(f["overdue_ar"])
        assert shown["open_invoices"] == str(f["open_invoices"])
        assert shown["overdue_customers"] == str(f["overdue_customers"])
        dso = "" if f["dso"] is None else str(f["dso"])
        assert shown["dso"] == dso
        aging = web.page.eval_on_selector_all(
            f"#aging-{currency} td[data-value]", "tds => tds.map(td => td.dataset.value)"
        )
        assert [Decimal(a) for a in aging] == [Decimal(v) for v in f["aging"].values()]
    points = chart_points(web)
    expected = {f"{kind}-{c}" for c in summary["currencies"] for kind in ("aging", "trend", "top")}
    assert expected | {"levels"} <= set(points)
    assert all(n > 0 for n in points.values()), points
    shot(web, "dashboard.png")


def test_drill_down_from_subsidiary_to_customer_to_invoice(web, server):
    web.open("/app/")
    subsidiary = api(server, "/dashboard/by-subsidiary")["subsidiaries"][0]
    web.page.get_by_role("link", name=subsidiary["name"], exact=True).first.click()
    web.page.wait_for_url(f"**/app/customers?subsidiary={subsidiary['subsidiary_id']}")
    listed = api(server, f"/customers?subsidiary={subsidiary['subsidiary_id']}")["customers"]
    rows = web.page.locator("#customers tbody tr")
    assert rows.count() == len(listed)
    first = listed[0]
    rows.first.get_by_role("link", name=first["name"]).click()
    web.page.wait_for_url(f"**/app/customers/{first['customer_id']}")
    centre = api(server, f"/customers/{urllib.parse.quote(first['customer_id'])}")
    assert web.page.locator("h1").inner_text().startswith(centre["profile"]["name"])
    invoice = centre["invoices"][0]
    web.page.locator("#invoices").get_by_role("link", name=invoice["number"]).click()
    web.page.wait_for_url(f"**/app/invoices/{invoice['invoice_id']}")
    assert invoice["number"] in web.page.locator("h1").inner_text()
    days = web.page.locator("#invoice dt", has_text="Days overdue").locator(
        "xpath=following-sibling::dd[1]"
    )
    assert days.inner_text() == str(invoice["days_overdue"])


USED: set[str] = set()  # each test that changes a customer takes one of its own


def _unpaused_customer(server: str, keep: bool = False) -> dict[str, Any]:
    """A customer with something overdue and, read live, no pause and nothing held."""
    rows = api(server, "/customers?limit=200")["customers"]
    queue = api(server, "/letters?status=pending_approval")["letters"]
    awaiting = {x["customer_id"] for x in queue}  # left to the approval test
    for row in rows:
        cid = row["customer_id"]
        if cid in USED or cid in awaiting or Decimal(row["overdue_ar"]) <= 0:
            continue
        centre = api(server, f"/customers/{urllib.parse.quote(cid)}")
        if centre["pauses"] or centre["next_letter"]["held_by"] or centre["dunned_as"] != cid:
            continue
        if not keep:
            USED.add(cid)
        return row
    raise AssertionError("examples/ has no customer left to change")


def test_pause_a_customer_with_reason_and_until_see_it_paused_then_resume_it(web, server):
    customer = _unpaused_customer(server)
    cid = customer["customer_id"]
    web.open(f"/app/customers/{cid}")
    shot(web, "customer.png")
    web.page.get_by_label("Reason").select_option("dispute")
    web.page.get_by_label("Note").fill("invoice disputed by phone")
    web.page.get_by_label("Until (inclusive, optional)").fill("2026-11-20")
    web.page.get_by_role("button", name="Pause dunning").click()
    web.page.wait_for_load_state()
    assert web.page.get_by_role("status").inner_text() == "Dunning paused."
    assert "Dunning paused" in web.page.locator("#pause-state").inner_text()
    pause = api(server, f"/customers/{cid}")["pauses"][0]
    assert (pause["reason"], pause["note"], pause["until"]) == (
        "dispute",
        "invoice disputed by phone",
        "2026-11-20",
    )
    web.open("/app/")
    assert web.page.locator("#paused").get_by_role("link", name=f"customer {cid}").count() == 1
    web.open(f"/app/customers/{cid}")
    web.page.get_by_role("button", name="Resume dunning").click()
    web.page.wait_for_load_state()
    assert web.page.get_by_role("status").inner_text() == "Dunning resumed."
    assert api(server, f"/customers/{cid}")["pauses"] == []


def test_record_a_promise_to_pay(web, server):
    customer = _unpaused_customer(server)
    cid = customer["customer_id"]
    centre = api(server, f"/customers/{cid}")
    currency, balance = next(iter(centre["balances"].items()))
    amount = (Decimal(balance["invoices"]) / 2).quantize(Decimal("0.01"))
    web.open(f"/app/customers/{cid}")
    web.page.get_by_label("Amount", exact=True).fill(str(amount))
    web.page.get_by_label("Currency").select_option(currency)
    web.page.get_by_label("Pays by").fill("2026-11-13")
    web.page.get_by_role("button", name="Record promise").click()
    web.page.wait_for_load_state()
    assert "Promise recorded" in web.page.get_by_role("status").inner_text()
    promises = api(server, f"/customers/{cid}")["promises"]
    assert [(Decimal(p["amount"]), p["currency"], p["date"]) for p in promises] == [
        (amount, currency, "2026-11-13")
    ]
    assert web.page.locator("#promises tbody tr").count() == 1


def test_a_refused_action_shows_its_reason_on_the_page(web, server):
    cid = _unpaused_customer(server)["customer_id"]
    web.open(f"/app/customers/{cid}")
    web.page.get_by_label("Until (inclusive, optional)").fill("2020-01-01")
    web.page.get_by_role("button", name="Pause dunning").click()
    web.page.wait_for_load_state()
    alert = web.page.get_by_role("alert").inner_text()
    assert "until" in alert and "in the past" in alert
    assert api(server, f"/customers/{cid}")["paused"] is False


def test_approve_one_letter_and_cancel_another_in_the_queue(web, server):
    queue = api(server, "/letters?status=pending_approval")["letters"]
    assert len(queue) >= 2, "the replay of examples/ leaves letters awaiting approval"
    web.open("/app/approvals")
    shot(web, "approvals.png")
    # The newest letters: the oldest one's invoices may be paid by now (sending drops it).
    first, second = queue[-1], queue[-2]
    row = web.page.locator(f'tr[data-letter="{first["letter_id"]}"]')
    assert ", ".join(first["delivery"]["recipients"]) in row.inner_text()
    assert first["delivery"]["language"] in row.inner_text()
    row.get_by_role("button", name="Approve").click()
    web.page.wait_for_load_state()
    assert web.page.get_by_role("status").inner_text() == "1 letter(s) approved."
    approved = api(server, f"/letters/{first['letter_id']}")
    assert approved["status"] in ("queued", "claimed", "sent")
    web.page.locator(f'tr[data-letter="{second["letter_id"]}"]').get_by_role("checkbox").check()
    web.page.get_by_label("Reason for cancelling (optional)").fill("customer paid by phone")
    web.page.get_by_role("button", name="Cancel selected").click()
    web.page.wait_for_load_state()
    assert web.page.get_by_role("status").inner_text() == "1 letter(s) cancelled."
    cancelled = api(server, f"/letters/{second['letter_id']}")
    assert cancelled["status"] == "cancelled"
    assert cancelled["delivery"]["cancel_reason"] == "customer paid by phone"
    left = {r["letter_id"] for r in api(server, "/letters?status=pending_approval")["letters"]}
    assert first["letter_id"] not in left and second["letter_id"] not in left


def _some_pages(server: str) -> list[str]:
    customer = _unpaused_customer(server, keep=True)["customer_id"]
    invoice = api(server, f"/customers/{customer}")["invoices"][0]["invoice_id"]
    return [
        *PAGES,
        f"/app/customers/{customer}",
        f"/app/customers/{customer}/preview",
        f"/app/invoices/{invoice}",
        "/app/customers?paused=true",
    ]


@pytest.mark.parametrize("language", ["en", "de", "fr", "nl"])
def test_every_page_has_no_console_error_and_no_serious_accessibility_violation(
    web, server, language
):
    web.page.context.add_cookies([{"name": "dunning_lang", "value": language, "url": server}])
    try:
        for path in _some_pages(server):
            web.open(path)
            assert web.page.locator("html").get_attribute("lang") == language
            # Every page in English; in the other languages the dashboard (same markup).
            if language == "en" or path == "/app/":
                assert web.axe() == [], path
    finally:
        web.page.context.clear_cookies()


def test_the_language_selector_translates_labels_and_formats_amounts(web, server):
    summary = api(server, "/dashboard/summary")
    currency, f = next(iter(summary["currencies"].items()))
    web.open("/app/")
    web.page.get_by_label("Language").select_option("de")
    web.page.get_by_role("button", name="Change").click()
    web.page.wait_for_load_state()
    try:
        assert web.page.locator("html").get_attribute("lang") == "de"
        assert web.page.get_by_role("link", name="Kunden").count() == 1
        total = web.page.locator(f'dl.kpis[data-currency="{currency}"] dd[data-figure="total_ar"]')
        from babel.numbers import format_currency

        assert total.inner_text() == format_currency(Decimal(f["total_ar"]), currency, locale="de")
    finally:
        web.page.context.clear_cookies()


def test_keyboard_alone_reaches_the_skip_link_and_the_main_actions(web, server):
    cid = _unpaused_customer(server)["customer_id"]
    web.open(f"/app/customers/{cid}")
    web.page.keyboard.press("Tab")
    assert web.page.evaluate("document.activeElement.textContent") == "Skip to content"
    web.page.keyboard.press("Enter")
    reached = []
    for _ in range(40):
        web.page.keyboard.press("Tab")
        reached.append(web.page.evaluate("document.activeElement.textContent.trim()"))
    for action in ("Pause dunning", "Record promise", "Preview the next letter", "Send now"):
        assert action in reached, reached
    # The focus ring shows where the keyboard is (no outline: none on focus).
    outline = web.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def post(url: str, path: str, fields: dict[str, str], headers: dict[str, str]) -> int:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url + path, data=data, method="POST", headers=headers)
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_form_posted_from_elsewhere_or_without_its_token_is_refused(web, server):
    cid = _unpaused_customer(server)["customer_id"]
    web.open(f"/app/customers/{cid}")
    token = web.page.locator('input[name="csrf"]').first.input_value()
    cookie = next(c for c in web.page.context.cookies() if c["name"] == "dunning_session")
    session = {"Cookie": f"dunning_session={cookie['value']}"}
    path = f"/app/customers/{cid}/pause"
    fields = {"reason": "dispute", "csrf": token}
    assert post(server, path, fields, session | {"Origin": "https://evil.example"}) == 403
    assert post(server, path, {"reason": "dispute"}, session | {"Origin": server}) == 403
    assert post(server, path, fields | {"csrf": "0" * 64}, session | {"Origin": server}) == 403
    assert api(server, f"/customers/{cid}")["paused"] is False


def test_every_app_response_carries_the_security_headers(server):
    for path in ("/app/", "/app/customers/NOPE", _static(server)):
        try:
            with urllib.request.urlopen(server + path, timeout=60) as r:
                headers = r.headers
        except urllib.error.HTTPError as e:
            headers = e.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def _static(server: str) -> str:
    with urllib.request.urlopen(server + "/app/", timeout=60) as r:
        html = r.read().decode()
    start = html.index("/app/static/app.css")
    return html[start : html.index('"', start)]


def test_assets_are_served_with_the_function_and_cached_long(server):
    path = _static(server)
    with urllib.request.urlopen(server + path, timeout=60) as r:
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert r.headers["Content-Type"].startswith("text/css")
    with urllib.request.urlopen(server + "/app/", timeout=60) as r:
        html = r.read().decode()
    assert "<style" not in html and " style=" not in html and "<script>" not in html
    assert "/app/static/vendor/chart.umd.min.js?v=" in html


def test_the_letter_pdf_link_answers_a_pdf(web, server):
    recent = api(server, "/dashboard/letters")["recent"]
    letter = next(r for r in recent if r["status"] in ("sent", "printed"))
    response = web.page.request.get(f"{server}/app/letters/{letter['letter_id']}/pdf")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


def test_the_json_api_is_unchanged_by_the_pages(server):
    doc = api(server, "/openapi.json")
    assert not [p for p in doc["paths"] if p.startswith("/app")]
    assert json.dumps(api(server, "/dashboard/summary"))
    assert Path(DOCS).is_dir()


def test_the_accessibility_check_reports_a_violation_when_a_page_has_one(web):
    """So that an empty list above means something: a button without a name is caught."""
    web.open("/app/")
    web.page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    assert "button-name" in {v["id"] for v in web.axe()}


def _post_form(web: Watched, path: str, fields: dict[str, str]) -> Any:
    """A form of ours posted as the browser would (its session, its token, its origin)."""
    token = web.page.locator('input[name="csrf"]').first.input_value()
    return web.page.request.post(
        web.base + path,
        form=fields | {"csrf": token},
        headers={"Origin": web.base},
        max_redirects=0,
    )


def test_needs_attention_shows_why_a_reconcile_or_a_mark_clearing_was_refused(web, server):
    """The attention page's actions reach their use cases: examples/ has no letter to
    reconcile and no bounced address, so each is refused, and the page says why."""
    sent = next(r for r in api(server, "/dashboard/letters")["recent"] if r["status"] == "sent")
    web.open("/app/attention")
    answer = _post_form(
        web, f"/app/letters/{sent['letter_id']}/reconcile", {"outcome": "sent", "note": ""}
    )
    assert answer.status == 303 and answer.headers["location"].endswith("/app/attention")
    web.open("/app/attention")
    assert "only a letter needing reconciliation" in web.page.get_by_role("alert").inner_text()
    answer = _post_form(web, "/app/email-marks/clear", {"address": "nobody@example.com"})
    assert answer.status == 303
    web.open("/app/attention")
    assert "no bounce or complaint mark" in web.page.get_by_role("alert").inner_text()
