"""`dunning import FILE...`: drop ERP exports into the import bucket by hand.

The files take the path of the ERP's own drops: uploaded together under
`incoming/manual-<time>-<id>/` (customers first), imported by the import
function when S3 notifies it, moved to `processed/` or `rejected/`. Then each
file's outcome is read back from the bucket and shown: rows, errors, where it
moved, and its error report (copied to --out). The exit code is 1 when a file
was rejected, 3 when one had not finished within --wait.

- `--data DIR`: on the embedded AWS (DynamoDB Local and moto, gone when the
  command ends), with DIR/dunning.yaml as the configuration; `--preload` first
  imports DIR/*.csv, as `dunning simulate` starts. A dry run of a drop.
- `--bucket NAME`: a deployed import bucket; needs AWS credentials (the usual
  environment variables or profile). The deployed function does the import.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from dunning_local.imports import FileOutcome

console = Console(stderr=True)

EXIT_REJECTED = 1
EXIT_UNFINISHED = 3
POLL_SECONDS = 2.0


Files = Annotated[
    list[Path],
    typer.Argument(
        help="CSV exports: customers*.csv, contacts*.csv, invoice_groups*.csv, "
        "invoices*.csv, credits*.csv.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Folder with dunning.yaml: import on the embedded AWS.",
        exists=True,
        file_okay=False,
    ),
]
Bucket = Annotated[
    str | None, typer.Option("--bucket", help="A deployed import bucket (needs AWS credentials).")
]
Preload = Annotated[bool, typer.Option("--preload", help="With --data: first import DATA/*.csv.")]
ReportsDir = Annotated[
    Path, typer.Option("--out", help="Where the error reports of rejected files go.")
]
WaitSeconds = Annotated[
    float, typer.Option("--wait", help="With --bucket: seconds to wait for the imports.", min=0)
]


def import_files(
    files: Files,
    data: DataDir = None,
    bucket: Bucket = None,
    preload: Preload = False,
    out: ReportsDir = Path("out/import"),
    wait: WaitSeconds = 900.0,
) -> None:
    """Import CSV exports through the import bucket and show what became of each."""
    from dunning_local.imports import FileStatus

    if (data is None) == (bucket is None):
        raise typer.BadParameter("give either --data DIR (embedded AWS) or --bucket NAME")
    if preload and data is None:
        raise typer.BadParameter("--preload goes with --data")
    _check_names(files)
    folder = f"manual-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    if data is not None:
        outcomes = _embedded(data, files, folder, preload, out)
    else:
        assert bucket is not None
        outcomes = _deployed(bucket, files, folder, wait, out)
    _print(outcomes)
    if any(o.status is FileStatus.REJECTED for o in outcomes):
        raise typer.Exit(EXIT_REJECTED)
    if any(o.status is FileStatus.PENDING for o in outcomes):
        raise typer.Exit(EXIT_UNFINISHED)


def _check_names(files: list[Path]) -> None:
    names = [f.name for f in files]
    for name in names:
        if not name.endswith(".csv"):
            raise typer.BadParameter(
                f"{name}: only files ending in .csv start an import under incoming/"
            )
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise typer.BadParameter(
            f"two files named {', '.join(doubled)}: one drop holds one file of a name"
        )


# --- the embedded AWS --------------------------------------------------------------------


def _embedded(
    data: Path, files: list[Path], folder: str, preload: bool, out: Path
) -> list[FileOutcome]:
    from dunning.domain.configuration.parse import parse_config
    from dunning_local.aws import EmbeddedAws
    from dunning_local.driver import LocalDriver
    from dunning_local.imports import LOCAL_IMPORT_PARAMETERS

    config = data / "dunning.yaml"
    if not config.is_file():
        raise typer.BadParameter(f"{config} not found: --data needs a dunning.yaml")
    text = config.read_text(encoding="utf-8")
    try:
        parse_config(text)
    except ValueError as e:
        raise typer.BadParameter(f"{config}: {e}") from None
    out.mkdir(parents=True, exist_ok=True)
    console.print("starting the embedded AWS (DynamoDB Local and moto)")
    with (
        EmbeddedAws(parameters=LOCAL_IMPORT_PARAMETERS) as aws,
        (out / "lambda.log").open("w", encoding="utf-8") as log,
    ):
        driver = LocalDriver(aws, log)
        seed = sorted(data.glob("*.csv")) if preload else []
        return run_embedded(driver, text.encode(), files, folder, out, seed)


def run_embedded(
    driver: Any,
    config: bytes,
    files: list[Path],
    folder: str,
    out: Path,
    seed: list[Path] | None = None,
) -> list[FileOutcome]:
    """Upload the configuration and the files on a running embedded AWS; read outcomes."""
    from dunning_local.imports import drop

    aws = driver.aws
    s3 = aws.client("s3")
    s3.put_object(Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=config)
    if seed:
        preloaded = drop(driver, seed, f"{folder}-preload")
        for found in preloaded:
            console.print(f"preloaded {found.file}: {found.status}, {found.rows} rows")
    outcomes = drop(driver, files, folder)
    bucket = aws.deployment.refs["ImportBucket"]
    return [_with_local_reports(s3, bucket, found, out) for found in outcomes]


# --- a deployed bucket -------------------------------------------------------------------


def _deployed(
    bucket: str, files: list[Path], folder: str, wait: float, out: Path
) -> list[FileOutcome]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    session = boto3.session.Session()
    if session.get_credentials() is None:
        raise typer.BadParameter(
            "--bucket needs AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY); without an AWS account use --data DIR"
        )
    s3 = session.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except (ClientError, BotoCoreError) as e:
        raise typer.BadParameter(f"cannot use the bucket {bucket!r}: {e}") from None
    return run_deployed(s3, bucket, files, folder, wait, out)


def run_deployed(
    s3: Any,
    bucket: str,
    files: list[Path],
    folder: str,
    wait: float,
    out: Path,
    poll: float = POLL_SECONDS,
) -> list[FileOutcome]:
    """Upload the files (customers first), then read the outcomes until all are known or
    `wait` seconds have passed; the deployed import function does the rest."""
    from dunning_local.imports import INCOMING, FileStatus, in_dependency_order, outcome

    keys = []
    for path in in_dependency_order(files):
        key = f"{INCOMING}{folder}/{path.name}"
        s3.upload_file(str(path), bucket, key)  # multipart above 8 MB
        console.print(f"uploaded s3://{bucket}/{key}")
        keys.append(key)
    deadline = time.monotonic() + wait
    found = [outcome(s3, bucket, key) for key in keys]
    while any(o.status is FileStatus.PENDING for o in found) and time.monotonic() < deadline:
        time.sleep(poll)
        found = [outcome(s3, bucket, o.key) if o.status is FileStatus.PENDING else o for o in found]
    return [_with_local_reports(s3, bucket, o, out) for o in found]


# --- showing -----------------------------------------------------------------------------


def _with_local_reports(s3: Any, bucket: str, found: FileOutcome, out: Path) -> FileOutcome:
    """The outcome, its report named by its local copy under `out` and its bucket key."""
    from dunning_local.imports import download, report_keys

    keys = report_keys(found)
    if not keys:
        return found
    copies = [download(s3, bucket, key, out) for key in keys]
    return replace(found, report=f"{copies[0]} (s3://{bucket}/{found.report})")


def _print(outcomes: list[FileOutcome]) -> None:
    """One paragraph per file: outcome, rows, errors, where it is, its report, why."""
    for o in outcomes:
        where = o.moved_to or "still under incoming/"
        typer.echo(
            f"{o.file} ({o.kind}): {o.status}, {_count(o.rows)} rows, "
            f"{_count(o.errors)} errors -> {where}"
        )
        if o.report:
            typer.echo(f"  report: {o.report}")
        if o.detail:
            typer.echo(f"  {o.detail}")


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
