"""The `dunning` command's entry point: names the missing extra instead of a traceback.

The CLI and the local runtime need packages the Lambda functions do not (moto's
server, typer, rich, WeasyPrint): they come with the `local` extra, so that
`pip install dunning` alone stays as light as the layer.
"""

from __future__ import annotations

import importlib.util
import sys

NEEDED = ("typer", "rich", "moto", "weasyprint")
HINT = "pip install 'dunning[local]'  (or, in a checkout: pip install '.[local]')"


def missing() -> list[str]:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def main() -> None:
    absent = missing()
    if absent:
        print(
            f"dunning: the local runtime needs {', '.join(absent)}, from the 'local' extra:\n"
            f"  {HINT}",
            file=sys.stderr,
        )
        sys.exit(2)
    from dunning_local.cli.main import app

    app()
