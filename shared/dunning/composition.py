"""The composition root: real adapters wired into each use case's dependency bundle.

Built on the first invocation and kept for the container's life (cached by the
settings, so a test's runtime with other names gets its own bundle). Nothing
here runs at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from dunning.adapters.dynamodb.models import bind
from dunning.adapters.dynamodb.repository import DunningRepository
from dunning.adapters.s3 import S3ConfigSource, S3DocumentStore, S3Files
from dunning.adapters.sqs import SqsQueue
from dunning.settings import Settings
from dunning.usecases.evaluate import Evaluate
from dunning.usecases.fan_out import FanOut
from dunning.usecases.import_file import ImportDeps
from dunning.usecases.send_letter import SendDeps


def templates_dir() -> Path:
    """The checkout's templates/ when run from it; else the templates layer under /opt."""
    repo = Path(__file__).resolve().parents[2] / "templates"
    return repo if repo.is_dir() else Path("/opt")


@dataclass(frozen=True)
class Clock:
    fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed or datetime.now(UTC)


def _client(service: str, settings: Settings, config: Any = None) -> Any:
    return _cached_client(service, settings.region, settings.endpoint_url, config)


@cache
def _cached_client(service: str, region: str, endpoint: str | None, config: Any) -> Any:
    # One session: clients share its loaded service models (creating one is ~100 ms).
    # The endpoint is part of the key: boto3 reads AWS_ENDPOINT_URL when it builds one.
    return _session().client(service, region_name=region, config=config)


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def _repo(settings: Settings) -> DunningRepository:
    bind(settings.table_name, settings.region, settings.dynamodb_endpoint)
    return DunningRepository()


def _config(settings: Settings) -> S3ConfigSource:
    return S3ConfigSource(_client("s3", settings), settings.config_bucket, settings.config_key)


@cache
def fan_out_deps(settings: Settings) -> FanOut:
    queue = SqsQueue(_client("sqs", settings), settings.evaluation_queue_url)
    return FanOut(_config(settings), _repo(settings), queue, settings.run_hour, settings.shard_size)


@cache
def evaluate_deps(settings: Settings) -> Evaluate:
    queue = SqsQueue(_client("sqs", settings), settings.letter_queue_url)
    return Evaluate(_config(settings), _repo(settings), queue)


@cache
def send_deps(settings: Settings) -> SendDeps:
    from dunning.adapters.ses import ONE_ATTEMPT, SesLetterMailer

    return SendDeps(
        config=_config(settings),
        repo=_repo(settings),
        renderer=_renderer(),
        pdf=_pdf(),
        mailer=SesLetterMailer(_client("ses", settings, config=ONE_ATTEMPT)),
        documents=S3DocumentStore(_client("s3", settings), settings.letter_bucket),
        clock=Clock(settings.fixed_now),
    )


@cache
def _renderer() -> Any:
    from dunning.adapters.rendering import LetterRenderer

    return LetterRenderer([templates_dir()])


@cache
def _pdf() -> Any:
    # Imported here: only the render-and-send function carries WeasyPrint.
    from dunning.adapters.weasyprint_pdf import WeasyPrintPdf

    return WeasyPrintPdf(templates_dir())


@cache
def import_deps(settings: Settings, bucket: str) -> ImportDeps:
    return ImportDeps(
        _config(settings),
        _repo(settings),
        S3Files(_client("s3", settings), bucket),
        Clock(settings.fixed_now),
    )


@cache
def api_deps(settings: Settings) -> Any:
    from dunning.api import ApiDeps

    return ApiDeps(_config(settings), _repo(settings))
