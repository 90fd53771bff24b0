"""Every terminal or stuck state reaches a person: the real handlers, on the embedded
AWS, count what the alarms watch (CloudWatch EMF on stdout) and log the ids of what
they were about, failures at ERROR (README, "Failure modes and alarms")."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from observed import observing

from dunning.domain.configuration.parse import ConfigError
from dunning.messages import EvaluateShard, LetterJob, SendLetters
from dunning.usecases.evaluate import Evaluate
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver, sqs_record

pytestmark = pytest.mark.integration

# OBS1 duns every morning; OBS2 wants data at most a day old and has never had any.
CONFIG = b"""\
subsidiaries:
  - {id: OBS1, name: Acme Obs, base_currency: EUR, timezone: UTC}
  - {id: OBS2, name: Acme Stale, base_currency: EUR, timezone: UTC, max_import_age_hours: 24}
procedures: []
"""
CUSTOMERS = (
    b"customer_id,subsidiary_id,name,email,language,currency\n"
    b"OBSC1,OBS1,Obs BV,ap@obs.example,en,EUR\n"
)


@pytest.fixture
def configured(aws: EmbeddedAws) -> None:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG
    )


def _receive_one(aws: EmbeddedAws, queue: str) -> dict:
    sqs = aws.client("sqs")
    (message,) = sqs.receive_message(QueueUrl=aws.deployment.refs[queue])["Messages"]
    sqs.delete_message(QueueUrl=aws.deployment.refs[queue], ReceiptHandle=message["ReceiptHandle"])
    return sqs_record(message, aws.deployment.attrs[f"{queue}.Arn"])


def test_imports_accepted_and_rejected_are_counted_and_logged_by_their_key(
    configured: None, driver: LocalDriver
):
    with observing(driver, "ImportFunction") as seen:
        (good,) = driver.put_object("ImportBucket", "incoming/obs/customers.csv", CUSTOMERS)
        (bad,) = driver.put_object("ImportBucket", "incoming/obs2/customers.csv", b"a,b\n1,2\n")
    assert (good[0]["status"], bad[0]["status"]) == ("imported", "rejected")
    assert seen.metric("importer", "ImportsAccepted") == 1
    assert seen.metric("importer", "ImportsRejected") == 1
    steps = seen.lines("import step")
    assert [s["import_keys"] for s in steps] == [
        ["incoming/obs/customers.csv"],
        ["incoming/obs2/customers.csv"],
    ]


def test_the_scheduler_counts_runs_started_and_runs_the_freshness_guard_held_back(
    configured: None, driver: LocalDriver
):
    driver.put_object("ImportBucket", "incoming/obs/customers.csv", CUSTOMERS)
    with observing(driver, "SchedulerFunction", "EvaluateFunction") as seen:
        summary = driver.fire_schedule(datetime(2033, 5, 2, 6, tzinfo=UTC))
        driver.drain(only=["EvaluationQueue"])
    assert summary["started"].get("OBS1") == 1 and summary["stale"] == ["OBS2"]
    assert seen.metric("scheduler", "RunsStarted") == len(summary["started"])
    assert seen.metric("scheduler", "RunsSkippedStale") == 1
    # a repeated schedule event skips the run again, but it is not stale data
    with observing(driver, "SchedulerFunction") as again:
        repeated = driver.fire_schedule(datetime(2033, 5, 2, 6, tzinfo=UTC))
    assert "OBS1" in repeated["skipped"] and again.metric("scheduler", "RunsSkippedStale") == 1
    # the run id (the hour it is for) is on the scheduler's lines
    (fanned,) = seen.lines("daily run fanned out")
    assert fanned["correlation_id"] == "2033-05-02T06:00:00Z"
    # the shard was evaluated, and its line names it
    assert seen.metric("evaluate", "ShardsEvaluated") >= 1
    shards = [line["shard"] for line in seen.lines("shard evaluated")]
    assert "OBS1/2033-05-02/OBSC1..OBSC1" in shards


class UnreadableConfig:
    def load(self) -> Any:
        raise ConfigError("dunning.yaml: line 3: mapping values are not allowed here")


def test_a_shard_that_fails_is_logged_at_error_with_its_message_and_shard(
    aws: EmbeddedAws, driver: LocalDriver
):
    shard = EvaluateShard("OBS1", date(2033, 5, 3), "A", "B")
    aws.client("sqs").send_message(
        QueueUrl=aws.deployment.refs["EvaluationQueue"], MessageBody=shard.to_json()
    )
    record = _receive_one(aws, "EvaluationQueue")
    driver.deps["EvaluateFunction"] = Evaluate(UnreadableConfig(), None, None)  # type: ignore[arg-type]
    try:
        with observing(driver, "EvaluateFunction") as seen, pytest.raises(BatchProcessingError):
            driver.invoke("EvaluateFunction", {"Records": [record]})
    finally:
        del driver.deps["EvaluateFunction"]
    (error,) = seen.lines("failed")
    assert error["level"] == "ERROR" and error["exception"]
    assert error["message_id"] == record["messageId"]
    assert error["shard"] == "OBS1/2033-05-03/A..B"
    assert seen.metric("evaluate", "ShardsEvaluated") is None  # nothing was
    # the keys were for that record only
    assert not any("shard" in line for line in seen.logs if line is not error)


def test_a_letter_message_that_fails_is_logged_at_error_with_its_message_id(
    aws: EmbeddedAws, driver: LocalDriver
):
    aws.client("sqs").send_message(
        QueueUrl=aws.deployment.refs["LetterQueue"], MessageBody="this is not a letter job"
    )
    record = _receive_one(aws, "LetterQueue")
    with observing(driver, "RenderAndSendFunction") as seen, pytest.raises(BatchProcessingError):
        driver.invoke("RenderAndSendFunction", {"Records": [record]})
    (error,) = seen.lines("failed")
    assert error["level"] == "ERROR" and error["message_id"] == record["messageId"]


def test_letter_jobs_carry_their_letter_ids_and_unknown_ones_count_as_no_outcome(
    aws: EmbeddedAws, driver: LocalDriver
):
    job = SendLetters((LetterJob("NOBODY", "L20330501-0"),))
    aws.client("sqs").send_message(
        QueueUrl=aws.deployment.refs["LetterQueue"], MessageBody=job.to_json()
    )
    record = _receive_one(aws, "LetterQueue")
    with observing(driver, "RenderAndSendFunction") as seen:
        assert driver.invoke("RenderAndSendFunction", {"Records": [record]}) == {
            "batchItemFailures": []
        }
    (delivered,) = seen.lines("letter delivered")
    assert (delivered["letter_id"], delivered["outcome"]) == ("L20330501-0", "unknown")
    for name in ("Sent", "Printed", "Dropped", "Failed", "NeedingReconciliation"):
        assert seen.metric("render_and_send", f"Letters{name}") == 0


def test_tracing_is_off_outside_lambda_and_needs_no_x_ray(driver: LocalDriver):
    for function in driver.aws.template.functions():
        tracer = inspect.unwrap(driver._handler(function)).__globals__["tracer"]
        assert tracer.disabled, function


def test_an_import_follow_up_that_fails_is_logged_at_error_with_its_message_and_key(
    aws: EmbeddedAws, driver: LocalDriver
):
    body = '{"bucket": "nowhere-bucket", "key": "incoming/x/customers.csv"}'  # no etag: broken
    aws.client("sqs").send_message(QueueUrl=aws.deployment.refs["ImportQueue"], MessageBody=body)
    record = _receive_one(aws, "ImportQueue")
    with observing(driver, "ImportFunction") as seen, pytest.raises(BatchProcessingError):
        driver.invoke("ImportFunction", {"Records": [record]})
    (error,) = seen.lines("failed")
    assert error["level"] == "ERROR" and error["message_ids"] == [record["messageId"]]
    assert error["import_keys"] == [None]  # the body names no whole object version
