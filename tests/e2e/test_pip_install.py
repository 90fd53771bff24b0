"""A stranger's first steps: in a fresh virtualenv, `pip install .` gives a `dunning`
command that names the extra it lacks; with the `local` extra it starts and simulates
examples/ from the checkout. Slow (it installs from the package index, through pip's
cache), so it is one test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
SHIPPED = ("pyproject.toml", "README.md", "LICENSE", "shared", "local")
INSTALL_TIMEOUT_S = 900


def _run(args: list[str | Path], **kwargs) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, check=False, **kwargs
    )


def _source_copy(target: Path) -> Path:
    """What `pip install .` reads, copied, so the build leaves the checkout untouched."""
    target.mkdir()
    for name in SHIPPED:
        source = ROOT / name
        if source.is_dir():
            skip = shutil.ignore_patterns("*.egg-info", "__pycache__")
            shutil.copytree(source, target / name, ignore=skip)
        else:
            shutil.copy2(source, target / name)
    return target


def test_pip_install_gives_a_cli_that_names_its_extra_then_simulates_the_examples(tmp_path):
    source = _source_copy(tmp_path / "src")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    pip = [bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]

    done = _run([*pip, source], timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    bare = _run([bin_dir / "dunning", "--help"], cwd=ROOT)
    assert bare.returncode != 0 and "dunning[local]" in bare.stderr

    done = _run([*pip, f"{source}[local]"], timeout=INSTALL_TIMEOUT_S)
    assert done.returncode == 0, done.stderr[-3000:]
    shown = _run([bin_dir / "dunning", "--help"], cwd=tmp_path)  # help works anywhere
    assert shown.returncode == 0 and "simulate" in shown.stdout, shown.stderr

    out = tmp_path / "out"
    args = ["simulate", "--data", "examples", "--from", "2026-09-01", "--to", "2026-09-08"]
    ran = _run([bin_dir / "dunning", *args, "--out", out], cwd=ROOT, timeout=600)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["letters"] > 0 and summary["pdfs"] > 0, summary
