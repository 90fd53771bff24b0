"""Messages postponed when SES takes no more mail: the SQS adapter against moto, and
the render function wired to its own queue by template.yaml."""

from __future__ import annotations

import uuid

import pytest

from dunning.adapters.sqs import SqsRedelivery
from dunning.composition import send_deps
from dunning.settings import Settings
from dunning_local.aws import EmbeddedAws

pytestmark = pytest.mark.integration


def test_a_postponed_message_stays_away_then_comes_back(aws: EmbeddedAws):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"postpone-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for n in range(12):  # more than one ChangeMessageVisibilityBatch
        sqs.send_message(QueueUrl=url, MessageBody=f"m{n}")
    got = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        got += batch
    handles = [m["ReceiptHandle"] for m in got]
    assert len(handles) == 12
    SqsRedelivery(sqs, url).postpone(handles[:2], 3600)
    SqsRedelivery(sqs, url).postpone(handles[2:], 0)
    back = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        back += batch
    assert sorted(m["Body"] for m in back) == sorted(f"m{n}" for n in range(2, 12))


def test_the_render_function_postpones_on_its_own_letter_queue(aws: EmbeddedAws):
    with aws.function_env("RenderAndSendFunction"):
        settings = Settings.from_env()
        deps = send_deps(settings)
    assert settings.letter_queue_url == aws.deployment.refs["LetterQueue"]
    assert isinstance(deps.redelivery, SqsRedelivery)
