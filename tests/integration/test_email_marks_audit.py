"""SPEC 2.10 for bounce marks (2.9): clearing one records who did it and when, in the
log of the customer whose letter bounced, or beside the address when no letter names
a customer; listing them changes nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.bounce_marks import BounceMarksTable
from dunning.adapters.dynamodb.models import ActivityItem, bind
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.driver import LocalDriver

pytestmark = pytest.mark.integration


def test_clearing_a_mark_of_no_known_customer_is_logged_beside_the_address(
    aws: EmbeddedAws, driver: LocalDriver, monkeypatch: pytest.MonkeyPatch
):
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    monkeypatch.setenv("DUNNING_FIXED_NOW", "2026-10-05T12:00:00+00:00")
    address = f"gone-{uuid.uuid4().hex[:6]}@audit.example"
    at = datetime(2026, 10, 4, 9, tzinfo=UTC)
    BounceMarksTable().mark_address(address, "complaint", at, "abuse", None)
    before = list(ActivityItem.query(keys.address_pk(address)))
    status, _ = driver.api("GET", "/email-marks", None, {"limit": "100"})
    assert status == 200
    assert list(ActivityItem.query(keys.address_pk(address))) == before == []  # reads log nothing
    status, body = driver.api("DELETE", f"/email-marks/{address.replace('@', '%40')}")
    assert status == 200 and body["cleared"] is True
    (logged,) = ActivityItem.query(keys.address_pk(address))
    assert (logged.action, logged.actor, logged.target_id) == ("clear_mark", "local", address)
    assert logged.at.startswith("2026-10-05T12:00:00")  # when: the service's clock
    assert json.loads(logged.detail)["reason"] == "complaint"
