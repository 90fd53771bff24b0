"""No lost day: the scheduler's fan-out is safe to repeat, through the real scheduler
handler on the embedded AWS with SendMessageBatch failing where SQS would (SPEC 2.6;
ENGINEERING reliability promises)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from dunning.adapters.dynamodb.models import bind
from dunning.adapters.sqs import SqsQueue
from dunning.composition import fan_out_deps
from dunning.domain.model import Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

SCHEDULER = "SchedulerFunction"
DAY = date(2026, 10, 5)
MORNING = datetime(2026, 10, 5, 6, tzinfo=UTC)  # the subsidiary is on UTC, RunHour 6


class FailingBatches:
    """A real SQS client whose SendMessageBatch calls numbered in `failing` fail as a
    dropped connection would, before anything reaches SQS."""

    def __init__(self, failing: set[int]):
        self.client = boto3.session.Session().client("sqs", region_name=REGION)
        self.client.meta.events.register("before-call.sqs.SendMessageBatch", self._call)
        self.failing = failing
        self.calls = 0

    def _call(self, **_: Any) -> None:
        self.calls += 1
        if self.calls in self.failing:
            raise EndpointConnectionError(endpoint_url="https://sqs.injected.example")


@pytest.fixture
def sub(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[str]:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    aws.client("ses").verify_domain_identity(Domain="acme.example")
    sub = f"F{uuid.uuid4().hex[:6].upper()}"
    config = (
        f"subsidiaries:\n  - {{id: {sub}, name: Acme, base_currency: EUR, timezone: UTC, "
        f"locale: en, sender: collections@acme.example, default_procedure: STD}}\n"
        "procedures:\n  - id: STD\n    applies_to: customer\n"
        "    levels:\n      - {days: 1, template: friendly}\n"
    )
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=config.encode()
    )
    yield sub
    driver.deps.pop(SCHEDULER, None)


def overdue_customers(sub: str, n: int) -> list[str]:
    cids = [f"C{i:02d}" for i in range(n)]
    repo = DunningTable()
    repo.put_customers(
        [Customer(c, sub, f"Customer {c}", emails=(f"ap@{c.lower()}.example",)) for c in cids]
    )
    due = DAY - timedelta(days=3)
    amount = Decimal("100.00")
    repo.put_invoices(
        [
            Invoice(f"I{c}", c, f"NR-{c}", due - timedelta(days=30), due, "EUR", amount, amount)
            for c in cids
        ]
    )
    return cids


def scheduler_with(aws: EmbeddedAws, sqs: FailingBatches, shard_size: int) -> Any:
    with aws.function_env(SCHEDULER):
        settings = Settings.from_env()
    deps = fan_out_deps(settings)
    queue = SqsQueue(sqs.client, settings.evaluation_queue_url)
    return replace(deps, evaluations=queue, shard_size=shard_size)


def letter_statuses(sub: str, cids: list[str]) -> list[str | None]:
    repo = DunningTable()
    found = [
        repo.get_letter(c, letter_id_for(sub, ScopeRef(ScopeKind.CUSTOMER, c, "EUR"), DAY))
        for c in cids
    ]
    return [f.status if f else None for f in found]


def dead_schedule_events(aws: EmbeddedAws) -> list[dict[str, Any]]:
    sqs, url = aws.client("sqs"), aws.deployment.refs["SchedulerDeadLetterQueue"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_a_fan_out_that_fails_part_way_is_retried_and_every_customer_gets_the_letter(
    aws: EmbeddedAws, driver: LocalDriver, sub: str, monkeypatch: pytest.MonkeyPatch
):
    # One customer per shard: 11 shards are two batches; the first is sent, the second fails.
    cids = overdue_customers(sub, 11)
    sqs = FailingBatches(failing={2})
    driver.deps[SCHEDULER] = scheduler_with(aws, sqs, shard_size=1)
    result = driver.fire_schedule(MORNING)  # fails, and Lambda retries the event
    assert result == {"started": {sub: 11}, "skipped": {}, "stale": []}
    assert driver.fire_schedule(MORNING)["skipped"] == {sub: f"already run for {DAY}"}
    driver.drain(only=["EvaluationQueue"])  # ten shards twice: evaluation is idempotent
    monkeypatch.setenv("DUNNING_FIXED_NOW", f"{DAY.isoformat()}T12:00:00+00:00")
    driver.drain()
    assert letter_statuses(sub, cids) == ["sent"] * 11
    assert dead_schedule_events(aws) == []


def test_a_fan_out_failing_every_attempt_reaches_the_dlq_and_its_redrive_runs_the_day(
    aws: EmbeddedAws, driver: LocalDriver, sub: str
):
    cids = overdue_customers(sub, 1)
    sqs = FailingBatches(failing={1, 2, 3})
    driver.deps[SCHEDULER] = scheduler_with(aws, sqs, shard_size=500)
    assert driver.fire_schedule(MORNING) is None and sqs.calls == 3
    (event,) = dead_schedule_events(aws)
    assert event == {"scheduled_time": "2026-10-05T06:00:00Z"}
    # the operator redrives the event once SQS is back: the day was never marked as run
    assert driver.invoke(SCHEDULER, event) == {"started": {sub: 1}, "skipped": {}, "stale": []}
    driver.drain(only=["EvaluationQueue"])
    assert letter_statuses(sub, cids) == ["queued"]
