"""Every dunnable customer is read by exactly one shard, whatever its id holds."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dunning.adapters.dynamodb.models import bind
from dunning.domain.model import Customer, Delivery, Invoice, InvoiceStatus
from dunning.usecases.fan_out import shard_bounds
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

# Any character a UTF-8 CSV cell can carry once stripped: no surrogates (not UTF-8),
# no NUL or other controls (the import refuses them), so spaces, "!", '"', "#" and
# every script stay in.
ID_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
# Half the ids from a few characters that sort around a key separator, so ids that
# extend one another ("AB", "AB 1", "AB#") come up in every run.
NEAR_SEPARATORS = st.text(st.sampled_from(' !"#$AB'), min_size=1, max_size=4)
IDS = (
    st.one_of(NEAR_SEPARATORS, st.text(ID_CHARS, min_size=1, max_size=8))
    .map(str.strip)
    .filter(bool)
)
EXAMPLE = count()


def customer(customer_id: str, subsidiary: str, parent: str | None = None) -> Customer:
    return Customer(
        customer_id, subsidiary, "Name", ("a@b.example",), "en", "EUR",
        parent_id=parent, bill_to_parent=parent is not None, delivery=Delivery.EMAIL,
    )  # fmt: skip


def invoice(customer_id: str) -> Invoice:
    due = date(2026, 8, 31)
    amount = Decimal("10.00")
    return Invoice(
        f"I-{customer_id}", customer_id, "1", date(2026, 8, 1), due, "EUR", amount, amount,
        status=InvoiceStatus.OPEN,
    )  # fmt: skip


@pytest.fixture(scope="module")
def table(aws: EmbeddedAws) -> DunningTable:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return DunningTable()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ids=st.lists(IDS, min_size=1, max_size=12, unique=True),
    children=st.lists(IDS, max_size=4, unique=True),
    size=st.integers(1, 4),
    data=st.data(),
)
def test_each_customer_is_in_exactly_one_shard(table, ids, children, size, data):
    n = next(EXAMPLE)
    sub = f"SHARDS{n}"
    prefix = f"sr{n}-"  # the table is shared: these ids are this example's own
    parents = [prefix + i for i in ids]
    kids = [prefix + "kid-" + k for k in children]
    kin = {k: data.draw(st.sampled_from(parents)) for k in kids}
    customers = [customer(p, sub) for p in parents] + [customer(k, sub, kin[k]) for k in kids]
    table.put_customers(customers)
    table.put_invoices([invoice(c.customer_id) for c in customers])

    roster = table.roster(sub)
    assert sorted(roster, key=lambda i: i.encode()) == roster == sorted(parents, key=str.encode)
    seen: dict[str, int] = {}
    for first, last in shard_bounds(roster, size):
        for inv in table.load_shard(sub, first, last).invoices:
            seen[inv.customer_id] = seen.get(inv.customer_id, 0) + 1
    assert seen == {c.customer_id: 1 for c in customers}


def test_an_id_extending_another_with_a_space_or_punctuation_is_not_lost(table):
    sub = "SHARDSX"
    ids = ["AB", "AB 1", "AB!x", 'AB"q', "AB#", "ABC"]
    table.put_customers([customer(i, sub) for i in ids])
    table.put_invoices([invoice(i) for i in ids])
    for size in (1, 2, 3, 6):
        found = [
            inv.customer_id
            for first, last in shard_bounds(table.roster(sub), size)
            for inv in table.load_shard(sub, first, last).invoices
        ]
        assert sorted(found) == sorted(ids), size
