"""Letters delivered exactly once through the real handlers on the embedded AWS, with
faults injected where AWS would throw them (SPEC 2.5, 2.6; ENGINEERING reliability).

Each test has a subsidiary of its own, evaluated by the real schedule -> evaluate path;
the render-and-send function then runs through the local driver, sometimes with a
mailer that fails the way SES or the network does.
"""

from __future__ import annotations

import email
import json
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ReadTimeoutError

from dunning.adapters.dynamodb.keys import cust_pk
from dunning.adapters.dynamodb.letter_ledger import LetterLedgerTable
from dunning.adapters.dynamodb.models import PauseItem, bind
from dunning.adapters.s3 import S3ConfigSource
from dunning.adapters.template_sync import sync_prefix
from dunning.composition import api_deps, send_deps, templates_dir
from dunning.domain.configuration.parse import ConfigError
from dunning.domain.delivery.ledger import Transition
from dunning.domain.delivery.print_queue import entry_from_json, print_keys
from dunning.domain.model import (
    Contact,
    Customer,
    Delivery,
    Invoice,
    InvoiceStatus,
    ScopeKind,
    ScopeRef,
    letter_id_for,
)
from dunning.domain.model import LetterStatus as S
from dunning.domain.postal import PostalAddress
from dunning.messages import LetterJob, SendLetters
from dunning.ports import TransientError
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver, sqs_record
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

RENDER = "RenderAndSendFunction"
API = "ApiFunction"
LETTER_ID_HEADER = "X-Dunning-Letter-Id"


def config_for(sub: str) -> bytes:
    return f"""
subsidiaries:
  - id: {sub}
    name: Acme {sub} B.V.
    base_currency: EUR
    timezone: UTC
    locale: en
    sender: collections@acme.example
    reply_to: ar@acme.example
    iban: NL91ABNA0417164300
    default_procedure: STD
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {{days: 1, template: friendly}}
      - {{days: 4, template: firm}}
""".encode()


@dataclass
class World:
    """One subsidiary of one test, and ways to look at what became of its letters."""

    aws: EmbeddedAws
    driver: LocalDriver
    repo: DunningTable
    sub: str

    def customer(self, cid: str, **kw: Any) -> Customer:
        kw.setdefault("emails", (f"ap@{cid.lower()}.example",))
        kw.setdefault("language", "en")
        return Customer(cid, self.sub, f"Customer {cid}", **kw)

    def put(self, customers: list[Customer], invoices: list[Invoice]) -> None:
        self.repo.put_customers(customers)
        self.repo.put_invoices(invoices)

    def pay(self, invoice: Invoice, remaining: str = "0.00") -> None:
        """The ERP export of the next morning, as the import writes it."""
        status = InvoiceStatus.PAID if Decimal(remaining) == 0 else InvoiceStatus.OPEN
        paid = replace(invoice, amount_remaining=Decimal(remaining), status=status)
        self.repo.put_invoices([paid])

    def evaluate(self, day: date) -> None:
        """The morning's schedule and evaluation; the letter jobs wait on the queue."""
        put_config(self.aws, self.sub)
        started = self.driver.fire_schedule(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
        assert started["started"] == {self.sub: 1}, started
        self.driver.drain(only=["EvaluationQueue"])

    def letter_id(self, cid: str, day: date) -> str:
        return letter_id_for(self.sub, ScopeRef(ScopeKind.CUSTOMER, cid, "EUR"), day)

    def ledger(self, cid: str, letter_id: str) -> tuple[Any, str, dict[str, Any]]:
        found = self.repo.get_letter(cid, letter_id)
        assert found is not None, f"no letter {letter_id} in the ledger"
        return found.letter, found.status, found.delivery

    def emails(self, letter_id: str) -> list[email.message.Message]:
        with urllib.request.urlopen(f"{self.aws.moto.url}/moto-api/data.json") as r:
            data = json.load(r)
        raws = [m["raw_data"] for m in data.get("ses", {}).get("RawMessage", [])]
        found = [email.message_from_string(raw) for raw in raws]
        return [m for m in found if m.get(LETTER_ID_HEADER) == letter_id]


def put_config(aws: EmbeddedAws, sub: str) -> None:
    aws.client("s3").put_object(
        Bucket=aws.deployment.refs["ConfigBucket"], Key="dunning.yaml", Body=config_for(sub)
    )


def invoice(iid: str, cid: str, due: date, remaining: str = "100.00", **kw: Any) -> Invoice:
    return Invoice(
        iid,
        cid,
        f"NR-{iid}",
        due - timedelta(days=30),
        due,
        "EUR",
        Decimal("100.00"),
        Decimal(remaining),
        **kw,
    )


def text_of(msg: email.message.Message) -> str:
    return "".join(
        part.get_payload(decode=True).decode()
        for part in msg.walk()
        if part.get_content_type() == "text/plain"
    )


@pytest.fixture
def world(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[World]:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    sub = f"D{uuid.uuid4().hex[:6].upper()}"
    aws.client("ses").verify_domain_identity(Domain="acme.example")
    yield World(aws, driver, DunningTable(), sub)
    driver.deps.pop(RENDER, None)
    driver.deps.pop(API, None)


def on(day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    """The render function's calendar: its 'today'."""
    monkeypatch.setenv("DUNNING_FIXED_NOW", f"{day.isoformat()}T12:00:00+00:00")


def real_bundle(aws: EmbeddedAws, **changes: Any) -> Any:
    with aws.function_env(RENDER):
        settings = Settings.from_env()
    return send_deps(replace(settings, **changes) if changes else settings)


D1 = date(2026, 10, 5)


# --- Exactly once ---------------------------------------------------------------------


def test_duplicate_jobs_send_one_email(world: World, monkeypatch: pytest.MonkeyPatch):
    world.put([world.customer("C1")], [invoice("I1", "C1", D1 - timedelta(days=3))])
    world.evaluate(D1)
    letter_id = world.letter_id("C1", D1)
    job = SendLetters((LetterJob("C1", letter_id),)).to_json()
    url = world.aws.deployment.refs["LetterQueue"]
    for _ in range(2):  # SQS delivers at least once: the same job twice more
        world.aws.client("sqs").send_message(QueueUrl=url, MessageBody=job)
    on(D1, monkeypatch)
    world.driver.drain()
    assert world.ledger("C1", letter_id)[1] == "sent"
    assert len(world.emails(letter_id)) == 1


class CrashAfterSend:
    """SES accepted the message, then the connection died before the answer came."""

    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def send(self, envelope: Any, letter: Any, pdf: Any) -> str:
        self.calls += 1
        self.real.send(envelope, letter, pdf)
        raise ReadTimeoutError(endpoint_url="https://email.eu-west-1.amazonaws.com/")


def test_a_crash_after_ses_accepted_never_sends_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.put([world.customer("C2")], [invoice("I2", "C2", D1 - timedelta(days=3))])
    world.evaluate(D1)
    bundle = real_bundle(world.aws)
    crashing = CrashAfterSend(bundle.mailer)
    world.driver.deps[RENDER] = replace(bundle, mailer=crashing)
    on(D1, monkeypatch)
    world.driver.drain()  # fails, comes back, is found claimed
    letter_id = world.letter_id("C2", D1)
    _, status, delivery = world.ledger("C2", letter_id)
    assert status == "needs_reconciliation"
    assert delivery["recipients"] == ["ap@c2.example"]  # who may have it, for a person
    assert crashing.calls == 1
    assert len(world.emails(letter_id)) == 1


class ThrottledOnce:
    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def send(self, envelope: Any, letter: Any, pdf: Any) -> str:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("SES: Throttling")
        return str(self.real.send(envelope, letter, pdf))


def test_ses_throttling_puts_the_letter_back_and_it_is_sent_once_later(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.put([world.customer("C3")], [invoice("I3", "C3", D1 - timedelta(days=3))])
    world.evaluate(D1)
    throttled = ThrottledOnce(real_bundle(world.aws).mailer)
    world.driver.deps[RENDER] = replace(real_bundle(world.aws), mailer=throttled)
    on(D1, monkeypatch)
    sqs, url = world.aws.client("sqs"), world.aws.deployment.refs["LetterQueue"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    arn = world.aws.deployment.attrs["LetterQueue.Arn"]
    with pytest.raises(BatchProcessingError, match="Throttling"):  # the batch's one record failed
        world.driver.invoke(RENDER, {"Records": [sqs_record(message, arn)]})
    letter_id = world.letter_id("C3", D1)
    _, status, delivery = world.ledger("C3", letter_id)
    assert status == "queued" and delivery["released"] == "TransientError: SES: Throttling"
    assert world.emails(letter_id) == []
    # SQS makes it visible again after the visibility timeout; here at once
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    world.driver.drain()
    assert world.ledger("C3", letter_id)[1] == "sent"
    assert throttled.calls == 2 and len(world.emails(letter_id)) == 1


# --- Never stale (SPEC 2.6) --------------------------------------------------------------


def test_an_invoice_paid_after_evaluation_leaves_the_letter(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    i4 = invoice("I4", "C4", D1 - timedelta(days=3))
    i5 = invoice("I5", "C4", D1 - timedelta(days=2), remaining="60.00")
    i6 = invoice("I6", "C4", D1 - timedelta(days=2))
    world.put([world.customer("C4")], [i4, i5, i6])
    world.evaluate(D1)
    world.pay(i4)  # paid in full
    world.pay(i5, "25.00")  # partly paid
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("C4", D1)
    letter, status, delivery = world.ledger("C4", letter_id)
    assert status == "sent"
    assert letter.invoice_ids == ("I5", "I6") and letter.amount_due == Decimal("125.00")
    assert delivery["changes"] == ["NR-I4 is paid", "NR-I5 remaining 60.00 -> 25.00"]
    (sent,) = world.emails(letter_id)
    body = text_of(sent)
    assert "NR-I4" not in body and "NR-I5" in body and "125.00" in body


def test_a_letter_paid_in_full_after_evaluation_is_dropped(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    i7 = invoice("I7", "C5", D1 - timedelta(days=3))
    world.put([world.customer("C5")], [i7])
    world.evaluate(D1)
    world.pay(i7)
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("C5", D1)
    _, status, delivery = world.ledger("C5", letter_id)
    assert status == "dropped" and delivery["reason"] == "NR-I7 is paid; nothing is left open"
    assert world.emails(letter_id) == []


def test_a_pause_after_evaluation_drops_the_letter(world: World, monkeypatch: pytest.MonkeyPatch):
    world.put([world.customer("C6")], [invoice("I8", "C6", D1 - timedelta(days=3))])
    world.evaluate(D1)
    PauseItem(
        cust_pk("C6"),
        "PAUSE#customer#C6",
        target="customer",
        target_id="C6",
        customer_id="C6",
        reason="dispute",
        note="disputes the delivery",
    ).save()
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("C6", D1)
    assert world.ledger("C6", letter_id)[1] == "dropped"
    assert world.emails(letter_id) == []


def test_a_bill_to_parent_childs_payment_reaches_the_parents_letter(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    parent = world.customer("P1", manager_email="anna@acme.example")
    child = world.customer("K1", parent_id="P1", bill_to_parent=True)
    k1, k2 = (invoice(i, "K1", D1 - timedelta(days=3)) for i in ("K-I1", "K-I2"))
    world.put([parent, child], [invoice("P-I1", "P1", D1 - timedelta(days=3)), k1, k2])
    world.evaluate(D1)
    world.pay(k2)
    on(D1, monkeypatch)
    world.driver.drain()
    letter, status, delivery = world.ledger("P1", world.letter_id("P1", D1))
    assert status == "sent"
    assert letter.invoice_ids == ("K-I1", "P-I1") and letter.amount_due == Decimal("200.00")
    # dunned through the parent's letter and recipients; the manager is copied
    assert (delivery["recipients"], delivery["cc"]) == (["ap@p1.example"], ["anna@acme.example"])


# --- Recipients, print and bounces (SPEC 2.5) -------------------------------------------


def test_department_letters_go_to_their_departments_contacts(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    c = world.customer("C7", split_by_department=True, exclude_customer_email=True)
    due = D1 - timedelta(days=3)
    world.put(
        [c],
        [
            invoice("N1", "C7", due, department="NORTH"),
            invoice("S1", "C7", due, department="SOUTH"),
        ],
    )
    world.repo.put_contacts(
        [
            Contact("C7", "North AP", "north@c7.example", "NORTH", "dunning"),
            Contact("C7", "South AP", "south@c7.example", "SOUTH", "dunning"),
            Contact("C7", "Sales", "sales@c7.example", None, "sales"),
        ]
    )
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    for dept, address in (("NORTH", "north@c7.example"), ("SOUTH", "south@c7.example")):
        ref = ScopeRef(ScopeKind.CUSTOMER, f"C7/{dept}", "EUR")
        letter_id = letter_id_for(world.sub, ref, D1)
        _, status, delivery = world.ledger("C7", letter_id)
        assert (status, delivery["recipients"]) == ("sent", [address])
        (sent,) = world.emails(letter_id)
        assert sent["To"] == address


DAM = PostalAddress("Dam 1", postal_code="1012 JS", city="Amsterdam", country="NL")


def test_a_customer_without_email_is_printed_into_the_print_queue(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.put(
        [world.customer("C8", emails=(), address=DAM)],
        [invoice("I9", "C8", D1 - timedelta(days=3))],
    )
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("C8", D1)
    _, status, delivery = world.ledger("C8", letter_id)
    assert status == "printed" and delivery["note"] == "no valid email address: printed instead"
    pdf_key, entry_key = print_keys(D1, world.sub, letter_id)
    assert (delivery["pdf_key"], delivery["print_entry"]) == (pdf_key, entry_key)
    s3, bucket = world.aws.client("s3"), world.aws.deployment.refs["LetterBucket"]
    entry = entry_from_json(s3.get_object(Bucket=bucket, Key=entry_key)["Body"].read())
    assert (entry.customer_id, entry.pages, entry.amount_due, entry.pdf_key) == (
        "C8",
        1,
        "100.00",
        pdf_key,
    )
    assert s3.get_object(Bucket=bucket, Key=pdf_key)["Body"].read().startswith(b"%PDF")
    # one object is print copy and archive: nothing under letters/ for it
    archived = s3.list_objects_v2(Bucket=bucket, Prefix=f"letters/{world.sub}/")
    assert archived.get("KeyCount", 0) == 0


def test_a_bill_to_parent_childs_printed_letter_goes_to_the_parents_address(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    child_address = PostalAddress("Kerkstraat 9", postal_code="1017 GB", city="Amsterdam")
    world.put(
        [
            world.customer("P9", emails=(), address=DAM),
            world.customer(
                "K9", emails=(), parent_id="P9", bill_to_parent=True, address=child_address
            ),
        ],
        [invoice("I19", "K9", D1 - timedelta(days=3))],
    )
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("P9", D1)
    _, status, delivery = world.ledger("P9", letter_id)
    assert status == "printed"
    s3, bucket = world.aws.client("s3"), world.aws.deployment.refs["LetterBucket"]
    body = s3.get_object(Bucket=bucket, Key=delivery["print_entry"])["Body"].read()
    entry = entry_from_json(body)
    assert entry.customer_id == "P9"
    # posted from a subsidiary on UTC, whose country is unknown: the country is named
    assert entry.address_lines == ("Dam 1", "1012 JS Amsterdam", "NETHERLANDS")
    assert (entry.country, entry.postal_code) == ("NL", "1012 JS")


def ses_bounce(address: str, letter_id: str) -> str:
    return json.dumps(
        {
            "eventType": "Bounce",
            "bounce": {
                "bounceType": "Permanent",
                "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": address, "status": "5.1.1"}],
            },
            "mail": {
                "messageId": "local-1",
                "headers": [{"name": LETTER_ID_HEADER, "value": letter_id}],
            },
        }
    )


def test_a_bounced_address_is_marked_and_the_next_letter_is_printed(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.put(
        [world.customer("C9", delivery=Delivery.EMAIL)],
        [invoice("I10", "C9", D1 - timedelta(days=3))],
    )
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    first = world.letter_id("C9", D1)
    assert world.ledger("C9", first)[1] == "sent"
    # SES reports the bounce to the configuration set's topic; SNS delivers it
    topic = world.aws.deployment.refs["DeliveryEventsTopic"]
    world.aws.client("sns").publish(TopicArn=topic, Message=ses_bounce("AP@C9.example", first))
    before = world.driver.invocations.get("BouncesFunction", 0)
    world.driver.drain()
    assert world.driver.invocations["BouncesFunction"] == before + 1
    assert world.repo.marked_addresses(["ap@c9.example"]) == {"ap@c9.example"}
    d2 = D1 + timedelta(days=3)  # level 2 is due
    world.evaluate(d2)
    on(d2, monkeypatch)
    world.driver.drain()
    second = world.letter_id("C9", d2)
    _, status, delivery = world.ledger("C9", second)
    assert status == "printed"
    assert delivery["note"] == "every email address bounced: printed instead"
    assert world.emails(second) == []


def test_feedback_that_is_not_ses_reaches_the_dead_letter_queue(world: World):
    topic = world.aws.deployment.refs["DeliveryEventsTopic"]
    world.aws.client("sns").publish(TopicArn=topic, Message="this is not SES feedback")
    world.driver.drain()
    dlq = world.aws.deployment.refs["BouncesDeadLetterQueue"]
    got = world.aws.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in got.get("Messages", [])]
    assert any(b["Records"][0]["Sns"]["Message"] == "this is not SES feedback" for b in bodies)


# --- Templates overridden without code changes ----------------------------------------


def test_templates_are_overridden_from_the_config_buckets_prefix(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    prefix = f"templates-{uuid.uuid4().hex[:8]}/"
    s3, bucket = world.aws.client("s3"), world.aws.deployment.refs["ConfigBucket"]
    packaged = (templates_dir() / "letters/friendly/en.j2").read_text()
    override = packaged.replace("{% block subject %}", "{% block subject %}OVERRIDDEN ")
    assert override != packaged
    s3.put_object(Bucket=bucket, Key=f"{prefix}letters/friendly/en.j2", Body=override.encode())
    s3.put_object(Bucket=bucket, Key=f"{prefix}../escape.j2", Body=b"x")  # skipped, not written
    world.put([world.customer("C10")], [invoice("I11", "C10", D1 - timedelta(days=3))])
    world.evaluate(D1)
    world.driver.deps[RENDER] = real_bundle(world.aws, templates_prefix=prefix)
    on(D1, monkeypatch)
    world.driver.drain()
    (sent,) = world.emails(world.letter_id("C10", D1))
    assert sent["Subject"].startswith("OVERRIDDEN ")


def test_the_preview_renders_with_the_same_overridden_templates(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    prefix = f"templates-{uuid.uuid4().hex[:8]}/"
    s3, bucket = world.aws.client("s3"), world.aws.deployment.refs["ConfigBucket"]
    packaged = (templates_dir() / "letters/friendly/en.j2").read_text()
    override = packaged.replace("{% block subject %}", "{% block subject %}PREVIEWED ")
    s3.put_object(Bucket=bucket, Key=f"{prefix}letters/friendly/en.j2", Body=override.encode())
    world.put([world.customer("C12")], [invoice("I13", "C12", D1 - timedelta(days=3))])
    put_config(world.aws, world.sub)
    on(D1, monkeypatch)
    with world.aws.function_env(API):
        settings = Settings.from_env()
    world.driver.deps[API] = api_deps(replace(settings, templates_prefix=prefix))
    status, answer = world.driver.api("GET", "/customers/C12/preview")
    assert status == 200, answer
    (preview,) = answer["letters"]
    assert preview["subject"].startswith("PREVIEWED ")


def test_a_missing_dunning_yaml_is_a_configuration_error_that_names_it(aws: EmbeddedAws):
    bucket = aws.deployment.refs["ConfigBucket"]
    source = S3ConfigSource(aws.client("s3"), bucket, "nowhere/dunning.yaml")
    with pytest.raises(ConfigError, match=f"s3://{bucket}/nowhere/dunning.yaml does not exist"):
        source.load()


def test_the_override_sync_takes_only_template_files_by_plain_paths(
    aws: EmbeddedAws, tmp_path: Path
):
    s3, bucket = aws.client("s3"), aws.deployment.refs["ConfigBucket"]
    prefix = f"sync-{uuid.uuid4().hex[:8]}/"
    for key, body in {
        "letters/final/de.j2": b"{% extends layout %}",
        "print.css": b"h1 {}",
        "assets/logo.png": b"\x89PNG",
        "../../etc/passwd.j2": b"x",
        ".hidden.j2": b"x",
        "run.py": b"import os",
    }.items():
        s3.put_object(Bucket=bucket, Key=prefix + key, Body=body)
    target = tmp_path / "override"
    (target / "stale").mkdir(parents=True)  # left over from an earlier container
    result = sync_prefix(s3, bucket, prefix, target)
    assert sorted(result.copied) == ["assets/logo.png", "letters/final/de.j2", "print.css"]
    assert set(result.skipped) == {
        prefix + "../../etc/passwd.j2",
        prefix + ".hidden.j2",
        prefix + "run.py",
    }
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == [
        "assets/logo.png",
        "letters/final/de.j2",
        "print.css",
    ]
    assert (target / "letters/final/de.j2").read_bytes() == b"{% extends layout %}"


# --- Several letter jobs per message ---------------------------------------------------


def letter_messages(world: World) -> list[SendLetters]:
    """What waits on the letter queue (left there: the caller drains it)."""
    sqs, url = world.aws.client("sqs"), world.aws.deployment.refs["LetterQueue"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [SendLetters.from_json(m["Body"]) for m in got.get("Messages", [])]


class FailsOnceFor:
    """A renderer that fails the first time it renders one customer's letter."""

    def __init__(self, real: Any, customer_id: str):
        self.real, self.customer_id, self.failed = real, customer_id, False

    def render(self, letter: Any, customer: Any, config: Any, today: date) -> Any:
        if letter.customer_id == self.customer_id and not self.failed:
            self.failed = True
            raise RuntimeError("template error")
        return self.real.render(letter, customer, config, today)


def test_a_shards_letters_travel_in_one_message_and_a_failed_job_sends_none_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    cids = ["MJ1", "MJ2", "MJ3"]
    world.put(
        [world.customer(c) for c in cids],
        [invoice(f"{c}-I", c, D1 - timedelta(days=3)) for c in cids],
    )
    world.evaluate(D1)
    letter_ids = [world.letter_id(c, D1) for c in cids]
    (message,) = letter_messages(world)
    assert [job.letter_id for job in message.jobs] == letter_ids
    bundle = real_bundle(world.aws)
    failing = FailsOnceFor(bundle.renderer, "MJ2")
    world.driver.deps[RENDER] = replace(bundle, renderer=failing)
    on(D1, monkeypatch)
    before = world.driver.invocations.get(RENDER, 0)
    world.driver.drain()  # MJ2 fails the message; it comes back whole
    assert failing.failed and world.driver.invocations[RENDER] - before == 2
    for cid, letter_id in zip(cids, letter_ids, strict=True):
        assert world.ledger(cid, letter_id)[1] == "sent"
        assert len(world.emails(letter_id)) == 1


class OutcomesLost:
    """The connection dies as the message's outcomes are written (the first time)."""

    def __init__(self, real: LetterLedgerTable):
        self.real, self.lost = real, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def transition_letters(self, changes: Any) -> frozenset[str]:
        if not self.lost:
            self.lost += 1
            raise ReadTimeoutError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com/")
        return self.real.transition_letters(changes)


def test_a_crash_before_the_outcomes_are_written_flags_the_sent_letters_never_resends(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    cids = ["RC1", "RC2"]
    world.put(
        [world.customer(c) for c in cids],
        [invoice(f"{c}-I", c, D1 - timedelta(days=3)) for c in cids],
    )
    world.evaluate(D1)
    bundle = real_bundle(world.aws)
    repo = OutcomesLost(bundle.repo)  # type: ignore[arg-type]
    world.driver.deps[RENDER] = replace(bundle, repo=repo)
    on(D1, monkeypatch)
    world.driver.drain()
    assert repo.lost == 1
    for cid in cids:
        letter_id = world.letter_id(cid, D1)
        _, status, delivery = world.ledger(cid, letter_id)
        assert status == "needs_reconciliation" and delivery["recipients"]
        assert len(world.emails(letter_id)) == 1


def test_a_message_of_the_earlier_single_letter_shape_is_delivered(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.put([world.customer("OLD1")], [invoice("OLD1-I", "OLD1", D1 - timedelta(days=3))])
    world.evaluate(D1)
    letter_id = world.letter_id("OLD1", D1)
    old = json.dumps({"customer_id": "OLD1", "letter_id": letter_id})
    world.aws.client("sqs").send_message(
        QueueUrl=world.aws.deployment.refs["LetterQueue"], MessageBody=old
    )
    on(D1, monkeypatch)
    world.driver.drain()
    assert world.ledger("OLD1", letter_id)[1] == "sent"
    assert len(world.emails(letter_id)) == 1


def test_outcomes_are_written_together_each_on_its_own_condition(world: World):
    world.put(
        [world.customer(c) for c in ("TX1", "TX2", "TX3")],
        [invoice(f"{c}-I", c, D1 - timedelta(days=3)) for c in ("TX1", "TX2", "TX3")],
    )
    world.evaluate(D1)
    entries = [world.ledger(c, world.letter_id(c, D1)) for c in ("TX1", "TX2", "TX3")]
    letters = [letter for letter, _, _ in entries]
    for letter in letters[:2]:
        world.repo.transition_letter(letter, S.QUEUED, S.CLAIMED, {"step": "claimed"})
    changes = [
        Transition(letter, (S.CLAIMED, S.NEEDS_RECONCILIATION), S.SENT, {"message_id": f"m-{n}"})
        for n, letter in enumerate(letters)
    ]
    early = Transition(letters[0], (S.CLAIMED,), S.PRINTED, {"message_id": "superseded"})
    # TX3 was never claimed; TX1 is named twice: the later change is the one written
    lost = world.repo.transition_letters([early, *changes])
    assert lost == {letters[2].letter_id}
    got = [world.ledger(letter.customer_id, letter.letter_id) for letter in letters]
    assert [(status, delivery) for _, status, delivery in got] == [
        ("sent", {"message_id": "m-0"}),
        ("sent", {"message_id": "m-1"}),
        ("queued", {}),
    ]
