"""Email tracking (SPEC 2.9) through the real bounces function on the embedded AWS: SES
events in the shapes the configuration set publishes to SNS, recorded on the letter
(first time of each kind), shown in its history and counted on the dashboard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.models import AddressItem, bind
from dunning.domain.model import Customer, Invoice, ScopeKind, ScopeRef, letter_id_for
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver
from dunning_local.ses_events import ses_event, sns_event
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

BOUNCES = "BouncesFunction"
D1 = date(2026, 10, 5)


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
    levels:
      - {{days: 1, template: friendly}}
      - {{days: 20, template: firm}}
""".encode()


@dataclass
class World:
    aws: EmbeddedAws
    driver: LocalDriver
    sub: str

    def sent_letter(self, cid: str, days_overdue: int) -> tuple[str, str]:
        """A letter emailed on D1: its id and SES's message id."""
        repo = DunningTable()
        due = D1 - timedelta(days=days_overdue)
        repo.put_customers(
            [Customer(cid, self.sub, f"Customer {cid}", emails=(f"ap@{cid.lower()}.example",))]
        )
        issued = due - timedelta(days=30)
        amount = Decimal(90)
        repo.put_invoices([Invoice(f"I-{cid}", cid, "NR-1", issued, due, "EUR", amount, amount)])
        self.aws.client("s3").put_object(
            Bucket=self.aws.deployment.refs["ConfigBucket"],
            Key="dunning.yaml",
            Body=config_for(self.sub),
        )
        self.driver.fire_schedule(datetime(D1.year, D1.month, D1.day, 6, tzinfo=UTC))
        self.driver.drain()
        letter_id = letter_id_for(self.sub, ScopeRef(ScopeKind.CUSTOMER, cid, "EUR"), D1)
        entry = repo.get_letter(cid, letter_id)
        assert entry is not None and entry.status == "sent"
        return letter_id, str(entry.delivery["message_id"])

    def events(self, *messages: str) -> dict[str, Any]:
        return self.driver.invoke(BOUNCES, sns_event(*messages))

    def letter(self, letter_id: str) -> dict[str, Any]:
        status, body = self.driver.api("GET", f"/letters/{letter_id}")
        assert status == 200, body
        return body

    def by_level(self) -> dict[int, dict[str, Any]]:
        query = {"from": D1.isoformat(), "to": D1.isoformat()}
        status, body = self.driver.api("GET", "/dashboard/letters", None, query)
        assert status == 200, body
        return {lv["level"]: lv for lv in body["by_level"]}


@pytest.fixture
def world(
    aws: EmbeddedAws, driver: LocalDriver, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    aws.client("ses").verify_domain_identity(Domain="acme.example")
    monkeypatch.setenv("DUNNING_FIXED_NOW", f"{D1.isoformat()}T12:00:00+00:00")
    yield World(aws, driver, f"K{uuid.uuid4().hex[:6].upper()}")


def test_the_first_time_of_each_event_is_recorded_on_the_letter_and_counted(world: World):
    letter_id, message_id = world.sent_letter("C1", days_overdue=25)  # a level 2 letter
    at = {
        "Delivery": "2026-10-05T06:00:03.250Z",
        "Open": "2026-10-05T09:12:44.000Z",
        "Click": "2026-10-05T09:13:02.500Z",
    }
    events = [ses_event(k, letter_id, at=t, message_id=message_id) for k, t in at.items()]
    summary = world.events(*events)
    assert summary["tracked"] == ["delivery", "open", "click"]
    assert world.letter(letter_id)["delivery"]["tracking"] == {
        "delivery": "2026-10-05T06:00:03.250Z",
        "open": "2026-10-05T09:12:44.000Z",
        "click": "2026-10-05T09:13:02.500Z",
    }
    level = world.by_level()[2]
    assert (level["letters"], level["emails_delivered"], level["emails_opened"]) == (1, 1, 1)
    assert level["emails_clicked"] == 1 and level["emails_bounced"] == 0
    status, history = world.driver.api("GET", "/customers/C1/letters")
    assert status == 200
    (listed,) = [x for x in history["letters"] if x["letter_id"] == letter_id]
    assert listed["delivery"]["tracking"]["open"] == "2026-10-05T09:12:44.000Z"


def test_replayed_events_change_nothing(world: World):
    letter_id, _ = world.sent_letter("C2", days_overdue=3)
    delivered = ses_event("Delivery", letter_id, at="2026-10-05T06:00:03.000Z")
    opened = ses_event("Open", letter_id, at="2026-10-05T10:00:00.000Z")
    world.events(delivered, opened)
    before = (world.letter(letter_id)["delivery"]["tracking"], world.by_level())
    again = world.events(delivered, opened, delivered)  # SNS delivers at least once
    assert again["tracked"] == [] and again["replayed"] == 3
    # a second open, later: the first time stays
    later = world.events(ses_event("Open", letter_id, at="2026-10-06T08:00:00.000Z"))
    assert later["replayed"] == 1
    assert (world.letter(letter_id)["delivery"]["tracking"], world.by_level()) == before
    assert before[1][1]["emails_opened"] == 1


def test_an_earlier_event_arriving_late_keeps_the_first_time_and_counts_once(world: World):
    letter_id, _ = world.sent_letter("C3", days_overdue=3)
    world.events(ses_event("Open", letter_id, at="2026-10-05T10:00:00.000Z"))
    world.events(ses_event("Open", letter_id, at="2026-10-05T08:30:00.000Z"))
    assert world.letter(letter_id)["delivery"]["tracking"] == {"open": "2026-10-05T08:30:00.000Z"}
    assert world.by_level()[1]["emails_opened"] == 1


def test_an_event_for_no_letter_on_file_is_logged_and_left(world: World):
    summary = world.events(
        ses_event("Delivery", "L20261005-ffffffffffffffff"),  # never sent
        ses_event("Open", None),  # an email without our header
    )
    assert summary["unknown_letters"] == 2 and summary["tracked"] == []


def test_a_bounce_marks_the_address_and_is_recorded_on_the_letter(world: World):
    letter_id, _ = world.sent_letter("C4", days_overdue=3)
    summary = world.events(ses_event("Bounce", letter_id, to="ap@c4.example"))
    assert summary["marked"] == 1 and summary["tracked"] == ["bounce"]
    assert "bounce" in world.letter(letter_id)["delivery"]["tracking"]
    assert DunningTable().get_mark("ap@c4.example") is not None
    # the session's table is shared: other tests list the marks
    AddressItem(keys.address_pk("ap@c4.example"), keys.BOUNCE).delete()
    assert world.by_level()[1]["emails_bounced"] == 1
