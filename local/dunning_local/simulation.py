"""`dunning simulate`: a data folder run day by day through the embedded AWS.

Each day D: upload the CSV drops of D, replay D's API actions, fire the schedule
at each subsidiary's local morning of D, and drain the queues. At the end the
ledger, SES's sent mail and the letter bucket are written out.
"""

from __future__ import annotations

import email
import json
import os
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from dunning.domain.configuration.config import Config
from dunning.domain.configuration.parse import parse_config
from dunning.domain.imports.schema import import_rank, kind_for_key
from dunning.domain.letters.codec import letter_record
from dunning.domain.model import LetterStatus
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.imports import LOCAL_IMPORT_PARAMETERS, FileStatus, download, drop

LETTER_ID_HEADER = "X-Dunning-Letter-Id"
PRINT_ROOM_FUNCTION = "PrintRoomFunction"
# One line of thanks.jsonl (SPEC 3.4), in this order.
THANKS_FIELDS = ("date", "customer_id", "scope", "scope_id", "currency", "recipients")


@dataclass
class DayReport:
    day: date
    imported: list[dict[str, Any]] = field(default_factory=list)
    actions: list[tuple[str, str, int]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    messages: int = 0
    print_room: list[dict[str, Any]] = field(default_factory=list)  # its publications


@dataclass
class SimulationResult:
    letters: list[dict[str, Any]]
    emails: int
    pdfs: int
    days: list[DayReport]
    rejected: list[str]
    texts: int = 0

    def summary(self) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for letter in self.letters:
            by_status[letter["status"]] = by_status.get(letter["status"], 0) + 1
        return {
            "days": len(self.days),
            "letters": len(self.letters),
            "by_status": by_status,
            "emails": self.emails,
            "texts": self.texts,
            "pdfs": self.pdfs,
            "rejected_files": self.rejected,
            "skipped_runs": [
                {"date": d.day.isoformat(), "subsidiary_id": sub, "why": why}
                for d in self.days
                for run in d.runs
                for sub, why in run.get("skipped", {}).items()
            ],
        }


def csv_files_in_order(folder: Path) -> list[Path]:
    """Files dropped together are imported customers first, whatever their names."""
    files = [p for p in sorted(folder.glob("*.csv")) if kind_for_key(p.name) is not None]
    return sorted(files, key=lambda p: import_rank(p.name))


def morning_instants(config: Config, day: date, run_hour: int) -> list[datetime]:
    """When the hourly schedule starts day D somewhere: each subsidiary's local morning."""
    instants = {
        datetime.combine(day, time(run_hour), ZoneInfo(s.timezone)).astimezone(UTC)
        for s in config.subsidiaries
    }
    return sorted(instants)


class Simulation:
    def __init__(self, data: Path, out: Path, aws: EmbeddedAws, log: IO[str] | None = None):
        self.data = data
        self.out = out
        self.aws = aws
        self.driver = LocalDriver(aws, log)
        self.log = log
        self.config = parse_config((data / "dunning.yaml").read_text(encoding="utf-8"))
        self.rejected: list[str] = []
        self.reports: list[str] = []  # the rejected files' error reports in the bucket

    def setup(self) -> list[dict[str, Any]]:
        """Verify the senders (as a deployer does in SES), upload config, import the CSVs."""
        ses = self.aws.client("ses")
        for sub in self.config.subsidiaries:
            if sub.sender:
                ses.verify_domain_identity(Domain=sub.sender.rsplit("@", 1)[-1])
        self.aws.client("s3").put_object(
            Bucket=self.aws.deployment.refs["ConfigBucket"],
            Key="dunning.yaml",
            Body=(self.data / "dunning.yaml").read_bytes(),
        )
        self._upload_template_overrides()
        return self._import(self.data, "initial")

    def _upload_template_overrides(self) -> None:
        """DATA/templates/ overrides letter templates as the S3 prefix does on AWS."""
        folder = self.data / "templates"
        if not folder.is_dir():
            return
        env = self.aws.deployment.function_env["RenderAndSendFunction"]
        prefix = env.get("TEMPLATES_PREFIX", "templates/")
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            self.aws.client("s3").put_object(
                Bucket=self.aws.deployment.refs["ConfigBucket"],
                Key=prefix + path.relative_to(folder).as_posix(),
                Body=path.read_bytes(),
            )

    def run_day(self, day: date, actions: list[dict[str, Any]]) -> DayReport:
        report = DayReport(day)
        env = {"DUNNING_FIXED_NOW": datetime.combine(day, time(12), UTC).isoformat()}
        with environment(env):
            drops = self.data / "drops" / day.isoformat()
            if drops.is_dir():
                report.imported = self._import(drops, day.isoformat())
            for action in actions:
                status, _ = self.driver.api(action["method"], action["path"], action.get("body"))
                report.actions.append((action["method"], action["path"], status))
            report.messages += self.driver.drain()
            run_hour = int(self.aws.parameters.get("RunHour", 6))
            for instant in morning_instants(self.config, day, run_hour):
                report.runs.append(self.driver.fire_schedule(instant))
                report.messages += self.driver.drain()
            report.print_room = self._publish_print_room(day)
        return report

    def _publish_print_room(self, day: date) -> list[dict[str, Any]]:
        """The print room's end of day D, as on AWS: its schedule fired at each
        subsidiary's PRINT_HOUR of D + 1, the print-room function publishing D."""
        env = self.aws.deployment.function_env.get(PRINT_ROOM_FUNCTION)
        if env is None:
            return []
        hour = int(env.get("PRINT_HOUR", "1"))
        instants = morning_instants(self.config, day + timedelta(days=1), hour)
        return [self.driver.fire_schedule(at, PRINT_ROOM_FUNCTION) for at in instants]

    def _import(self, folder: Path, label: str) -> list[dict[str, Any]]:
        # Uploaded customers first; then the import's follow-ups run and each file's
        # outcome is read back from the bucket (processed/ or rejected/).
        outcomes = drop(self.driver, csv_files_in_order(folder), label)
        rejected = [o for o in outcomes if o.status is FileStatus.REJECTED]
        self.rejected.extend(o.key for o in rejected)
        self.reports.extend(o.report for o in rejected if o.report)
        return [o.as_dict() for o in outcomes]

    # --- output ----------------------------------------------------------------------

    def write_output(self, days: list[DayReport]) -> SimulationResult:
        self.out.mkdir(parents=True, exist_ok=True)
        letters = self._letters()
        with (self.out / "letters.jsonl").open("w", encoding="utf-8") as f:
            for line in letters:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._write_thanks(self.out / "thanks.jsonl")
        emails = self._write_emails(self.out / "emails")
        texts = self._write_sms(self.out / "sms.jsonl")
        pdfs = self._write_pdfs(self.out / "pdfs")
        self._write_reports(self.out / "rejected")
        self._write_dashboard(
            self.out / "dashboard", days[0].day if days else None, days[-1].day if days else None
        )
        result = SimulationResult(letters, emails, pdfs, days, self.rejected, texts)
        (self.out / "summary.json").write_text(json.dumps(result.summary(), indent=2) + "\n")
        return result

    def ledger_records(self) -> list[dict[str, Any]]:
        """Every letter of the ledger as letters.jsonl writes it, by date."""
        return self._letters()

    def _letters(self) -> list[dict[str, Any]]:
        from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
        from dunning.composition import bind_table
        from dunning.settings import Settings

        with self.aws.function_env("ApiFunction"):
            bind_table(Settings.from_env())
            found = [
                letter_record(e.letter, e.status, e.delivery)
                for status in LetterStatus
                for e in LetterLedgerTable().letters(status)
            ]
        return sorted(found, key=lambda r: (r["date"], r["letter_id"]))

    def _write_sms(self, path: Path) -> int:
        """OUT/sms.jsonl: the texts SNS received (SPEC 3.4)."""
        from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
        from dunning.composition import bind_table
        from dunning.settings import Settings
        from dunning_local.sms_out import published_sms, sms_lines

        with self.aws.function_env("ApiFunction"):
            bind_table(Settings.from_env())
            entries = [e for s in LetterStatus for e in LetterLedgerTable().letters(s)]
        lines = sms_lines(published_sms(self.aws.moto.url), entries)
        with path.open("w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return len(lines)

    def _write_thanks(self, path: Path) -> None:
        """OUT/thanks.jsonl (SPEC 3.4): one line per thank-you note sent, by date."""
        from dunning.adapters.dynamodb.thanks_ledger import ThanksLedgerTable
        from dunning.composition import bind_table
        from dunning.settings import Settings

        with self.aws.function_env("EvaluateFunction"):
            bind_table(Settings.from_env())
            notes = sorted(
                ThanksLedgerTable.thanks("sent"), key=lambda n: (n["date"], n["thanks_id"])
            )
        with path.open("w", encoding="utf-8") as f:
            for n in notes:
                line = {k: n[k] for k in THANKS_FIELDS}
                f.write(json.dumps(line, ensure_ascii=False) + "\n")

    def _write_dashboard(self, folder: Path, first_day: date | None, last_day: date | None) -> None:
        """GET /dashboard/summary as of the last day: all subsidiaries, then each one; and
        GET /dashboard/letters of the whole period (letters by level, paid within)."""
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.combine(last_day, time(12), UTC) if last_day else datetime.now(UTC)
        wanted = [("summary.json", None)] + [
            (f"summary-{s.subsidiary_id}.json", s.subsidiary_id) for s in self.config.subsidiaries
        ]
        with environment({"DUNNING_FIXED_NOW": now.isoformat()}):
            for name, sub in wanted:
                query = {"subsidiary": sub} if sub else None
                status, body = self.driver.api("GET", "/dashboard/summary", None, query)
                if status != 200:
                    raise RuntimeError(f"GET /dashboard/summary answered {status}: {body}")
                (folder / name).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
            if first_day is not None and last_day is not None:
                period = {"from": first_day.isoformat(), "to": last_day.isoformat(), "limit": "1"}
                status, body = self.driver.api("GET", "/dashboard/letters", None, period)
                if status != 200:
                    raise RuntimeError(f"GET /dashboard/letters answered {status}: {body}")
                body.pop("cursor", None)
                letters = json.dumps(body, indent=2) + "\n"
                (folder / "letters.json").write_text(letters, encoding="utf-8")

    def _write_emails(self, folder: Path) -> int:
        """The mail SES actually accepted, read back from the moto server."""
        folder.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"{self.aws.moto.url}/moto-api/data.json") as r:  # noqa: S310
            data = json.load(r)
        count = 0
        for raw in _raw_messages(data):
            letter_id = email.message_from_string(raw).get(LETTER_ID_HEADER, f"message-{count}")
            (folder / f"{letter_id}.eml").write_text(raw, encoding="utf-8")
            count += 1
        return count

    def _write_reports(self, folder: Path) -> None:
        """Each rejected file's error reports (.errors.csv and .errors.json) as the import
        left them under rejected/ in the bucket."""
        s3, bucket = self.aws.client("s3"), self.aws.deployment.refs["ImportBucket"]
        for report in self.reports:
            stem = report.rsplit(".errors.", 1)[0]
            found = s3.list_objects_v2(Bucket=bucket, Prefix=f"{stem}.errors.")
            for obj in found.get("Contents", []):
                download(s3, bucket, obj["Key"], folder)

    def _write_pdfs(self, folder: Path) -> int:
        """Every letter's PDF: the archive (letters/) and the print queue's, which is a
        printed letter's only copy; the print room's index of each day; and what the
        print-room function published."""
        from dunning.adapters.print_room import S3PrintRoom

        folder.mkdir(parents=True, exist_ok=True)
        s3 = self.aws.client("s3")
        bucket = self.aws.deployment.refs["LetterBucket"]
        count = 0
        for prefix in ("letters/", "print-queue/"):
            for obj in _objects(s3, bucket, prefix):
                if not obj["Key"].endswith(".pdf"):
                    continue
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                (folder / obj["Key"].rsplit("/", 1)[-1]).write_bytes(body)
                count += 1
        room = S3PrintRoom(s3, bucket)
        for day in room.days():
            index = self.out / "print-queue" / day.isoformat() / "index.csv"
            index.parent.mkdir(parents=True, exist_ok=True)
            index.write_text(room.index_csv(day), encoding="utf-8")
        self._write_batches(s3, bucket)
        return count

    def _write_batches(self, s3: Any, bucket: str) -> None:
        """The print room's files as the print-room function published them under
        print-room/: OUT/print-queue/<subsidiary>/<day>/batch-NNN.pdf, manifest.csv,
        no-address.csv and published.json."""
        from dunning.domain.delivery.print_batches import PRINT_ROOM_PREFIX

        for obj in _objects(s3, bucket, PRINT_ROOM_PREFIX):
            path = obj["Key"][len(PRINT_ROOM_PREFIX) :]
            target = self.out / "print-queue" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
            if self.log is not None and target.name not in ("manifest.csv", "published.json"):
                self.log.write(f"print room: {path}\n")


def _objects(s3: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def _raw_messages(data: dict[str, Any]) -> Iterator[str]:
    for instance in data.get("ses", {}).get("RawMessage", []):
        yield instance["raw_data"]


def read_actions(path: Path) -> dict[date, list[dict[str, Any]]]:
    by_day: dict[date, list[dict[str, Any]]] = {}
    if not path.exists():
        return by_day
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            action = json.loads(line)
            day = date.fromisoformat(action["date"])
            action["method"], action["path"]
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path.name} line {n}: not an action ({e})") from None
        by_day.setdefault(day, []).append(action)
    return by_day


def simulate(
    data: Path,
    start: date,
    end: date,
    out: Path,
    on_day: Callable[[DayReport], None] = lambda _: None,
) -> SimulationResult:
    if end < start:
        raise ValueError(f"--to {end} is before --from {start}")
    actions = read_actions(data / "actions.jsonl")
    out.mkdir(parents=True, exist_ok=True)
    with (
        EmbeddedAws(parameters=LOCAL_IMPORT_PARAMETERS) as aws,
        (out / "lambda.log").open("w", encoding="utf-8") as log,
    ):
        sim = Simulation(data, out, aws, log)
        with environment({"DUNNING_FIXED_NOW": datetime.combine(start, time(0), UTC).isoformat()}):
            sim.setup()
        days = []
        day = start
        while day <= end:
            days.append(sim.run_day(day, actions.get(day, [])))
            on_day(days[-1])
            day += timedelta(days=1)
        return sim.write_output(days)


class environment:
    """Set environment variables for a block (the simulated calendar)."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        for k, v in self.values.items():
            self.saved[k] = os.environ.get(k)
            os.environ[k] = v

    def __exit__(self, *exc: object) -> None:
        for k, v in self.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
