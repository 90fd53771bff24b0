"""The batch writer against DynamoDB Local, with faults injected through botocore's
event hooks on the real client: DynamoDB leaving items unprocessed, throttling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dunning.adapters.dynamodb.batch import BATCH, BatchWriter
from dunning.ports import TransientError
from dunning_local.aws import REGION, EmbeddedAws

pytestmark = pytest.mark.integration


@pytest.fixture
def client(aws: EmbeddedAws) -> Iterator[Any]:
    """A client of its own: the hooks of one test touch no other."""
    session = boto3.session.Session()
    yield session.client("dynamodb", region_name=REGION, endpoint_url=aws.dynamodb.url)


def _items(prefix: str, n: int) -> list[dict[str, Any]]:
    return [
        {
            "pk": {"S": f"BW#{prefix}"},
            "sk": {"S": f"{i:04d}"},
            "kind": {"S": "mark"},
            "at": {"S": "x"},
        }
        for i in range(n)
    ]


def _stored(client: Any, table: str, prefix: str) -> list[str]:
    pages = client.get_paginator("query").paginate(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"BW#{prefix}"}},
        ConsistentRead=True,
    )
    return [item["sk"]["S"] for page in pages for item in page["Items"]]


class Unprocessed:
    """Lets DynamoDB process at most `keep` items of each BatchWriteItem, `times` times, and
    hands the rest back as UnprocessedItems, as DynamoDB does under throttling."""

    def __init__(self, client: Any, keep: int, times: int):
        self.keep, self.times = keep, times
        self.requests: list[int] = []  # items sent per request
        self._held: list[Any] = []
        events = client.meta.events
        events.register("before-parameter-build.dynamodb.BatchWriteItem", self._before)
        events.register("after-call.dynamodb.BatchWriteItem", self._after)

    def _before(self, params: dict[str, Any], **_: Any) -> None:
        ((table, requests),) = params["RequestItems"].items()
        self.requests.append(len(requests))
        if self.times > 0:
            self.times -= 1
            params["RequestItems"][table] = requests[: self.keep]
            self._held = [(table, r) for r in requests[self.keep :]]

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        if self._held:
            table = self._held[0][0]
            parsed["UnprocessedItems"] = {table: [r for _, r in self._held]}
            self._held = []


def test_items_are_written_25_per_request(aws: EmbeddedAws, client: Any):
    table = aws.deployment.refs["DunningTable"]
    meter = Unprocessed(client, keep=BATCH, times=0)
    written = BatchWriter(client, table).put_all(_items("plain", 60))
    assert written == 60
    assert meter.requests == [25, 25, 10]
    assert len(_stored(client, table, "plain")) == 60


def test_unprocessed_items_are_retried_with_growing_jittered_pauses(aws: EmbeddedAws, client: Any):
    table = aws.deployment.refs["DunningTable"]
    meter = Unprocessed(client, keep=5, times=4)  # 25 -> 20 left -> 15 -> 10 -> 5 -> done
    pauses: list[float] = []
    writer = BatchWriter(client, table, base_delay=0.1, max_delay=0.5, sleep=pauses.append)
    assert writer.put_all(_items("retried", 25)) == 25
    assert meter.requests == [25, 20, 15, 10, 5]
    assert sorted(_stored(client, table, "retried")) == [f"{i:04d}" for i in range(25)]
    assert len(pauses) == 4  # one before each retry, none before the first request
    caps = [min(0.5, 0.1 * 2**attempt) for attempt in range(1, 5)]  # 0.2, 0.4, 0.5, 0.5
    assert all(0 <= pause <= cap for pause, cap in zip(pauses, caps, strict=True))
    assert len(set(pauses)) == 4  # jittered, not a fixed schedule


def test_items_still_unprocessed_after_the_last_attempt_raise_a_transient_error(
    aws: EmbeddedAws, client: Any
):
    table = aws.deployment.refs["DunningTable"]
    Unprocessed(client, keep=1, times=100)
    writer = BatchWriter(client, table, max_attempts=3, sleep=lambda _: None)
    with pytest.raises(TransientError, match="left 7 of 10 items unprocessed after 3"):
        writer.put_all(_items("exhausted", 10))
    assert len(_stored(client, table, "exhausted")) == 3  # one per attempt got through


def test_throttling_becomes_a_transient_error_and_a_bad_request_does_not(
    aws: EmbeddedAws, client: Any
):
    table = aws.deployment.refs["DunningTable"]

    def throttled(**_: Any) -> None:
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}
        raise ClientError(error, "BatchWriteItem")

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", throttled)
    with pytest.raises(TransientError, match="ProvisionedThroughputExceededException"):
        BatchWriter(client, table).put_all(_items("throttled", 3))
    client.meta.events.unregister("before-call.dynamodb.BatchWriteItem", throttled)
    bad = [{"pk": {"S": "BW#bad"}}]  # no sort key: a bug, not a passing condition
    with pytest.raises(ValueError, match="no key attribute 'sk'"):
        BatchWriter(client, table).put_all(bad)


def test_a_key_repeated_in_a_batch_closes_it_and_the_later_item_wins(aws: EmbeddedAws, client: Any):
    table = aws.deployment.refs["DunningTable"]
    meter = Unprocessed(client, keep=BATCH, times=0)
    first, second = _items("twice", 2)
    again = dict(first) | {"at": {"S": "later"}}
    assert BatchWriter(client, table).put_all([first, second, again]) == 3
    assert meter.requests == [2, 1]  # DynamoDB refuses one key twice in a request
    got = client.get_item(
        TableName=table, Key={"pk": first["pk"], "sk": first["sk"]}, ConsistentRead=True
    )
    assert got["Item"]["at"] == {"S": "later"}
