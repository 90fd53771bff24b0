"""The `dunning` command's entry point: names what is missing instead of a traceback.

The CLI and the local runtime need packages the Lambda functions do not (moto's
server, typer, rich, WeasyPrint): they come with the `local` extra, so that
`pip install dunning` alone stays as light as the layer. And the local runtime
works in the project's checkout: it builds its resources from template.yaml, calls
the handlers under functions/ and starts DynamoDB Local from node_modules/.
"""

from __future__ import annotations

import importlib.util
import os
import sys

NEEDED = ("typer", "rich", "moto", "weasyprint")
HINT = "pip install 'dunning[local]'  (or, in a checkout: pip install '.[local]')"
HELP = {"--help", "-h", "--version"}


def missing() -> list[str]:
    return [name for name in NEEDED if importlib.util.find_spec(name) is None]


def main() -> None:
    absent = missing()
    if absent:
        sys.exit(
            f"dunning: the local runtime needs {', '.join(absent)}, from the 'local' extra:\n"
            f"  {HINT}"
        )
    from dunning_local.template import in_checkout, project_root

    root = project_root()
    if not in_checkout():
        asking_for_help = not sys.argv[1:] or bool(HELP & set(sys.argv[1:]))
        if not (root / "template.yaml").is_file() and not asking_for_help:
            sys.exit(
                f"dunning: {root} is not the project's checkout (no template.yaml): "
                "run it there, or set DUNNING_PROJECT_DIR"
            )
        # The letter templates: composition finds the checkout's beside the package,
        # which an installed package is not; the handlers take them as a local folder.
        os.environ.setdefault("TEMPLATES_OVERRIDE_DIR", str(root / "templates"))
    from dunning_local.cli.main import app

    app()
