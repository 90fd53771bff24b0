"""`dunning` behaves like a tool (SPEC 3.4): exit statuses, a folder it will not
overwrite unasked, mistakes named without a traceback before anything starts, its
processes stopped however it is stopped, and a version."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning_local.aws import EmbeddedAws
from dunning_local.cli.main import app

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parent / "data" / "simple"


def simulate(data: Path, out: Path, *extra: str):
    args = ["simulate", "--data", str(data), "--from", "2026-09-01", "--to", "2026-09-02"]
    return CliRunner().invoke(app, [*args, "--out", str(out), *extra])


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and re.fullmatch(r"dunning \S+\n", result.output)


def test_a_bad_configuration_is_named_by_file_line_and_procedure_before_aws_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    config = data / "dunning.yaml"
    config.write_text(config.read_text().replace("days: 10,", "days: ten,"))
    started = []
    monkeypatch.setattr(EmbeddedAws, "start", lambda self: started.append(self))
    result = simulate(data, tmp_path / "out")
    assert result.exit_code == 1
    assert f"{config}:17: procedures[STD].levels[1].days: must be a whole number" in (result.output)
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)  # typer.Exit, not a crash
    assert started == []


def test_a_bad_action_line_is_named_without_a_traceback(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "actions.jsonl").write_text('{"date": "2026-09-01", "method": "POST"}\n')
    days = ["--from", "2026-09-01", "--to", "2026-09-01", "--out", str(tmp_path / "out")]
    result = subprocess.run(
        [sys.executable, "-m", "dunning_local.cli", "simulate", "--data", str(data), *days],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "actions.jsonl line 1: not an action" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_non_empty_out_folder_is_refused_without_force(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("keep me")
    result = simulate(DATA, out)
    assert result.exit_code == 2
    assert "is not empty (--force empties it first)" in re.sub(r"[\s│]+", " ", result.output)
    assert (out / "old.txt").read_text() == "keep me"


def test_a_rejected_file_writes_everything_copies_its_reports_and_exits_3(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "invoices_bad.csv").write_text(
        "invoice_id,customer_id,number,issue_date,due_date,currency,amount,amount_remaining\n"
        "I9,C1,NL-9,2026-08-01,not-a-date,EUR,10.00,10.00\n"
    )
    out = tmp_path / "out"
    (out / "stale").mkdir(parents=True)
    (out / "stale" / "letters.jsonl").write_text("old\n")
    result = simulate(data, out, "--force")
    assert result.exit_code == 3, result.output
    assert not (out / "stale").exists()  # --force emptied it first
    assert (out / "letters.jsonl").read_text().strip()  # the good files still ran
    assert json.loads((out / "summary.json").read_text())["rejected_files"] == [
        "incoming/initial/invoices_bad.csv"
    ]
    reports = sorted(p.relative_to(out / "rejected").as_posix() for p in out.rglob("*.errors.*"))
    assert reports == ["initial/invoices_bad.errors.csv", "initial/invoices_bad.errors.json"]
    assert (
        "not-a-date" in (out / "rejected" / reports[0]).read_text()
        or "due_date" in (out / "rejected" / reports[0]).read_text()
    )


def _children(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(c) for c in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_dynamodb_local_and_moto_when_it_is_stopped(tmp_path: Path, stop: int):
    command = [sys.executable, "-m", "dunning_local.cli", "serve", "--data", str(DATA)]
    errors = (tmp_path / "stderr.txt").open("w+")
    proc = subprocess.Popen(
        [*command, "--port", "0", "--today", "2026-09-01"],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    children: set[int] = set()
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or "Dunning API on" in line:
                break
        children = _children(proc.pid)
        assert len(children) >= 2, children  # the JVM of DynamoDB Local, moto's Python
        proc.send_signal(stop)
        errors.seek(0)
        assert proc.wait(timeout=60) == 0, errors.read()
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [c for c in children if _alive(c)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)
        errors.close()
