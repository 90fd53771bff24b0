"""The print room's end of day on the embedded AWS (SPEC 2.8): the real print-room
handler, fired by its schedule, turns each subsidiary's printed letters of its
previous local day into merged batches of at most 100 letters (sorted by country and
postal code), a formula-safe manifest and the list of letters without an address,
under print-room/ of the letter bucket; a rerun writes nothing new, a day whose queue
changed is published again, and a publication that fails part way is finished by
the next run."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from pypdf import PdfReader, PdfWriter

from dunning.adapters.print_room import S3PrintRoom
from dunning.composition import print_room_deps
from dunning.domain.delivery.print_queue import PrintEntry, entry_json, print_keys
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration

FUNCTION = "PrintRoomFunction"
DAY = date(2026, 9, 10)
# 01:15 in Amsterdam (CEST, UTC+2) on the next day: NL's PRINT_HOUR; New York's 19:15.
NL_NIGHT = datetime(2026, 9, 10, 23, 15, tzinfo=UTC)
US_NIGHT = datetime(2026, 9, 11, 5, 15, tzinfo=UTC)  # 01:15 in New York (EDT)


@pytest.fixture
def subs(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[tuple[str, str]]:
    tag = uuid.uuid4().hex[:6].upper()
    nl, us = f"NL{tag}", f"US{tag}"
    config = "subsidiaries:\n" + "".join(
        f"  - {{id: {sub}, name: Acme, base_currency: EUR, timezone: {tz}, locale: en, "
        "sender: collections@acme.example, default_procedure: STD}\n"
        for sub, tz in ((nl, "Europe/Amsterdam"), (us, "America/New_York"))
    )
    config += "procedures:\n  - id: STD\n    applies_to: customer\n"
    config += "    levels:\n      - {days: 1, template: friendly}\n"
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=config.encode()
    )
    yield nl, us
    driver.deps.pop(FUNCTION, None)


def pdf(width: int, pages: int = 1) -> bytes:
    """A letter whose page width tells which letter it is."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=width, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def queue(
    aws: EmbeddedAws, sub: str, n: int, country: str = "NL", postal: str = "", pages: int = 1
) -> PrintEntry:
    """Queue letter n as the render function does: its PDF, then its entry."""
    letter_id = f"L{n:05d}"
    pdf_key, entry_key = print_keys(DAY, sub, letter_id)
    address = (f"Street {n}", f"{postal} Town") if postal else ()
    entry = PrintEntry(
        day=DAY,
        letter_id=letter_id,
        subsidiary_id=sub,
        customer_id=f"C{n:05d}",
        customer_name="=HYPERLINK(1)" if n == 7 else f"Customer {n}",
        address_lines=address,
        pages=pages,
        level=2,
        language="nl",
        currency="EUR",
        amount_due=f"{n}.00",
        also_emailed=False,
        pdf_key=pdf_key,
        country=country if postal else None,
        postal_code=postal or None,
    )
    s3, bucket = aws.client("s3"), aws.deployment.refs["LetterBucket"]
    s3.put_object(Bucket=bucket, Key=pdf_key, Body=pdf(100 + n, pages))
    s3.put_object(Bucket=bucket, Key=entry_key, Body=entry_json(entry))
    return entry


def folder(aws: EmbeddedAws, sub: str, day: date = DAY) -> dict[str, bytes]:
    s3, bucket = aws.client("s3"), aws.deployment.refs["LetterBucket"]
    prefix = f"print-room/{sub}/{day.isoformat()}/"
    found = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        o["Key"][len(prefix) :]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        for o in found
    }


def versions(aws: EmbeddedAws, sub: str) -> list[tuple[str, str]]:
    """Every version ever written under the subsidiary's print-room folder (the letter
    bucket is versioned): a rerun that writes nothing leaves the list as it was."""
    s3, bucket = aws.client("s3"), aws.deployment.refs["LetterBucket"]
    found = s3.list_object_versions(Bucket=bucket, Prefix=f"print-room/{sub}/")
    return sorted((v["Key"], v["VersionId"]) for v in found.get("Versions", []))


def rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"))))


def widths(body: bytes) -> list[int]:
    return [int(page.mediabox.width) for page in PdfReader(io.BytesIO(body)).pages]


def test_a_subsidiary_s_day_is_published_at_its_local_night_in_post_order(
    aws: EmbeddedAws, driver: LocalDriver, subs: tuple[str, str]
):
    nl, us = subs
    # 101 letters with an address (one of two pages), in no order; one without
    for n in range(1, 102):
        queue(aws, nl, n, ("NL", "BE", "DE")[n % 3], f"{9000 - n:04d}", pages=2 if n == 5 else 1)
    queue(aws, nl, 200)  # no postal address: listed apart, in no batch
    queue(aws, us, 300, "US", "10281")

    summary = driver.fire_schedule(NL_NIGHT, FUNCTION)
    assert summary["published"] == {nl: [DAY.isoformat()]} and summary["republished"] == {}
    assert (summary["letters"], summary["batches"], summary["unaddressed"]) == (101, 2, 1)
    files = folder(aws, nl)
    assert set(files) == {
        "batch-001.pdf",
        "batch-002.pdf",
        "manifest.csv",
        "no-address.csv",
        "published.json",
    }
    manifest = rows(files["manifest.csv"])
    order = [(r["country"], r["postal_code"]) for r in manifest]
    assert order == sorted(order) and len(manifest) == 101
    assert [r["batch"] for r in manifest] == ["batch-001"] * 100 + ["batch-002"]
    # each batch is its letters' pages in manifest order (a page's width names its letter)
    first = [100 + int(r["letter_id"][1:]) for r in manifest[:100] for _ in range(int(r["pages"]))]
    assert widths(files["batch-001.pdf"]) == first and len(first) == 101  # letter 5: 2 pages
    assert widths(files["batch-002.pdf"]) == [100 + int(manifest[100]["letter_id"][1:])]
    seven = next(r for r in manifest if r["letter_id"] == "L00007")
    assert seven["customer_name"] == "'=HYPERLINK(1)"  # formula-safe
    assert (seven["address"], seven["amount_due"]) == ("Street 7 / 8993 Town", "7.00")
    (apart,) = rows(files["no-address.csv"])
    assert (apart["letter_id"], apart["batch"], apart["address"]) == ("L00200", "", "")
    marker = json.loads(files["published.json"])
    assert (marker["letters"], marker["batches"], marker["unaddressed"]) == (101, 2, 1)
    # New York's evening: its day is not over, nothing of it is published yet
    assert folder(aws, us) == {}

    summary = driver.fire_schedule(US_NIGHT, FUNCTION)
    assert summary["published"] == {us: [DAY.isoformat()]}
    assert rows(folder(aws, us)["manifest.csv"])[0]["letter_id"] == "L00300"


def test_a_rerun_writes_nothing_and_publishing_again_writes_the_same_bytes(
    aws: EmbeddedAws, driver: LocalDriver, subs: tuple[str, str]
):
    nl, _ = subs
    for n in range(1, 4):
        queue(aws, nl, n, "NL", f"{1000 + n}")
    driver.fire_schedule(NL_NIGHT, FUNCTION)
    written, files = versions(aws, nl), folder(aws, nl)
    again = driver.fire_schedule(NL_NIGHT, FUNCTION)  # a redelivered schedule event
    assert (again["published"], again["unchanged"]) == ({}, 1)
    assert versions(aws, nl) == written
    # the next nights look back at the day and find it as it was published
    later = driver.fire_schedule(NL_NIGHT + timedelta(days=3), FUNCTION)
    assert (later["published"], later["unchanged"]) == ({}, 1)
    # an operator removes the marker: the day is published again, byte for byte
    s3, bucket = aws.client("s3"), aws.deployment.refs["LetterBucket"]
    s3.delete_object(Bucket=bucket, Key=f"print-room/{nl}/{DAY.isoformat()}/published.json")
    assert driver.fire_schedule(NL_NIGHT, FUNCTION)["published"] == {nl: [DAY.isoformat()]}
    assert folder(aws, nl) == files


def test_a_day_whose_queue_changed_after_publishing_is_published_again_without_duplicates(
    aws: EmbeddedAws, driver: LocalDriver, subs: tuple[str, str]
):
    nl, _ = subs
    for n in range(1, 102):
        queue(aws, nl, n, "NL", f"{1000 + n}")
    driver.fire_schedule(NL_NIGHT, FUNCTION)
    assert {"batch-001.pdf", "batch-002.pdf"} <= set(folder(aws, nl))
    # after publishing, one letter is withdrawn (a drop) and another one arrives late
    s3, bucket = aws.client("s3"), aws.deployment.refs["LetterBucket"]
    for key in print_keys(DAY, nl, "L00050"):
        s3.delete_object(Bucket=bucket, Key=key)
    for key in print_keys(DAY, nl, "L00051"):
        s3.delete_object(Bucket=bucket, Key=key)
    queue(aws, nl, 150, "NL", "0999")
    summary = driver.fire_schedule(NL_NIGHT + timedelta(days=1), FUNCTION)  # the next night
    assert summary["republished"] == {nl: [DAY.isoformat()]}
    files = folder(aws, nl)
    assert "batch-002.pdf" not in files  # 100 letters now: one batch, the old second is gone
    manifest = rows(files["manifest.csv"])
    ids = [r["letter_id"] for r in manifest]
    assert len(ids) == len(set(ids)) == 100 and ids[0] == "L00150"
    assert {"L00050", "L00051"}.isdisjoint(ids)
    assert len(widths(files["batch-001.pdf"])) == 100


class FailingPuts:
    """A real S3 client whose PutObject calls numbered in `failing` fail as a dropped
    connection would, before anything reaches S3."""

    def __init__(self, failing: set[int]):
        self.client = boto3.session.Session().client("s3", region_name=REGION)
        self.client.meta.events.register("before-call.s3.PutObject", self._call)
        self.failing = failing
        self.calls = 0

    def _call(self, **_: Any) -> None:
        self.calls += 1
        if self.calls in self.failing:
            raise EndpointConnectionError(endpoint_url="https://s3.injected.example")


def test_a_publication_that_fails_part_way_is_finished_by_a_retry_and_then_by_the_dlq(
    aws: EmbeddedAws, driver: LocalDriver, subs: tuple[str, str]
):
    nl, _ = subs
    for n in range(1, 4):
        queue(aws, nl, n, "NL", f"{1000 + n}")
    with aws.function_env(FUNCTION):
        deps = print_room_deps(Settings.from_env())
    bucket = aws.deployment.refs["LetterBucket"]
    s3 = FailingPuts(failing={2})  # the batch is written, the manifest fails
    driver.deps[FUNCTION] = replace(deps, room=S3PrintRoom(s3.client, bucket))
    summary = driver.fire_schedule(NL_NIGHT, FUNCTION)  # Lambda retries the event
    assert summary["published"] == {nl: [DAY.isoformat()]}
    assert set(folder(aws, nl)) == {"batch-001.pdf", "manifest.csv", "published.json"}

    # every attempt fails: the event waits in the DLQ; no marker, so a later run publishes
    for key in folder(aws, nl):
        aws.client("s3").delete_object(Bucket=bucket, Key=f"print-room/{nl}/{DAY}/{key}")
    s3 = FailingPuts(failing={1, 2, 3})
    driver.deps[FUNCTION] = replace(deps, room=S3PrintRoom(s3.client, bucket))
    assert driver.fire_schedule(NL_NIGHT, FUNCTION) is None and s3.calls == 3
    sqs, url = aws.client("sqs"), aws.deployment.refs["PrintRoomDeadLetterQueue"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert json.loads(message["Body"]) == {"scheduled_time": "2026-09-10T23:15:00Z"}
    assert "published.json" not in folder(aws, nl)
    driver.deps.pop(FUNCTION)
    summary = driver.fire_schedule(NL_NIGHT + timedelta(days=1), FUNCTION)
    assert summary["published"] == {nl: [DAY.isoformat()]} and summary["republished"] == {}
    assert len(rows(folder(aws, nl)["manifest.csv"])) == 3
