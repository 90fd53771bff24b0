"""The SQS adapter against botocore's Stubber on a real client: SendMessageBatch answers
200 with some entries `Failed`, and those must be sent again, or their messages are lost
without an error."""

import boto3
import pytest
from botocore.stub import Stubber

from dunning.adapters import sqs as sqs_adapter
from dunning.adapters.sqs import ATTEMPTS, SqsQueue
from dunning.ports import TransientError

pytestmark = pytest.mark.unit

URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/evaluations"


def entries(bodies: dict[str, str]) -> list[dict[str, str]]:
    return [{"Id": k, "MessageBody": v} for k, v in bodies.items()]


def answer(ok: list[str], failed: list[str]) -> dict[str, list[dict[str, object]]]:
    return {
        "Successful": [{"Id": i, "MessageId": f"m{i}", "MD5OfMessageBody": "x"} for i in ok],
        "Failed": [
            {"Id": i, "SenderFault": False, "Code": "InternalError", "Message": "try again"}
            for i in failed
        ],
    }


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sqs_adapter.time, "sleep", lambda _: None)
    client = boto3.session.Session().client(
        "sqs", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        yield client, stub


def test_entries_a_batch_reports_failed_are_sent_again_and_only_they(stubbed):
    client, stub = stubbed
    stub.add_response(
        "send_message_batch",
        answer(ok=["0", "2"], failed=["1"]),
        {"QueueUrl": URL, "Entries": entries({"0": "a", "1": "b", "2": "c"})},
    )
    stub.add_response(
        "send_message_batch",
        answer(ok=["1"], failed=[]),
        {"QueueUrl": URL, "Entries": entries({"1": "b"})},
    )
    assert SqsQueue(client, URL).send_all(["a", "b", "c"]) == 3
    stub.assert_no_pending_responses()


def test_an_entry_failing_every_attempt_is_a_transient_error_not_a_silent_loss(stubbed):
    client, stub = stubbed
    for _ in range(ATTEMPTS):
        stub.add_response("send_message_batch", answer(ok=[], failed=["0"]))
    with pytest.raises(TransientError, match="SQS refused 1 message"):
        SqsQueue(client, URL).send_all(["a"])
    stub.assert_no_pending_responses()
