"""`dunning serve`: the collections API on localhost, over the embedded AWS.

Each HTTP request becomes the API Gateway REST proxy event AWS would send (path
still percent-encoded, headers, query string, body) and goes to the very API
handler Lambda runs, through the local driver. After a request that changed
something, the queues are drained as SQS would: an approved letter is rendered and
sent, a resumed customer is evaluated.

Each connection has its own thread (a browser keeps several open, and a slow one must
not hold up the rest), but one invocation runs at a time: the driver sets each
function's environment for the length of its invocation. Loopback only: nobody signs
in here; every request acts as the user `local`, with every group unless `--groups`
names fewer (SPEC 2.10), as the people API's authorizer would put it in the request.
"""

from __future__ import annotations

import base64
import ipaddress
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from dunning.domain.control.roles import ALL_GROUPS, Group
from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver, api_event
from dunning_local.imports import LOCAL_IMPORT_PARAMETERS
from dunning_local.simulation import Simulation, environment, read_actions

# What API Gateway leaves as it is in a REST API event's path (RFC 3986 pchar).
PATH_SAFE = "/-._~!$&'()*+,;=:@"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit

StartResponse = Callable[..., Any]


class ApiGateway:
    """A WSGI application that plays API Gateway in front of the API function."""

    def __init__(
        self,
        driver: LocalDriver,
        on_change: Callable[[], Any] | None = None,
        groups: Collection[Group] = ALL_GROUPS,
    ):
        assert driver.api_function, "the template has no API function"
        self.driver = driver
        self.groups = frozenset(groups)  # the local user's
        self.function = driver.api_function
        self.on_change = on_change if on_change is not None else driver.drain
        self._one_at_a_time = threading.Lock()  # invocations and drains, across threads

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        try:
            event = self.event(environ)
        except ValueError as e:
            return _plain(start_response, "400 Bad Request", str(e))
        with self._one_at_a_time:
            response = self.driver.invoke(self.function, event)
        status = int(response["statusCode"])
        headers: dict[str, list[str]] = {}
        for name, value in (response.get("headers") or {}).items():
            headers.setdefault(name, []).append(str(value))
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers[name] = [str(v) for v in values]
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
        pairs = [(name, value) for name, values in headers.items() for value in values]
        pairs.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {_reason(status)}", pairs)
        changed = method not in READS and status < 400
        return _Body(payload, self._drain if changed else None)

    def _drain(self) -> None:
        with self._one_at_a_time:
            self.on_change()

    def event(self, environ: dict[str, Any]) -> dict[str, Any]:
        """The API Gateway REST proxy event of one WSGI request."""
        method = environ["REQUEST_METHOD"].upper()
        try:  # WSGI hands over the decoded path as latin-1 text
            path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("the path is not valid UTF-8") from None
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").title()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > MAX_BODY:
            raise ValueError(f"the body is larger than {MAX_BODY} bytes")
        raw = environ["wsgi.input"].read(length) if length else b""
        event = api_event(method, quote(path, safe=PATH_SAFE), None, None, self.groups)
        event["headers"] = headers
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        event["queryStringParameters"] = {k: v[-1] for k, v in query.items()} or None
        event["multiValueQueryStringParameters"] = query or None
        try:
            event["body"] = raw.decode("utf-8") if raw else None
        except UnicodeDecodeError:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw).decode(), True
        return event


class _Body:
    """The response body; once it is sent, whatever the request queued is delivered."""

    def __init__(self, payload: bytes, after: Callable[[], Any] | None):
        self.payload = payload
        self.after = after

    def __iter__(self) -> Iterator[bytes]:
        yield self.payload

    def close(self) -> None:
        if self.after is not None:
            self.after()


def _plain(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = message.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


class ThreadingWSGIServer(ThreadingHTTPServer, WSGIServer):
    """wsgiref's server, a thread per connection (http.server's ThreadingHTTPServer)."""

    daemon_threads = True  # Ctrl-C does not wait for idle keep-alive connections


def loopback(host: str) -> str:
    """`host` if it is a loopback address (or localhost); anything else is refused."""
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv4Address) and address.is_loopback:
        return host  # IPv4: wsgiref's server binds AF_INET
    raise ValueError(f"dunning serve listens on loopback only (127.x.x.x, localhost), not {host}")


class _Handler(WSGIRequestHandler):
    """One line per request on stderr: method, path, status."""

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        if self.headers.get("content-type") is None:  # wsgiref would say text/plain
            environ.pop("CONTENT_TYPE", None)
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log_message('"%s" %s', self.requestline, str(code))


def serve(
    data: Path,
    host: str,
    port: int,
    today: date | None,
    say: Callable[[str], None],
    log_path: Path | None = None,
    start: date | None = None,
    groups: Collection[Group] = ALL_GROUPS,
) -> None:
    """Start the embedded AWS, load `data`, replay `start`..`today` as `dunning simulate`
    does (drops, actions, the schedule, the queues), serve until Ctrl-C, then stop
    everything."""
    host = loopback(host)
    log_path = log_path or Path(tempfile.gettempdir()) / "dunning-serve.log"
    last = today or datetime.now(UTC).date()
    first = start or last
    fixed = {}
    if today is not None:  # the API's clock, as a simulation sets it for each day
        fixed["DUNNING_FIXED_NOW"] = datetime.combine(today, time(12), UTC).isoformat()
    with (
        EmbeddedAws(parameters=LOCAL_IMPORT_PARAMETERS) as aws,
        log_path.open("w", encoding="utf-8") as log,
    ):
        say(f"embedded AWS: DynamoDB Local {aws.dynamodb.url}, moto {aws.moto.url}")
        sim, files = load(aws, data, log, first)
        say(f"loaded {data}: {files} CSV file(s); function logs in {log_path}")
        letters = replay(sim, data, first, last)
        say(f"replayed {first} to {last}: {letters} letter(s) in the ledger")
        if sim.rejected:
            say(f"rejected by the import: {', '.join(sim.rejected)}")
        with environment(fixed):
            server = make_server(
                host,
                port,
                ApiGateway(sim.driver, groups=groups),
                server_class=ThreadingWSGIServer,
                handler_class=_Handler,
            )
            url = f"http://{host}:{server.server_port}"
            say(f"every request signed in as local, groups: {', '.join(sorted(groups))}")
            say(
                f"Dunning API on {url}/  (pages: {url}/app/, OpenAPI: {url}/openapi.json)"
                "  Ctrl-C stops it"
            )
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                say("stopping")
            finally:
                server.server_close()


def replay(sim: Simulation, data: Path, first: date, last: date) -> int:
    """Each day as `dunning simulate` runs it; how many letters the ledger then holds."""
    actions = read_actions(data / "actions.jsonl")
    day = first
    while day <= last:
        sim.run_day(day, actions.get(day, []))
        day += timedelta(days=1)
    return len(sim.ledger_records())


def load(aws: EmbeddedAws, data: Path, log: IO[str], first: date) -> tuple[Simulation, int]:
    """dunning.yaml and the CSV exports of `data`, uploaded as `dunning simulate` does
    (on the first day's clock); the simulation, and how many files were imported."""
    sim = Simulation(data, data, aws, log)  # `out` is not written to by setup()
    with environment({"DUNNING_FIXED_NOW": datetime.combine(first, time(0), UTC).isoformat()}):
        results = sim.setup()
    if sim.rejected:
        raise ValueError(f"rejected by the import: {', '.join(sim.rejected)}")
    return sim, len({r["key"] for r in results})
