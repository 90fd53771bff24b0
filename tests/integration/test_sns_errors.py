"""SNS errors as SNS sends them: a loopback HTTP server answers Publish with SNS's own
XML error bodies, and the real boto3 client, built as the render function builds it
(composition.send_deps), talks to it. Counting the requests proves the one attempt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from dunning.composition import send_deps
from dunning.ports import MessageRejected, OptedOut, TransientError
from dunning.settings import Settings

pytestmark = pytest.mark.integration

ERROR_XML = """<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>0f5e7c1a-5b1e-4c53-9d0b-example</RequestId>
</ErrorResponse>
"""
PUBLISHED_XML = """<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
  <ResponseMetadata><RequestId>f187a3c1-376f-11df-8963-01868b7c937a</RequestId></ResponseMetadata>
</PublishResponse>
"""


class FakeSns(ThreadingHTTPServer):
    answer: tuple[int, str] = (400, "")
    requests: list[dict[str, list[str]]]


class _Answer(BaseHTTPRequestHandler):
    server: FakeSns

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self.server.requests.append(parse_qs(body))
        status, text = self.server.answer
        payload = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def sns(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSns]:
    server = FakeSns(("127.0.0.1", 0), _Answer)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for key, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "eu-west-1",
        "TABLE_NAME": "dunning-sns-test",  # named, never reached
        "CONFIG_BUCKET": "dunning-sns-test",
        "TEMPLATES_PREFIX": "",
        "SMS_SENDER_ID": "ACME",
        # Retries asked for from the environment: the client's own config must win.
        "AWS_MAX_ATTEMPTS": "5",
        "AWS_RETRY_MODE": "standard",
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def text(server: FakeSns, status: int, body: str) -> str:
    server.answer = (status, body)
    deps = send_deps(Settings.from_env())
    assert deps.sms is not None
    return deps.sms.texter.send_text("+31612345678", "Acme: EUR 10,00 open. Pay: https://x.example")


def test_the_sns_client_makes_exactly_one_attempt(sns: FakeSns):
    with pytest.raises(TransientError):
        text(sns, 400, ERROR_XML.format(code="Throttling", message="Rate exceeded"))
    assert len(sns.requests) == 1  # botocore would retry a throttling answer: no token
    with pytest.raises(TransientError):
        text(sns, 500, ERROR_XML.format(code="InternalError", message="Internal failure"))
    assert len(sns.requests) == 2


def test_a_text_is_published_transactional_with_the_sender_id(sns: FakeSns):
    assert text(sns, 200, PUBLISHED_XML) == "94f20ce6-13c5-43a0-9a9e-ca52d816e90b"
    (request,) = sns.requests
    assert request["Action"] == ["Publish"] and request["PhoneNumber"] == ["+31612345678"]
    attributes = {
        request[f"MessageAttributes.entry.{n}.Name"][0]: request[
            f"MessageAttributes.entry.{n}.Value.StringValue"
        ][0]
        for n in (1, 2)
    }
    assert attributes == {"AWS.SNS.SMS.SMSType": "Transactional", "AWS.SNS.SMS.SenderID": "ACME"}


def test_an_opted_out_answer_and_a_bad_number_are_refused_for_good(sns: FakeSns):
    with pytest.raises(OptedOut):
        text(sns, 400, ERROR_XML.format(code="OptedOut", message="Phone number is opted out"))
    with pytest.raises(MessageRejected, match="InvalidParameter"):
        text(sns, 400, ERROR_XML.format(code="InvalidParameter", message="Invalid phone number"))
    assert len(sns.requests) == 2
