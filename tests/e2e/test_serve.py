"""`dunning serve`: the API over HTTP on localhost, over the embedded AWS; Ctrl-C stops
both."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "simple"
START_TIMEOUT_S = 120


COMMAND = [sys.executable, "-m", "dunning_local.cli", "serve", "--data", str(DATA), "--port", "0"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    yield from _serving(tmp_path_factory, "--today", "2026-09-10")


def _serving(
    tmp_path_factory, *args: str
) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    errors = (tmp_path_factory.mktemp("serve") / "stderr.txt").open("w+")
    proc = subprocess.Popen([*COMMAND, *args], stdout=subprocess.PIPE, stderr=errors, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    assert proc.stdout is not None
    url = None
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
        pytest.fail(f"no URL printed: {''.join(lines)}{errors.read()}")
    yield proc, url, lines
    if proc.poll() is None:
        proc.kill()
    errors.close()


def call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def _refuses(address: str) -> bool:
    parts = urlsplit(address)
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((parts.hostname or "127.0.0.1", parts.port or 80)) != 0


def test_serve_answers_http_like_api_gateway_would(server):
    _, url, _ = server
    status, doc = call(url, "GET", "/openapi.json")
    assert status == 200 and "/customers/{target_id}/pause" in doc["paths"]
    assert call(url, "POST", "/customers/C1/pause", {"reason": "dispute"})[0] == 200
    status, answer = call(url, "GET", "/customers/C1/preview")
    assert status == 409 and "paused" in answer["message"]
    status, answer = call(url, "POST", "/customers/C%31/unpause")  # ids arrive encoded
    assert status == 200 and answer["customer_id"] == "C1"
    # the evaluation the unpause queued was delivered once the answer was sent
    status, history = call(url, "GET", "/customers/C1/letters")
    assert status == 200
    assert [(x["as_of"], x["level"], x["status"]) for x in history["letters"]] == [
        ("2026-09-10", 2, "sent")
    ]
    status, answer = call(url, "POST", "/customers/NOPE/pause", {"reason": "dispute"})
    assert status == 404 and answer["message"] == "customer NOPE not found"


def test_a_client_holding_a_connection_open_does_not_hold_up_the_others(server):
    _, url, _ = server
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as slow:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        assert call(url, "GET", "/health") == (200, {"status": "ok"})
        slow.sendall(b"\r\n")
        assert slow.recv(64).startswith(b"HTTP/1.0 200")


@pytest.fixture(scope="module")
def read_only(tmp_path_factory) -> Iterator[tuple[subprocess.Popen[str], str, list[str]]]:
    yield from _serving(tmp_path_factory, "--today", "2026-09-10", "--groups", "viewer")


def test_serve_signs_in_as_local_in_the_groups_given(read_only):
    """SPEC 2.10: `--groups viewer` tries the service read-only."""
    _, url, lines = read_only
    assert any("signed in as local, groups: viewer\n" in line for line in lines)
    assert call(url, "GET", "/customers/C1/letters")[0] == 200
    status, answer = call(url, "POST", "/customers/C1/pause", {"reason": "dispute"})
    assert status == 403
    assert answer["message"] == "local may not pause: that needs the group collector"
    status, answer = call(url, "GET", "/customers/C1/preview")
    assert status == 403 and answer["message"].endswith("needs the group collector")


def test_serve_refuses_a_group_it_does_not_know():
    done = subprocess.run(
        [*COMMAND, "--groups", "viewer,admin"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"COLUMNS": "200"},  # the message on one line
    )
    assert done.returncode == 2
    assert "admin" in done.stderr and "viewer, collector, approver" in done.stderr


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_serve_listens_on_loopback_only(host: str):
    from dunning_local.cli.serve import loopback

    assert loopback("127.0.0.1") == "127.0.0.1" and loopback("localhost") == "localhost"
    with pytest.raises(ValueError, match="loopback only"):
        loopback(host)


def test_ctrl_c_stops_the_server_and_the_embedded_aws(server):
    proc, url, lines = server
    services = re.findall(r"(http://127\.0\.0\.1:\d+)", lines[0])
    assert len(services) == 2, lines[0]  # DynamoDB Local and moto
    assert not any(_refuses(s) for s in services)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    assert _refuses(url) and all(_refuses(s) for s in services)


REPLAY = Path(__file__).parent / "data" / "replay"


@pytest.fixture(scope="module")
def replayed(tmp_path_factory) -> Iterator[str]:
    """`dunning serve --from D0 --today D`: the days replayed before serving."""
    errors = (tmp_path_factory.mktemp("replay") / "stderr.txt").open("w+")
    command = [*COMMAND[:4], "--data", str(REPLAY), "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--from", "2026-09-08", "--today", "2026-09-10"],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    assert proc.stdout is not None
    url = None
    deadline = time.monotonic() + START_TIMEOUT_S
    lines: list[str] = []
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
        pytest.fail(f"no URL printed: {''.join(lines)}{errors.read()}")
    # Keep reading what it prints: a full pipe would stop the server mid-write.
    threading.Thread(target=proc.stdout.read, daemon=True).start()
    yield url
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    errors.close()


def test_serve_replays_the_days_from_from_before_serving(replayed):
    url = replayed
    # the drop of 2026-09-09 brought R2's invoice; its manual procedure made a pending letter
    status, pending = call(url, "GET", "/letters?status=pending_approval")
    assert status == 200
    (letter,) = [x for x in pending["letters"] if x["customer_id"] == "R2"]
    assert letter["as_of"] == "2026-09-09"
    assert letter["delivery"]["recipients"] == ["ap@mueller.example"]
    assert letter["delivery"]["language"] == "de"
    # R1 was paused on the 8th (actions.jsonl), resumed on the 9th and sent a letter then
    status, centre = call(url, "GET", "/customers/R1")
    assert status == 200 and centre["as_of"] == "2026-09-10"
    assert [(x["as_of"], x["status"]) for x in centre["letters"]] == [("2026-09-09", "sent")]
    status, log = call(url, "GET", "/customers/R1/activity")
    changes = [(e["action"], e["actor"]) for e in log["activity"] if e["kind"] == "change"]
    assert changes == [("resume", "local"), ("pause", "local")]
