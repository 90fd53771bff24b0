"""Handlers are thin, read no settings at import, and only render-and-send loads
WeasyPrint (cold starts of the others stay light)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

FUNCTIONS = Path(__file__).parents[2] / "functions"
HANDLERS = sorted(FUNCTIONS.glob("*/handler.py"))

PROBE = """
import importlib.util, json, os, sys
for key in [k for k in os.environ if k.startswith(("AWS_", "TABLE_", "CONFIG_"))]:
    del os.environ[key]
spec = importlib.util.spec_from_file_location("h", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({"weasyprint": "weasyprint" in sys.modules}))
"""


def test_there_is_one_handler_per_function():
    assert [p.parent.name for p in HANDLERS] == [
        "api",
        "authorizer",
        "bounces",
        "evaluate",
        "importer",
        "print_room",
        "render_and_send",
        "scheduler",
    ]


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_imports_without_settings_and_without_weasyprint(path: Path):
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout.splitlines()[-1])["weasyprint"] is False


@pytest.mark.parametrize("path", HANDLERS, ids=lambda p: p.parent.name)
def test_handler_is_decorators_and_one_use_case_call(path: Path):
    tree = ast.parse(path.read_text())
    (handler,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert handler.name == "lambda_handler"
    assert handler.decorator_list, "Powertools decorators outside"
    assert handler.end_lineno - handler.lineno <= 14
