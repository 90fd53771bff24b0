"""Letters texted exactly once with SNS through the real handlers on the embedded AWS
(SPEC 2.9), with faults injected where SNS or the network would throw them: duplicate
jobs, throttling, a crash after SNS took the text; the fallbacks without a phone; and
numbers SNS reports opted out, marked, listed and cleared.

moto's SNS keeps every published SMS (read back from /moto-api/data.json) and answers
CheckIfPhoneNumberIsOptedOut with yes for numbers ending in 99.
"""

from __future__ import annotations

import json
import random
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ReadTimeoutError

from dunning.adapters.dynamodb.models import bind
from dunning.adapters.dynamodb.phone_marks import PhoneMarksTable
from dunning.composition import send_deps
from dunning.domain.model import Contact, Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning.messages import LetterJob, SendLetters
from dunning.ports import TransientError
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver, sqs_record
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

RENDER = "RenderAndSendFunction"
D1 = date(2026, 10, 5)


def config_for(sub: str, channels: str) -> bytes:
    return f"""
subsidiaries:
  - id: {sub}
    name: Acme {sub} B.V.
    base_currency: EUR
    timezone: UTC
    locale: en
    sender: collections@acme.example
    payment_url: https://pay.acme.example/
    default_procedure: STD
procedures:
  - id: STD
    levels:
      - {{days: 1, template: friendly, channels: {channels}}}
      - {{days: 4, template: firm, channels: {channels}}}
""".encode()


def a_phone() -> str:
    """A Dutch mobile number of this test alone, ending in 01: not opted out (moto says
    yes to numbers ending in 99)."""
    return f"+316{random.randint(100_000, 999_999):06d}01"


@dataclass
class World:
    aws: EmbeddedAws
    driver: LocalDriver
    repo: DunningTable
    sub: str
    channels: str = "[sms]"

    def id(self, name: str) -> str:
        """The customer id of `name` in this test alone (ids are global in the table)."""
        return f"{self.sub}-{name}"

    def customer(self, name: str, **kw: Any) -> Customer:
        kw.setdefault("emails", ())
        kw.setdefault("language", "en")
        return Customer(self.id(name), self.sub, f"Customer {name}", **kw)

    def put(self, customer: Customer, due: date, contacts: tuple[Contact, ...] = ()) -> None:
        self.repo.put_customers([customer])
        if contacts:
            self.repo.put_contacts(contacts)
        cid = customer.customer_id
        amount = Decimal("100.00")
        self.repo.put_invoices(
            [Invoice(f"I-{cid}", cid, f"NR-{cid}", due - timedelta(30), due, "EUR", amount, amount)]
        )

    def evaluate(self, day: date) -> None:
        self.aws.client("s3").put_object(
            Bucket=self.aws.deployment.refs["ConfigBucket"],
            Key="dunning.yaml",
            Body=config_for(self.sub, self.channels),
        )
        started = self.driver.fire_schedule(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
        assert started["started"] == {self.sub: 1}, started
        self.driver.drain(only=["EvaluationQueue"])

    def letter_id(self, name: str, day: date) -> str:
        return letter_id_for(self.sub, ScopeRef(ScopeKind.CUSTOMER, self.id(name), "EUR"), day)

    def ledger(self, name: str, letter_id: str) -> tuple[str, dict[str, Any]]:
        found = self.repo.get_letter(self.id(name), letter_id)
        assert found is not None, f"no letter {letter_id} in the ledger"
        return found.status, found.delivery

    def texts(self, phone: str) -> list[str]:
        """What SNS received for `phone`."""
        with urllib.request.urlopen(f"{self.aws.moto.url}/moto-api/data.json") as r:
            data = json.load(r)
        return [m["message"] for m in data["sns"]["SMS"] if m["phone_number"] == phone]


@pytest.fixture
def world(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[World]:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    aws.client("ses").verify_domain_identity(Domain="acme.example")
    yield World(aws, driver, DunningTable(), f"S{uuid.uuid4().hex[:6].upper()}")
    driver.deps.pop(RENDER, None)


def on(day: date, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNNING_FIXED_NOW", f"{day.isoformat()}T12:00:00+00:00")


def real_bundle(aws: EmbeddedAws) -> Any:
    with aws.function_env(RENDER):
        return send_deps(Settings.from_env())


def with_texter(aws: EmbeddedAws, texter: Any) -> Any:
    bundle = real_bundle(aws)
    return replace(bundle, sms=replace(bundle.sms, texter=texter))


# --- Exactly once ---------------------------------------------------------------------


def test_a_duplicated_sms_job_sends_one_text(world: World, monkeypatch: pytest.MonkeyPatch):
    phone = a_phone()
    world.put(world.customer("C1", phone=phone), D1 - timedelta(days=3))
    world.evaluate(D1)
    letter_id = world.letter_id("C1", D1)
    job = SendLetters((LetterJob(world.id("C1"), letter_id),)).to_json()
    url = world.aws.deployment.refs["LetterQueue"]
    for _ in range(2):  # SQS delivers at least once: the same job twice more
        world.aws.client("sqs").send_message(QueueUrl=url, MessageBody=job)
    on(D1, monkeypatch)
    world.driver.drain()
    status, delivery = world.ledger("C1", letter_id)
    assert status == "sent", delivery
    (text,) = world.texts(phone)
    assert "https://pay.acme.example/?ref=RF" in text
    assert delivery["sms"]["sent"][0]["phone"] == phone
    assert delivery["sms"]["segments"] in (1, 2)
    code, shown = world.driver.api("GET", f"/letters/{letter_id}")  # for a collector
    assert code == 200 and shown["delivery"]["sms"]["text"] == text


class CrashAfterPublish:
    """SNS took the text, then the connection died before the answer came."""

    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def send_text(self, phone: str, text: str) -> str:
        self.calls += 1
        self.real.send_text(phone, text)
        raise ReadTimeoutError(endpoint_url="https://sns.eu-west-1.amazonaws.com/")

    def opted_out(self, phones: Any) -> frozenset[str]:
        return frozenset(self.real.opted_out(phones))


def test_a_crash_after_sns_took_the_text_is_never_resent(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    phone = a_phone()
    world.put(world.customer("C2", phone=phone), D1 - timedelta(days=3))
    world.evaluate(D1)
    crashing = CrashAfterPublish(real_bundle(world.aws).sms.texter)
    world.driver.deps[RENDER] = with_texter(world.aws, crashing)
    on(D1, monkeypatch)
    world.driver.drain()  # fails, comes back, is found claimed
    status, delivery = world.ledger("C2", world.letter_id("C2", D1))
    assert status == "needs_reconciliation"
    assert delivery["phones"] == [phone]  # who may have it, for a person
    assert crashing.calls == 1
    assert len(world.texts(phone)) == 1


class ThrottledOnce:
    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def send_text(self, phone: str, text: str) -> str:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("SNS: Throttled")
        return str(self.real.send_text(phone, text))

    def opted_out(self, phones: Any) -> frozenset[str]:
        return frozenset(self.real.opted_out(phones))


def test_sns_throttling_leaves_the_letter_for_retry_and_it_is_texted_once(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    phone = a_phone()
    world.put(world.customer("C3", phone=phone), D1 - timedelta(days=3))
    world.evaluate(D1)
    throttled = ThrottledOnce(real_bundle(world.aws).sms.texter)
    world.driver.deps[RENDER] = with_texter(world.aws, throttled)
    on(D1, monkeypatch)
    sqs, url = world.aws.client("sqs"), world.aws.deployment.refs["LetterQueue"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    arn = world.aws.deployment.attrs["LetterQueue.Arn"]
    with pytest.raises(BatchProcessingError, match="Throttled"):
        world.driver.invoke(RENDER, {"Records": [sqs_record(message, arn)]})
    letter_id = world.letter_id("C3", D1)
    status, delivery = world.ledger("C3", letter_id)
    assert status == "queued" and delivery["released"] == "TransientError: SNS: Throttled"
    assert world.texts(phone) == []
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    world.driver.drain()
    assert world.ledger("C3", letter_id)[0] == "sent"
    assert throttled.calls == 2 and len(world.texts(phone)) == 1


def test_throttled_after_the_email_went_the_text_is_recorded_not_retried(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    world.channels = "[email, sms]"
    phone = a_phone()
    world.put(world.customer("C4", phone=phone, emails=("ap@c4.example",)), D1 - timedelta(3))
    world.evaluate(D1)

    class Throttled(ThrottledOnce):
        def send_text(self, phone: str, text: str) -> str:
            self.calls += 1
            raise TransientError("SNS: Throttled")

    throttled = Throttled(real_bundle(world.aws).sms.texter)
    world.driver.deps[RENDER] = with_texter(world.aws, throttled)
    on(D1, monkeypatch)
    world.driver.drain()
    status, delivery = world.ledger("C4", world.letter_id("C4", D1))
    assert status == "sent"  # emailed: retrying would mail it twice
    assert delivery["sms"]["failed"] == [{"phone": phone, "error": "SNS: Throttled"}]
    assert throttled.calls == 1 and world.texts(phone) == []


# --- No phone (SPEC 2.9) ----------------------------------------------------------------


def test_no_phone_an_sms_only_letter_is_printed(world: World, monkeypatch: pytest.MonkeyPatch):
    world.put(world.customer("C5", emails=("ap@c5.example",)), D1 - timedelta(days=3))
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    status, delivery = world.ledger("C5", world.letter_id("C5", D1))
    assert status == "printed" and delivery["channels"] == ["print"]
    assert delivery["note"] == "no phone to text: printed instead"


def test_no_phone_the_email_still_goes(world: World, monkeypatch: pytest.MonkeyPatch):
    world.channels = "[email, sms]"
    world.put(world.customer("C6", emails=("ap@c6.example",)), D1 - timedelta(days=3))
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    status, delivery = world.ledger("C6", world.letter_id("C6", D1))
    assert status == "sent" and delivery["channels"] == ["email"]
    assert "sms" not in delivery


def test_the_customer_and_its_dunning_contacts_are_texted(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    own, contact, billing = a_phone(), a_phone(), a_phone()
    contacts = (
        Contact(world.id("C7"), "Anna", "anna@c7.example", role="dunning", phone=contact),
        Contact(world.id("C7"), "Bert", "bert@c7.example", role="billing", phone=billing),
    )
    world.put(world.customer("C7", phone=own), D1 - timedelta(days=3), contacts)
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    status, delivery = world.ledger("C7", world.letter_id("C7", D1))
    assert status == "sent" and delivery["phones"] == [own, contact]
    assert len(world.texts(own)) == 1 and len(world.texts(contact)) == 1
    assert world.texts(billing) == []


# --- Opt-outs ---------------------------------------------------------------------------


def test_an_opted_out_number_is_marked_listed_and_cleared_with_an_audit(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    opted = f"+316{random.randint(100_000, 999_999):06d}99"  # moto: opted out
    world.put(world.customer("C8", phone=opted), D1 - timedelta(days=3))
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    letter_id = world.letter_id("C8", D1)
    status, delivery = world.ledger("C8", letter_id)
    assert status == "printed"  # its only channel had nobody left to text
    assert delivery["note"] == "no phone to text: printed instead"
    assert world.texts(opted) == []
    mark = PhoneMarksTable.get_phone_mark(opted)
    assert mark is not None and mark.reason == "opted_out" and mark.letter_id == letter_id
    code, listed = world.driver.api("GET", "/phone-marks", query={"limit": "100"})
    assert code == 200 and opted in {m["phone"] for m in listed["marks"]}
    code, body = world.driver.api("DELETE", f"/phone-marks/{opted.replace('+', '%2B')}")
    assert code == 200 and body == {"phone": opted, "cleared": True}
    assert PhoneMarksTable.get_phone_mark(opted) is None
    code, log = world.driver.api("GET", f"/customers/{world.id('C8')}/activity")
    assert code == 200
    (cleared,) = [a for a in log["activity"] if a["action"] == "clear_mark"]
    assert cleared["target"] == "phone" and cleared["target_id"] == opted
    code, _ = world.driver.api("DELETE", f"/phone-marks/{opted.replace('+', '%2B')}")
    assert code == 404


def test_a_marked_number_is_not_texted_until_the_mark_is_cleared(
    world: World, monkeypatch: pytest.MonkeyPatch
):
    phone = a_phone()  # SNS says it is not opted out: only our mark holds it back
    PhoneMarksTable().mark_phone(phone, datetime(2026, 10, 1, tzinfo=UTC), "test", None)
    world.put(world.customer("C9", phone=phone), D1 - timedelta(days=3))
    world.evaluate(D1)
    on(D1, monkeypatch)
    world.driver.drain()
    assert world.ledger("C9", world.letter_id("C9", D1))[0] == "printed"
    assert world.texts(phone) == []
    code, _ = world.driver.api("DELETE", f"/phone-marks/{phone.replace('+', '%2B')}")
    assert code == 200
    d2 = D1 + timedelta(days=3)  # level 2 is due
    world.evaluate(d2)
    on(d2, monkeypatch)
    world.driver.drain()
    assert world.ledger("C9", world.letter_id("C9", d2))[0] == "sent"
    assert len(world.texts(phone)) == 1
