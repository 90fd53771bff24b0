"""The local event driver: delivers what AWS would deliver, to the very handlers that
Lambda runs, with the wiring read from template.yaml.

- the schedule's event (its Input, with <aws.scheduler.scheduled-time> filled in),
  invoked asynchronously as Scheduler does: retried twice, then the function's DLQ
- SQS messages to their consumer, in batches, honouring batchItemFailures; failed
  messages come back at once and moto's redrive moves poison ones to the DLQ
- S3 ObjectCreated notifications to the function subscribed to the prefix/suffix
- SNS messages to the subscribed function (through a local inbox queue), one record
  per invocation, retried twice and then sent to its DeadLetterQueue, as Lambda does
  for asynchronous invocations
- HTTP requests to the API function as API Gateway REST proxy events
"""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from collections.abc import Callable, Collection
from contextlib import nullcontext, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote_plus

from dunning.domain.control.audit import LOCAL_ACTOR
from dunning.domain.control.roles import ALL_GROUPS, Group
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.template import REPO_ROOT, code_dir

MAX_ROUNDS = 100_000  # a queue that never drains is a bug: stop rather than spin
ASYNC_ATTEMPTS = 3  # Lambda retries a failed asynchronous event twice


@dataclass
class LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    timeout_s: int = 30

    def __post_init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class QueueConsumer:
    queue: str  # logical id
    function: str
    batch_size: int


class LocalDriver:
    def __init__(self, aws: EmbeddedAws, log: IO[str] | None = None):
        self.aws = aws
        self.log = log  # where the functions' stdout (Powertools' JSON logs) goes
        self._handlers: dict[str, Callable[..., Any]] = {}
        self.invocations: dict[str, int] = {}
        # A dependency bundle to hand a function's handler instead of the one it builds
        # (fault injection in tests: `driver.deps["RenderAndSendFunction"] = ...`).
        self.deps: dict[str, Any] = {}
        resolve = aws.resolver()
        self.consumers: list[QueueConsumer] = []
        self.s3_subscriptions: list[tuple[str, str, str, str]] = []  # bucket, prefix, suffix, fn
        self.api_function: str | None = None
        # Every function a schedule fires, in the template's order; the first (the daily
        # run's scheduler) is what fire_schedule fires unless told another.
        self.schedule_functions: list[str] = []
        for ev in aws.template.events:
            if ev.kind == "SQS":
                arn = resolve(ev.properties["Queue"])
                queue = next(k for k, v in aws.deployment.attrs.items() if v == arn).split(".")[0]
                self.consumers.append(
                    QueueConsumer(queue, ev.function, ev.properties.get("BatchSize", 10))
                )
            elif ev.kind == "S3":
                rules = {
                    r["Name"]: r["Value"]
                    for r in ev.properties.get("Filter", {}).get("S3Key", {}).get("Rules", [])
                }
                bucket = resolve(ev.properties["Bucket"])
                self.s3_subscriptions.append(
                    (bucket, rules.get("prefix", ""), rules.get("suffix", ""), ev.function)
                )
            elif ev.kind == "Api":
                self.api_function = ev.function
            elif ev.kind == "ScheduleV2":
                self.schedule_functions.append(ev.function)

    @property
    def schedule_function(self) -> str | None:
        return self.schedule_functions[0] if self.schedule_functions else None

    # --- invoking --------------------------------------------------------------------

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        props = self.aws.template.functions()[function]["Properties"]
        context = LambdaContext(function, props.get("MemorySize", 512), props.get("Timeout", 30))
        self.invocations[function] = self.invocations.get(function, 0) + 1
        out = redirect_stdout(self.log) if self.log else nullcontext()
        extra = {"deps": self.deps[function]} if function in self.deps else {}
        with self.aws.function_env(function), out:  # the module loads as in its own sandbox
            return self._handler(function)(event, context, **extra)

    def _handler(self, function: str) -> Callable[..., Any]:
        if function not in self._handlers:
            resource = self.aws.template.functions()[function]
            handler = resource["Properties"].get("Handler", "handler.lambda_handler")
            module_name, attr = handler.rsplit(".", 1)
            path = REPO_ROOT / code_dir(resource) / f"{module_name}.py"
            self._handlers[function] = getattr(_load(f"lambda_{function}", path), attr)
        return self._handlers[function]

    # --- event sources ---------------------------------------------------------------

    def fire_schedule(self, at: datetime, function: str | None = None) -> Any:
        """The schedule of `function` (default: the daily run's) firing at `at`."""
        function = function or self.schedule_function
        assert function in self.schedule_functions, f"no schedule fires {function}"
        schedule = self.aws.client("scheduler").get_schedule(Name=f"dunning-{function}")
        stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = (
            schedule["Target"].get("Input", "{}").replace("<aws.scheduler.scheduled-time>", stamp)
        )
        return self._invoke_async(function, json.loads(payload))

    def put_object(self, bucket_logical: str, key: str, body: bytes) -> list[Any]:
        """Upload like a user would, then deliver the ObjectCreated notification(s)."""
        bucket = self.aws.deployment.refs[bucket_logical]
        s3 = self.aws.client("s3")
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        head = s3.head_object(Bucket=bucket, Key=key)
        results = []
        for sub_bucket, prefix, suffix, function in self.s3_subscriptions:
            if sub_bucket == bucket and key.startswith(prefix) and key.endswith(suffix):
                results.append(self.invoke(function, s3_event(bucket, key, head)))
        return results

    def drain(self, only: Collection[str] | None = None) -> int:
        """Deliver queued messages until every consumed queue is empty; returns how many.

        `only` names the queues (logical ids) to drain, e.g. the evaluation queue alone to
        act between evaluation and sending; SNS subscriptions are drained when it is None.
        """
        consumers = [c for c in self.consumers if only is None or c.queue in only]
        inboxes = self.aws.deployment.sns_inboxes if only is None else []
        delivered = 0
        for _ in range(MAX_ROUNDS):
            moved = sum(self._deliver_batch(c) for c in consumers)
            moved += sum(self._deliver_sns(*inbox) for inbox in inboxes)
            if moved == 0:
                return delivered
            delivered += moved
        raise RuntimeError("queues did not drain: a message keeps coming back")

    def _deliver_sns(self, function: str, topic: str, url: str) -> int:
        sqs = self.aws.client("sqs")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        for m in messages:
            event = {"Records": [_sns_record(json.loads(m["Body"]), topic, function)]}
            self._invoke_async(function, event)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def _invoke_async(self, function: str, event: dict[str, Any]) -> Any:
        """As Lambda runs an asynchronous event: retried twice, then kept in the DLQ
        (None returned); the retries come at once here, not a minute or two later."""
        for attempt in range(ASYNC_ATTEMPTS):
            try:
                return self.invoke(function, event)
            except Exception:
                if attempt == ASYNC_ATTEMPTS - 1:
                    self._dead_letter(function, event)
        return None

    def _dead_letter(self, function: str, event: dict[str, Any]) -> None:
        """An asynchronous event that failed every attempt goes to the function's DLQ."""
        target = self.aws.template.functions()[function]["Properties"].get("DeadLetterQueue")
        if not target:
            return
        arn = self.aws.resolver()(target["TargetArn"])
        queue = next(k for k, v in self.aws.deployment.attrs.items() if v == arn).split(".")[0]
        self.aws.client("sqs").send_message(
            QueueUrl=self.aws.deployment.refs[queue], MessageBody=json.dumps(event)
        )

    def _deliver_batch(self, consumer: QueueConsumer) -> int:
        sqs = self.aws.client("sqs")
        url = self.aws.deployment.refs[consumer.queue]
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=consumer.batch_size,
            AttributeNames=["All"],
            WaitTimeSeconds=0,
        )
        messages = got.get("Messages", [])
        if not messages:
            return 0
        arn = self.aws.deployment.attrs[f"{consumer.queue}.Arn"]
        event = {"Records": [sqs_record(m, arn) for m in messages]}
        try:
            response = self.invoke(consumer.function, event) or {}
            failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        except Exception:  # a crashed invocation fails the whole batch, as on Lambda
            failed = {m["MessageId"] for m in messages}
        for m in messages:
            if m["MessageId"] in failed:  # visible again at once: no waiting out the timeout
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(messages)

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        groups: Collection[Group] = ALL_GROUPS,
    ) -> tuple[int, Any]:
        assert self.api_function, "the template has no API"
        response = self.invoke(self.api_function, api_event(method, path, body, query, groups))
        payload = response.get("body") or "null"
        try:
            return response["statusCode"], json.loads(payload)
        except json.JSONDecodeError:
            return response["statusCode"], payload


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, f"cannot load {path}"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sqs_record(m: dict[str, Any], arn: str) -> dict[str, Any]:
    return {
        "messageId": m["MessageId"],
        "receiptHandle": m["ReceiptHandle"],
        "body": m["Body"],
        "attributes": m.get("Attributes", {}),
        "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def _sns_record(envelope: dict[str, Any], topic: str, function: str) -> dict[str, Any]:
    """The Lambda record of an SNS notification (the envelope SNS wrote to the inbox)."""
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic}:{function}",
        "Sns": {
            "Type": envelope.get("Type", "Notification"),
            "MessageId": envelope.get("MessageId", str(uuid.uuid4())),
            "TopicArn": envelope.get("TopicArn", topic),
            "Subject": envelope.get("Subject"),
            "Message": envelope["Message"],
            "Timestamp": envelope.get("Timestamp", datetime.now(UTC).isoformat()),
            "SignatureVersion": envelope.get("SignatureVersion", "1"),
            "Signature": envelope.get("Signature", "local"),
            "SigningCertUrl": envelope.get("SigningCertURL", ""),
            "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
            "MessageAttributes": envelope.get("MessageAttributes", {}),
        },
    }


def s3_event(bucket: str, key: str, head: dict[str, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": REGION,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "local"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "local",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "local"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key),
                        "size": head["ContentLength"],
                        "eTag": head["ETag"].strip('"'),
                        "versionId": head.get("VersionId"),
                        "sequencer": f"{time.time_ns():016X}",
                    },
                },
            }
        ]
    }


def local_authorizer(groups: Collection[Group] = ALL_GROUPS) -> dict[str, str]:
    """What the people API's Lambda authorizer puts in the request context, for the one
    local user: `dunning serve` and the simulation sign everyone in as `local` (SPEC
    2.10), with every group unless `dunning serve --groups` says otherwise."""
    names = ",".join(sorted(str(g) for g in groups))
    return {"principalId": LOCAL_ACTOR, "actor": LOCAL_ACTOR, "groups": names}


def api_event(
    method: str,
    path: str,
    body: Any,
    query: dict[str, str] | None,
    groups: Collection[Group] = ALL_GROUPS,
) -> dict[str, Any]:
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method.upper(),
        "headers": {"Content-Type": "application/json", "Host": "localhost"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "Host": ["localhost"]},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method.upper(),
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": str(uuid.uuid4()),
            "accountId": "123456789012",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "dunning-local"},
            "authorizer": local_authorizer(groups),
        },
        "body": None if body is None else (body if isinstance(body, str) else json.dumps(body)),
        "isBase64Encoded": False,
    }
