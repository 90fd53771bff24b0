"""SES errors as SES sends them: a loopback HTTP server answers SendRawEmail with SES's
own XML error bodies, and the real boto3 client, built as the render function builds
it (composition.send_deps), talks to it. Counting the requests proves the one attempt.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dunning.composition import send_deps
from dunning.ports import Envelope, MessageRejected, QuotaExhausted, RenderedLetter, TransientError
from dunning.settings import Settings

pytestmark = pytest.mark.integration

# The body of an SES (query protocol) error answer, as the SES API returns it.
ERROR_XML = """<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">
  <Error>
    <Type>Sender</Type>
    <Code>{code}</Code>
    <Message>{message}</Message>
  </Error>
  <RequestId>6d6e7a1f-5a0c-4bcd-8f43-example</RequestId>
</ErrorResponse>
"""


class FakeSes(ThreadingHTTPServer):
    answer: tuple[int, str] = (400, "")
    requests: int = 0


class _Answer(BaseHTTPRequestHandler):
    server: FakeSes

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests += 1
        status, body = self.server.answer
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def ses(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSes]:
    server = FakeSes(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    for key, value in {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_REGION": "eu-west-1",
        "TABLE_NAME": "dunning-ses-test",  # named, never reached
        "CONFIG_BUCKET": "dunning-ses-test",
        "TEMPLATES_PREFIX": "",  # no overrides to fetch: SES is the only service here
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


def send(server: FakeSes, status: int, code: str, message: str) -> None:
    server.answer = (status, ERROR_XML.format(code=code, message=message))
    mailer = send_deps(Settings.from_env()).mailer  # the render function's own mailer
    envelope = Envelope("L20260910-C1", "ar@acme.example", None, ["ap@c1.example"], [])
    mailer.send(envelope, RenderedLetter("Reminder", "<p>Hi</p>", "Hi", ""), ())


def test_the_ses_client_makes_exactly_one_attempt(ses: FakeSes):
    with pytest.raises(TransientError):
        send(ses, 400, "Throttling", "Maximum sending rate exceeded.")
    assert ses.requests == 1  # botocore would retry a Throttling answer: SES has no token
    with pytest.raises(TransientError):
        send(ses, 503, "ServiceUnavailable", "Service is unavailable.")
    assert ses.requests == 2


def test_the_daily_quota_used_up_stops_sending_a_busy_second_does_not(ses: FakeSes):
    with pytest.raises(QuotaExhausted, match="Daily message quota exceeded"):
        send(ses, 400, "Throttling", "Daily message quota exceeded.")
    with pytest.raises(TransientError) as rate:
        send(ses, 400, "Throttling", "Maximum sending rate exceeded.")
    assert not isinstance(rate.value, QuotaExhausted)
    assert ses.requests == 2


@pytest.mark.parametrize(
    "code", ["AccountSendingPausedException", "ConfigurationSetSendingPausedException"]
)
def test_sending_paused_stops_sending_and_fails_no_letter(ses: FakeSes, code: str):
    with pytest.raises(QuotaExhausted):
        send(ses, 400, code, "Email sending is disabled.")


def test_a_message_ses_refuses_is_rejected_for_good(ses: FakeSes):
    with pytest.raises(MessageRejected, match="Email address is not verified"):
        send(ses, 400, "MessageRejected", "Email address is not verified.")
    assert ses.requests == 1
