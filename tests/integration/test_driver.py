"""The local driver delivers what AWS would, to the real handlers."""

import json
from datetime import UTC, datetime

import pytest

from dunning.messages import LetterJob, SendLetters
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

CONFIG = (
    b"subsidiaries:\n  - {id: NL01, name: Acme, base_currency: EUR, "
    b"timezone: Europe/Amsterdam}\nprocedures: []\n"
)


def _count(aws: EmbeddedAws, queue: str) -> int:
    attrs = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.deployment.refs[queue],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def test_a_poison_message_fails_alone_and_reaches_the_dlq(aws: EmbeddedAws, driver: LocalDriver):
    sqs = aws.client("sqs")
    url = aws.deployment.refs["LetterQueue"]
    job = SendLetters((LetterJob("NOBODY", "L20260101-0"),)).to_json()
    sqs.send_message(QueueUrl=url, MessageBody=job)
    sqs.send_message(QueueUrl=url, MessageBody="this is not a letter job")
    before = driver.invocations.get("RenderAndSendFunction", 0)
    driver.drain()
    assert _count(aws, "LetterQueue") == 0
    dead = sqs.receive_message(
        QueueUrl=aws.deployment.refs["LetterDeadLetterQueue"], MaxNumberOfMessages=10
    )["Messages"]
    assert [m["Body"] for m in dead] == ["this is not a letter job"]
    # the good job went through once; the poison one came back until maxReceiveCount
    assert driver.invocations["RenderAndSendFunction"] - before >= 5


def test_api_gateway_events_reach_the_api_handler(driver: LocalDriver):
    assert driver.api("GET", "/health") == (200, {"status": "ok"})
    status, body = driver.api("GET", "/letters", query={"status": "bogus"})
    assert status == 422 and "status" in body["message"]
    status, body = driver.api("GET", "/letters", query={"status": "sent"})
    assert status == 200 and body["count"] == len(body["letters"])


def test_schedule_event_carries_the_scheduled_time(aws: EmbeddedAws, driver: LocalDriver):
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG
    )
    # 05:00 UTC is 06:00 in Amsterdam in November: NL01's morning, with no customers yet
    result = driver.fire_schedule(datetime(2026, 11, 23, 5, tzinfo=UTC))
    assert result == {"started": {"NL01": 0}, "skipped": {}, "stale": []}
    again = driver.fire_schedule(datetime(2026, 11, 23, 5, tzinfo=UTC))
    # a repeated schedule event: skipped, but not held back by the freshness guard
    assert again == {"started": {}, "skipped": {"NL01": "already run for 2026-11-23"}, "stale": []}
    assert driver.fire_schedule(datetime(2026, 11, 23, 9, tzinfo=UTC))["started"] == {}


def test_s3_drop_is_imported_and_a_redelivered_event_changes_nothing(
    aws: EmbeddedAws, driver: LocalDriver
):
    s3 = aws.client("s3")
    aws_bucket = aws.deployment.refs["ImportBucket"]
    s3.put_object(Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=CONFIG)
    body = (
        b"customer_id,subsidiary_id,name,email,language,currency\n"
        b"C9,NL01,Acme BV,a@b.example,nl,EUR\n"
    )
    (first,) = driver.put_object("ImportBucket", "incoming/t/customers.csv", body)
    assert first[0]["moved_to"] == "processed/t/customers.csv"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=aws_bucket)["Contents"]]
    assert "incoming/t/customers.csv" not in keys
    # the same notification again: the file is gone from incoming/, nothing happens
    from dunning_local.driver import s3_event

    again = driver.invoke(
        "ImportFunction",
        s3_event(
            aws_bucket, "incoming/t/customers.csv", {"ContentLength": len(body), "ETag": '"x"'}
        ),
    )
    assert again[0]["moved_to"] == "already handled"
    assert json.loads(json.dumps(again))  # plain JSON, as Lambda returns it
