"""Each sample event under events/ names data of examples/ and is handled by its
function without a failure, fed through the real handler on the embedded AWS in the
order a day brings them (as `sam local invoke -e events/<name>.json` would on AWS)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.simulation import Simulation, environment

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "events"
LETTER = "L20260908-70d622cc8dcd4372"  # what evaluating NL01 on 2026-09-08 gives NL1001
IMPORT_KEY = "incoming/2026-09-08/invoices_update.csv"
PLACEHOLDER_BUCKET = "dunning-import-00000000-0000-4000-8000-000000000000"


def event(name: str) -> Any:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Iterator[Simulation]:
    out = tmp_path_factory.mktemp("events")
    day = environment({"DUNNING_FIXED_NOW": "2026-09-08T12:00:00+00:00"})
    with EmbeddedAws() as aws, (out / "lambda.log").open("w") as log, day:
        sim = Simulation(ROOT / "examples", out, aws, log)
        sim.setup()
        yield sim


def test_every_function_has_a_sample_event():
    handlers = {p.parent.name for p in (ROOT / "functions").glob("*/handler.py")}
    samples = {p.stem.removesuffix("_follow_up") for p in EVENTS.glob("*.json")}
    assert handlers <= samples


def test_the_day_s_events_run_through_their_handlers(example: Simulation):
    invoke = example.driver.invoke
    started = invoke("SchedulerFunction", event("scheduler"))["started"]
    assert started.get("NL01") == 1
    assert invoke("EvaluateFunction", event("evaluate")) == {"batchItemFailures": []}
    assert invoke("RenderAndSendFunction", event("render_and_send")) == {"batchItemFailures": []}
    invoke("BouncesFunction", event("bounces"))
    # 01:15 in Amsterdam the next night: NL01's day (and the week before it) is published
    published = invoke("PrintRoomFunction", event("print_room"))
    assert set(published["published"]) <= {"NL01"}
    assert all(day <= "2026-09-08" for day in published["published"].get("NL01", []))
    answer = invoke("ApiFunction", event("api"))
    assert answer["statusCode"] == 200
    letters = {x["letter_id"]: x["status"] for x in json.loads(answer["body"])["letters"]}
    assert letters[LETTER] == "sent"


def test_the_authorizer_s_sample_without_a_real_token_is_unauthorized(example: Simulation):
    """Its placeholders are for `sam local invoke` with a token of the deployed pool."""
    with pytest.raises(Exception, match=r"^Unauthorized$"):  # API Gateway answers 401
        example.driver.invoke("AuthorizerFunction", event("authorizer"))


def test_the_import_events_name_a_drop_of_the_examples(example: Simulation):
    aws: EmbeddedAws = example.aws
    bucket = aws.deployment.refs["ImportBucket"]
    s3 = aws.client("s3")
    body = (ROOT / "examples" / "drops" / "2026-09-08" / "invoices_update.csv").read_bytes()
    s3.put_object(Bucket=bucket, Key=IMPORT_KEY, Body=body)  # no notification: the events are
    head = s3.head_object(Bucket=bucket, Key=IMPORT_KEY)
    local = {"bucket": bucket, "etag": head["ETag"].strip('"'), "size": head["ContentLength"]}
    local["version_id"] = head.get("VersionId")

    follow_up = event("importer_follow_up")
    message = json.loads(follow_up["Records"][0]["body"])
    assert (message["bucket"], message["key"]) == (PLACEHOLDER_BUCKET, IMPORT_KEY)
    follow_up["Records"][0]["body"] = json.dumps({**message, **local})
    assert example.driver.invoke("ImportFunction", follow_up) == {"batchItemFailures": []}

    notification = event("importer")  # S3 repeats itself: the file is imported already
    record = notification["Records"][0]["s3"]
    assert (record["bucket"]["name"], record["object"]["key"]) == (PLACEHOLDER_BUCKET, IMPORT_KEY)
    record["bucket"]["name"] = bucket
    record["object"].update(eTag=local["etag"], size=local["size"], versionId=local["version_id"])
    example.driver.invoke("ImportFunction", notification)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["Key"] for o in listed if o["Key"].endswith("invoices_update.csv")] == [
        IMPORT_KEY.replace("incoming/", "processed/", 1)
    ]
