"""The composition root: real adapters wired into each use case's dependency bundle.

Built on the first invocation and kept for the container's life (cached by the
settings, so a test's runtime with other names gets its own bundle). Nothing
here runs at import time.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3

from dunning.adapters.dynamodb.daily_run import DailyRunTable
from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
from dunning.adapters.dynamodb.models import bind
from dunning.adapters.s3 import S3ConfigSource, S3DocumentStore, S3Files
from dunning.adapters.sqs import SqsQueue, SqsRedelivery
from dunning.settings import Settings
from dunning.usecases.evaluate import Evaluate
from dunning.usecases.fan_out import FanOut
from dunning.usecases.import_run import ImportDeps
from dunning.usecases.send_letter import SendDeps

logger = logging.getLogger(__name__)


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
    return cached_client(service, settings.region, settings.endpoint_url, config)


@cache
def cached_client(service: str, region: str, endpoint: str | None, config: Any) -> Any:
    # One session: clients share its loaded service models (building them is slow).
    # The endpoint is part of the key: boto3 reads AWS_ENDPOINT_URL when it builds one.
    return _session().client(service, region_name=region, config=config)


@cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def bind_table(settings: Settings) -> None:
    """Point the dunning table's models at the settings' table (before any table class)."""
    bind(settings.table_name, settings.region, settings.dynamodb_endpoint)


def _config(settings: Settings) -> S3ConfigSource:
    return S3ConfigSource(_client("s3", settings), settings.config_bucket, settings.config_key)


@cache
def fan_out_deps(settings: Settings) -> FanOut:
    bind_table(settings)
    queue = SqsQueue(_client("sqs", settings), settings.evaluation_queue_url)
    return FanOut(_config(settings), DailyRunTable(), queue, settings.run_hour, settings.shard_size)


@cache
def evaluate_deps(settings: Settings) -> Evaluate:
    bind_table(settings)
    from dunning.adapters.dynamodb.figures import FiguresWriter
    from dunning.adapters.template_languages import TemplateLanguages

    queue = SqsQueue(_client("sqs", settings), settings.letter_queue_url)
    # The shipped templates (the templates layer): a pending letter's language.
    languages = TemplateLanguages([templates_dir()])
    clock = Clock(settings.fixed_now)
    deps = Evaluate(_config(settings), DailyRunTable(), queue, languages, FiguresWriter(), clock)
    return replace(deps, thanks=_thanks_deps(settings, clock))


def _thanks_deps(settings: Settings, clock: Clock) -> Any:
    """Thank-you notes go out from the evaluation: Jinja only (no PDF), SES in one
    attempt as letters are, with the letters' template overrides. The renderer and the
    SES client are built when the first note goes: most evaluations send none, and
    their cold start stays as light as before."""
    from dunning.adapters.dynamodb.thanks_ledger import ThanksLedgerTable
    from dunning.usecases.send_thanks import ThanksDeps

    def mailer() -> Any:
        from dunning.adapters.ses import ONE_ATTEMPT, SesLetterMailer

        client = _client("ses", settings, config=ONE_ATTEMPT)
        return SesLetterMailer(client, settings.ses_configuration_set, clock)

    def renderer() -> Any:
        return _renderer((*_template_overrides(settings), templates_dir()))

    return ThanksDeps(ThanksLedgerTable(), _OnFirstUse(renderer), _OnFirstUse(mailer), clock)


class _OnFirstUse:
    """An adapter built on its first call."""

    def __init__(self, build: Any) -> None:
        self._build = build
        self._built: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            self._built = self._build()
        return getattr(self._built, name)


@cache
def send_deps(settings: Settings) -> SendDeps:
    from dunning.adapters.ses import ONE_ATTEMPT, SesLetterMailer

    dirs = (*_template_overrides(settings), templates_dir())
    bind_table(settings)
    clock = Clock(settings.fixed_now)
    mailer = SesLetterMailer(
        _client("ses", settings, config=ONE_ATTEMPT), settings.ses_configuration_set, clock
    )
    return SendDeps(
        config=_config(settings),
        repo=LetterLedgerTable(),
        renderer=_renderer(dirs),
        pdf=_pdf(dirs),
        mailer=mailer,
        documents=S3DocumentStore(_client("s3", settings), settings.letter_bucket),
        clock=clock,
        redelivery=SqsRedelivery(_client("sqs", settings), settings.letter_queue_url)
        if settings.letter_queue_url
        else None,
        sms=_sms(settings, dirs),
    )


def _sms(settings: Settings, dirs: tuple[Path, ...]) -> Any:
    """Texts with SNS: Publish on a client of one attempt (no idempotency token), the
    opt-out check on the usual retries."""
    from dunning.adapters.dynamodb.phone_marks import PhoneMarksTable
    from dunning.adapters.ses import ONE_ATTEMPT
    from dunning.adapters.sms_renderer import JinjaSmsRenderer
    from dunning.adapters.sns import SnsTexter
    from dunning.usecases.send_sms import SmsDeps

    texter = SnsTexter(
        _client("sns", settings, config=ONE_ATTEMPT),
        settings.sms_sender_id,
        reader=_client("sns", settings),
    )
    return SmsDeps(JinjaSmsRenderer(list(dirs)), texter, PhoneMarksTable())


@cache
def print_room_deps(settings: Settings) -> Any:
    from dunning.adapters.print_room import S3PrintRoom
    from dunning.usecases.publish_print_room import PrintRoomDeps

    room = S3PrintRoom(_client("s3", settings), settings.letter_bucket)
    return PrintRoomDeps(_config(settings), room, settings.print_hour, settings.print_lookback_days)


@cache
def feedback_deps(settings: Settings) -> Any:
    from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
    from dunning.adapters.dynamodb.tracking import TrackingTable
    from dunning.usecases.record_feedback import FeedbackDeps

    bind_table(settings)
    return FeedbackDeps(
        repo=BounceMarksTable(), clock=Clock(settings.fixed_now), tracking=TrackingTable()
    )


def _template_overrides(settings: Settings) -> tuple[Path, ...]:
    """Template overrides, first in line: a local folder when one is named, else the
    config bucket's TEMPLATES_PREFIX copied to /tmp on the container's first use."""
    if settings.templates_override_dir:
        return (Path(settings.templates_override_dir),)
    if not settings.templates_prefix:
        return ()
    return _synced_overrides(
        settings.config_bucket, settings.templates_prefix, settings.region, settings.endpoint_url
    )


@cache
def _synced_overrides(
    bucket: str, prefix: str, region: str, endpoint: str | None
) -> tuple[Path, ...]:
    from dunning.adapters.template_sync import sync_prefix

    where = hashlib.sha256(f"{endpoint}|{bucket}|{prefix}".encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / "templates-override" / where
    result = sync_prefix(cached_client("s3", region, endpoint, None), bucket, prefix, folder)
    for key, why in result.skipped.items():
        logger.warning("template override s3://%s/%s skipped: %s", bucket, key, why)
    return (folder,) if result.copied else ()


@cache
def _renderer(dirs: tuple[Path, ...] | None = None) -> Any:
    from dunning.adapters.rendering import LetterRenderer

    return LetterRenderer(list(dirs or (templates_dir(),)))


@cache
def _pdf(dirs: tuple[Path, ...] | None = None) -> Any:
    # Imported here: only the render-and-send function carries WeasyPrint.
    from dunning.adapters.weasyprint_pdf import WeasyPrintPdf

    return WeasyPrintPdf(list(dirs or (templates_dir(),)))


@cache
def import_deps(settings: Settings, bucket: str) -> ImportDeps:
    from dunning.adapters.dynamodb.batch import BatchWriter
    from dunning.adapters.dynamodb.erp_data import ErpDataTable
    from dunning.adapters.dynamodb.import_ledger import ImportLedger
    from dunning.domain.imports.tracking import WaitPolicy
    from dunning.usecases.import_run import ImportOptions

    bind_table(settings)
    # Import writes go through BatchWriter: 25 per request, UnprocessedItems retried
    # with backoff and jitter (PynamoDB resends them at once).
    clock = Clock(settings.fixed_now)
    repo = ErpDataTable(
        BatchWriter(_client("dynamodb", settings), settings.table_name),
        today=lambda: clock.now().date(),
    )
    options = ImportOptions(
        chunk_rows=settings.import_chunk_rows,
        reserve_seconds=settings.import_reserve_seconds,
        max_bytes=settings.import_max_bytes,
        wait=WaitPolicy(
            first_delay=settings.import_retry_seconds,
            max_wait=settings.import_max_wait_seconds,
            max_attempts=settings.import_max_attempts,
        ),
    )
    return ImportDeps(
        config=_config(settings),
        repo=repo,
        files=S3Files(_client("s3", settings), bucket),
        clock=Clock(settings.fixed_now),
        ledger=ImportLedger(),
        follow_ups=SqsQueue(_client("sqs", settings), settings.import_queue_url),
        timer=Clock(),
        options=options,
    )


@cache
def api_deps(settings: Settings) -> Any:
    from dunning.adapters.dynamodb.collections_table import CollectionsTable
    from dunning.api import ApiDeps
    from dunning.usecases.collector_actions import CollectorDeps

    bind_table(settings)
    sqs = _client("sqs", settings)
    actions = CollectorDeps(
        config=_config(settings),
        repo=CollectionsTable(),
        evaluations=SqsQueue(sqs, settings.evaluation_queue_url),
        letters=SqsQueue(sqs, settings.letter_queue_url),
        # the preview shows what would be sent: the same overrides as render-and-send
        renderer=_renderer((*_template_overrides(settings), templates_dir())),
        clock=Clock(settings.fixed_now),
        documents=S3DocumentStore(_client("s3", settings), settings.letter_bucket),
    )
    from dunning.adapters.dynamodb.figures_read import FiguresReader
    from dunning.usecases.dashboard import DashboardDeps

    dashboard = DashboardDeps(_config(settings), FiguresReader(), Clock(settings.fixed_now))
    people = (lambda client_id: sign_in(settings, client_id)) if settings.user_pool_id else None
    key = settings.pages_secret.encode() or None
    return ApiDeps(actions, settings.allowed_origin, dashboard, people, pages_key=key)


@cache
def sign_in(settings: Settings, client_id: str) -> Any:
    """People's sign-in with the settings' user pool, for the stage's app client."""
    from dunning.adapters.cognito import CognitoSignIn, UserPool

    if not settings.user_pool_id:
        raise RuntimeError("environment variable USER_POOL_ID is not set")
    pool = UserPool(
        settings.region, settings.user_pool_id, settings.sign_in_domain, settings.endpoint_url
    )
    return CognitoSignIn(pool, client_id)
