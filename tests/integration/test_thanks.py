"""Thank-you notes exactly once (SPEC 2.9) through the real schedule -> evaluate path
on the embedded AWS, with faults injected where a redelivery would come from."""

from __future__ import annotations

import email
import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from typing import Any

import pytest

from dunning.adapters.dynamodb.keys import cust_pk, thanks_sk
from dunning.adapters.dynamodb.models import ThanksItem, bind
from dunning.composition import evaluate_deps
from dunning.domain.engine.engagement import thanks_id_for
from dunning.domain.model import Customer, Invoice, InvoiceStatus, ScopeKind, ScopeRef
from dunning.ports import TransientError
from dunning.settings import Settings
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

EVALUATE = "EvaluateFunction"
HEADER = "X-Dunning-Letter-Id"
D1 = date(2026, 10, 5)
D2 = D1 + timedelta(days=2)


def config_for(sub: str) -> bytes:
    return f"""
subsidiaries:
  - id: {sub}
    name: Acme {sub} B.V.
    base_currency: EUR
    timezone: UTC
    locale: en
    sender: collections@acme.example
    default_procedure: STD
procedures:
  - id: STD
    thank_you_template: thanks
    levels:
      - {{days: 1, template: friendly}}
""".encode()


@dataclass
class World:
    aws: EmbeddedAws
    driver: LocalDriver
    repo: DunningTable
    sub: str

    def run(self, day: date) -> None:
        """The morning's schedule, the evaluation and the letters it queued."""
        self.aws.client("s3").put_object(
            Bucket=self.aws.deployment.refs["ConfigBucket"],
            Key="dunning.yaml",
            Body=config_for(self.sub),
        )
        with env("DUNNING_FIXED_NOW", f"{day.isoformat()}T12:00:00+00:00"):
            morning = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
            started = self.driver.fire_schedule(morning)
            assert started["started"] == {self.sub: 1}, started
            self.driver.drain()

    def thanks_id(self, cid: str, last_letter: date) -> str:
        return thanks_id_for(self.sub, ScopeRef(ScopeKind.CUSTOMER, cid, "EUR"), last_letter)

    def emails(self, message_id: str) -> list[Any]:
        with urllib.request.urlopen(f"{self.aws.moto.url}/moto-api/data.json") as r:
            data = json.load(r)
        raws = [m["raw_data"] for m in data.get("ses", {}).get("RawMessage", [])]
        found = [email.message_from_string(raw, policy=policy.default) for raw in raws]
        return [m for m in found if m.get(HEADER) == message_id]


class env:
    def __init__(self, key: str, value: str):
        self.key, self.value = key, value

    def __enter__(self) -> None:
        self.saved = os.environ.get(self.key)
        os.environ[self.key] = self.value

    def __exit__(self, *exc: object) -> None:
        if self.saved is None:
            os.environ.pop(self.key, None)
        else:
            os.environ[self.key] = self.saved


@pytest.fixture
def world(aws: EmbeddedAws, driver: LocalDriver) -> Iterator[World]:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    sub = f"T{uuid.uuid4().hex[:6].upper()}"
    aws.client("ses").verify_domain_identity(Domain="acme.example")
    yield World(aws, driver, DunningTable(), sub)
    driver.deps.pop(EVALUATE, None)


def lettered_then_paid(world: World, cid: str) -> str:
    """A customer sent a letter on D1, whose invoice is paid before D2's run."""
    customer = Customer(cid, world.sub, f"Customer {cid}", emails=(f"ap@{cid.lower()}.example",))
    due = D1 - timedelta(days=3)
    inv = Invoice(
        f"I-{cid}",
        cid,
        f"NR-{cid}",
        due - timedelta(days=30),
        due,
        "EUR",
        Decimal(100),
        Decimal(100),
    )
    world.repo.put_customers([customer])
    world.repo.put_invoices([inv])
    world.run(D1)
    paid = replace(inv, amount_remaining=Decimal(0), status=InvoiceStatus.PAID, paid_date=D2)
    world.repo.put_invoices([paid])
    return world.thanks_id(cid, D1)


def real_bundle(world: World) -> Any:
    with world.aws.function_env(EVALUATE):
        return evaluate_deps(Settings.from_env())


class StatesLostOnce:
    """The evaluation crashes after the notes went out, before the states are written:
    SQS delivers the shard again and the engine decides the same notes."""

    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def save_states(self, *args: Any) -> int:
        self.calls += 1
        if self.calls == 1:
            raise TimeoutError("the function timed out")
        return int(self.real.save_states(*args))


def test_a_redelivered_evaluation_still_sends_one_note(world: World):
    thanks_id = lettered_then_paid(world, "C1")
    bundle = real_bundle(world)
    lossy = StatesLostOnce(bundle.repo)
    world.driver.deps[EVALUATE] = replace(bundle, repo=lossy)
    world.run(D2)
    assert lossy.calls == 2  # the shard came back once
    (note,) = world.emails(thanks_id)
    assert note["To"] == "ap@c1.example"
    assert note["Subject"] == f"Thank you for your payment – Acme {world.sub} B.V."
    item = ThanksItem.get(cust_pk("C1"), thanks_sk(thanks_id), consistent_read=True)
    assert item.status == "sent"
    world.driver.deps.pop(EVALUATE)
    world.run(D2 + timedelta(days=1))  # the cycle is over: no second note
    assert len(world.emails(thanks_id)) == 1


class ThrottledOnce:
    def __init__(self, real: Any):
        self.real, self.calls = real, 0

    def send(self, envelope: Any, letter: Any, attachments: Any) -> str:
        self.calls += 1
        if self.calls == 1:
            raise TransientError("SES: Throttling")
        return str(self.real.send(envelope, letter, attachments))


def test_a_throttled_note_is_sent_once_when_the_evaluation_comes_back(world: World):
    thanks_id = lettered_then_paid(world, "C2")
    bundle = real_bundle(world)
    throttled = ThrottledOnce(bundle.thanks.mailer)
    world.driver.deps[EVALUATE] = replace(bundle, thanks=replace(bundle.thanks, mailer=throttled))
    world.run(D2)
    assert throttled.calls == 2
    assert len(world.emails(thanks_id)) == 1
