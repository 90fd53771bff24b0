"""One `dunning serve` over examples/ (replayed 2026-09-01..2026-10-30) and one headless
Debian Chromium per session, driven by Playwright; every page is checked for console
errors and for axe-core's serious and critical violations."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 600  # the replay of 60 days of examples/ comes first
SERVE = [
    sys.executable,
    "-m",
    "dunning_local.cli",
    "serve",
    "--data",
    str(EXAMPLES),
    "--from",
    "2026-09-01",
    "--today",
    "2026-10-30",
    "--port",
    "0",
]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `dunning serve` on a free port, once it has replayed examples/
    (DUNNING_BROWSER_SERVER: one already running, while working on the pages)."""
    if os.environ.get("DUNNING_BROWSER_SERVER"):
        yield os.environ["DUNNING_BROWSER_SERVER"].rstrip("/")
        return
    yield from serving(SERVE, tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="session")
def viewer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`dunning serve` signing everyone in as a viewer, over the last day of the replay
    only (a viewer changes nothing, so it needs no history)."""
    args = [*SERVE[: SERVE.index("--from") + 1], "2026-10-30", *SERVE[SERVE.index("--today") :]]
    yield from serving([*args, "--groups", "viewer"], tmp_path_factory.mktemp("viewer"))


def serving(command: list[str], folder: Path) -> Iterator[str]:
    errors = (folder / "stderr.txt").open("w+")
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=ROOT, env=this_checkout()
    )
    assert proc.stdout is not None
    lines: list[str] = []
    url = None
    deadline = time.monotonic() + START_TIMEOUT_S
    while url is None and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"Dunning API on (http://\S+?)/ ", line)
        url = found.group(1) if found else None
    if url is None:
        proc.kill()
        errors.seek(0)
        pytest.fail(f"dunning serve printed no URL: {''.join(lines)}{errors.read()[-3000:]}")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    errors.close()


def this_checkout() -> dict[str, str]:
    """The environment with this checkout's packages first (not another installed copy)."""
    paths = [str(ROOT / "shared"), str(ROOT / "local"), os.environ.get("PYTHONPATH", "")]
    return os.environ | {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def api(url: str, path: str) -> Any:
    with urllib.request.urlopen(url + path, timeout=60) as r:
        return json.loads(r.read())


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make system-packages` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, page errors and failed requests are collected."""

    def __init__(self, page: Any, base: str):
        self.page = page
        self.base = base
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 500 or response.url.endswith("favicon.ico"):
            self.problems.append(f"{response.status}: {response.url}")

    def open(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return response

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations of the page as it is now. Evaluated
        through the DevTools protocol: the page's CSP (script-src 'self') stays in force."""
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in found
            if v["impact"] in ("serious", "critical")
        ]


@pytest.fixture(scope="session")
def context(browser: Any) -> Iterator[Any]:
    made = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    yield made
    made.close()


@pytest.fixture
def web(context: Any, server: str) -> Iterator[Watched]:
    yield from watching(context, server)


@pytest.fixture
def viewer_web(context: Any, viewer_server: str) -> Iterator[Watched]:
    yield from watching(context, viewer_server)


def watching(context: Any, base: str) -> Iterator[Watched]:
    page = context.new_page()
    watched = Watched(page, base)
    yield watched
    page.close()
    assert watched.problems == []
