"""The `dunning` command line."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dunning_local.cli.import_cmd import import_files

if TYPE_CHECKING:
    from dunning.domain.control.roles import Group

app = typer.Typer(no_args_is_help=True, help="Dunning: reminders of overdue invoices, run locally.")
console = Console(stderr=True)

DataDir = Annotated[
    Path,
    typer.Option(
        "--data", help="Folder with dunning.yaml and CSV exports.", exists=True, file_okay=False
    ),
]


EXIT_FAILED = 1  # bad configuration or data, or the run broke down
EXIT_REJECTED = 3  # all written, but an import file was rejected (SPEC 3.4)


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"dunning {version('dunning')}")
        except PackageNotFoundError:  # run from a checkout without installing it
            typer.echo("dunning (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Dunning on one machine: the real handlers on an embedded AWS."""


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the embedded AWS's processes are stopped on the
    way out (killed by the default action, DynamoDB Local and moto would outlive us)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_FAILED)


def _checked_data(data: Path) -> None:
    """dunning.yaml and actions.jsonl read before the embedded AWS starts: a mistake in
    them fails in a second, named by file, line and key path, without a traceback."""
    from dunning.domain.configuration.parse import ConfigError, parse_config
    from dunning_local.cli.problems import config_problems
    from dunning_local.simulation import read_actions

    config = data / "dunning.yaml"
    try:
        parse_config(config.read_text(encoding="utf-8"))
    except OSError as e:
        raise _fail(f"{config}: {e.strerror or e}") from None
    except ConfigError as e:
        problems = config_problems(config, e)
        raise _fail("invalid configuration:\n  " + "\n  ".join(problems)) from None
    try:
        read_actions(data / "actions.jsonl")
    except ValueError as e:
        raise _fail(f"{data}/{e}") from None


def _empty_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is not a folder", param_hint="--out")
    if not out.exists() or not any(out.iterdir()):
        return
    if not force:
        raise typer.BadParameter(
            f"{out} is not empty (--force empties it first)", param_hint="--out"
        )
    for child in out.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO date (YYYY-MM-DD)") from None


def _groups(value: str | None) -> frozenset[Group]:
    """--groups viewer[,collector...]: every name must be a group; none given: all."""
    from dunning.domain.control.roles import ALL_GROUPS, Group

    if value is None:
        return ALL_GROUPS
    names = [n.strip() for n in value.split(",") if n.strip()]
    known = [str(g) for g in Group]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise typer.BadParameter(
            f"{', '.join(unknown) or 'no group'}: name one or more of {', '.join(known)}",
            param_hint="--groups",
        )
    return frozenset(Group(n) for n in names)


@app.command()
def simulate(
    data: DataDir,
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD).")],
    out: Annotated[Path, typer.Option("--out", help="Where letters, emails and PDFs go.")],
    force: Annotated[bool, typer.Option("--force", help="Empty a non-empty --out first.")] = False,
) -> None:
    """Run every day from --from to --to on the embedded AWS and write what was sent.

    Exit status: 0 done; 3 done, but an import file was rejected (its error reports are
    in OUT/rejected/); 1 bad configuration or data, or a failure; 2 bad arguments."""
    from dunning_local.services import EmbeddedAwsError
    from dunning_local.simulation import simulate as run

    first, last = _day(start), _day(end)
    if last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}")
    _empty_out(out, force)
    _checked_data(data)
    total = (last - first).days + 1
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[letters]} letters"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("starting the embedded AWS", total=total, letters=0)
        seen = {"messages": 0}

        def on_day(report: object) -> None:
            seen["messages"] += report.messages  # type: ignore[attr-defined]
            progress.update(task, advance=1, description=str(report.day))  # type: ignore[attr-defined]

        try:
            with _stopped_by_sigterm():
                result = run(data, first, last, out, on_day)
        except EmbeddedAwsError as e:
            raise _fail(str(e)) from None
        progress.update(task, letters=len(result.letters))
    _print_summary(result.summary(), out)
    if result.rejected:
        rejected = len(result.rejected)
        console.print(f"[red]{rejected} file(s) rejected[/red]: reports in {out / 'rejected'}/")
        raise typer.Exit(EXIT_REJECTED)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write dunning.yaml and CSVs to.")],
    customers: Annotated[int, typer.Option(min=0, help="How many customers.")] = 50,
    invoices_per_customer: Annotated[int, typer.Option(min=1)] = 10,
    subsidiaries: Annotated[int, typer.Option(min=1, max=6)] = 2,
    seed: Annotated[int, typer.Option(help="Same seed, same bytes.")] = 1,
    as_of: Annotated[
        str, typer.Option("--as-of", help="Day the data is centred on.")
    ] = "2026-10-30",
) -> None:
    """Write a deterministic synthetic data set (SPEC 3.2 formats) of any size."""
    from dunning_local.synthetic import generate as make
    from dunning_local.synthetic import write_csv

    data = make(
        seed,
        customers,
        _day(as_of),
        invoices_per_customer=invoices_per_customer,
        subsidiaries=subsidiaries,
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "dunning.yaml").write_text(data.config_yaml, encoding="utf-8")
    for name, columns, rows in data.tables():
        with (out / name).open("w", encoding="utf-8", newline="") as f:
            count = write_csv(f, columns, rows)
        console.print(f"{out / name}: {count} rows")


@app.command()
def serve(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Folder with dunning.yaml and CSV exports.", exists=True, file_okay=False
        ),
    ] = Path("examples"),
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="0: any free port.")] = 8000,
    today: Annotated[
        str | None, typer.Option(help="Pretend today is this day (YYYY-MM-DD), as simulate does.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Replay every day from this one (YYYY-MM-DD) through --today first, as "
            "simulate does. Default: --today.",
        ),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(
            "--groups",
            help="Sign in as `local` in these groups only (comma-separated: viewer, "
            "collector, approver), e.g. --groups viewer to try read-only. Default: all.",
        ),
    ] = None,
) -> None:
    """Serve the collections API on localhost over the embedded AWS; Ctrl-C stops both."""
    from dunning_local.cli.serve import serve as run
    from dunning_local.services import EmbeddedAwsError

    local_groups = _groups(groups)
    day = _day(today) if today else None
    first = _day(start) if start else None
    last = day or datetime.now(UTC).date()
    if first is not None and first > last:
        raise typer.BadParameter(f"--from {first} is after --today {last}")
    _checked_data(data)
    try:
        with _stopped_by_sigterm():
            run(
                data,
                host,
                port,
                day,
                lambda line: print(line, flush=True),
                start=first,
                groups=local_groups,
            )
    except KeyboardInterrupt:  # before or after serving began: all stopped by now
        print("stopped", flush=True)
    except (EmbeddedAwsError, ValueError) as e:  # ValueError: a CSV file was rejected
        raise _fail(str(e)) from None


app.command("import")(import_files)  # `import` is a keyword: the function has another name


def _print_summary(summary: dict, out: Path) -> None:
    table = Table(title="Simulation", show_header=False)
    table.add_row("days", str(summary["days"]))
    table.add_row("letters", str(summary["letters"]))
    for status, count in sorted(summary["by_status"].items()):
        table.add_row(f"  {status}", str(count))
    table.add_row("emails", str(summary["emails"]))
    table.add_row("texts", str(summary.get("texts", 0)))
    table.add_row("PDFs", str(summary["pdfs"]))
    for key in summary["rejected_files"]:
        table.add_row("[red]rejected file", key)
    Console().print(table)
    Console().print(
        f"Letters: {out / 'letters.jsonl'}\nEmails:  {out / 'emails'}/\n"
        f"Texts:   {out / 'sms.jsonl'}\n"
        f"PDFs:    {out / 'pdfs'}/\nSummary: {out / 'summary.json'}\n"
        f"Logs:    {out / 'lambda.log'}"
    )
