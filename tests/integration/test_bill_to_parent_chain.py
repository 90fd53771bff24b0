"""A customer billed to a parent that is itself billed to its parent (a grandchild) is
dunned as the end of the chain, in storage as in the engine (SPEC 2.1)."""

from datetime import date
from decimal import Decimal

import pytest

from dunning.adapters.dynamodb.collections_table import CollectionsTable
from dunning.adapters.dynamodb.models import bind
from dunning.domain.configuration.parse import parse_config
from dunning.domain.engine.run import evaluate
from dunning.domain.model import Customer, Invoice
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration

AS_OF = date(2026, 10, 1)


@pytest.fixture(scope="module")
def table(aws: EmbeddedAws) -> DunningTable:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return DunningTable()


def family(sub: str, prefix: str) -> list[Customer]:
    top, middle, bottom = (f"{prefix}-{n}" for n in ("GRANDPARENT", "PARENT", "CHILD"))
    return [
        Customer(top, sub, "Top"),
        Customer(middle, sub, "Middle", parent_id=top, bill_to_parent=True),
        Customer(bottom, sub, "Bottom", parent_id=middle, bill_to_parent=True),
    ]


def invoice(customer_id: str) -> Invoice:
    amount = Decimal("40.00")
    return Invoice(
        f"{customer_id}-I", customer_id, "1", date(2026, 8, 1), date(2026, 9, 1), "EUR",
        amount, amount,
    )  # fmt: skip


def the_letters(table: DunningTable, sub: str, customers: list[Customer]):
    table.put_invoices([invoice(c.customer_id) for c in customers])
    roster = table.roster(sub)
    snapshot = table.load_shard(sub, roster[0], roster[-1])
    config = parse_config(CONFIG_TEXT.replace("SUBID", sub))
    return roster, snapshot, evaluate(config, sub, snapshot, AS_OF).letters


CONFIG_TEXT = """
subsidiaries:
  - {id: SUBID, name: Chain B.V., base_currency: EUR, timezone: Europe/Amsterdam,
     locale: nl, sender: ar@chain.example, default_procedure: STD}
procedures:
  - id: STD
    applies_to: customer
    levels:
      - {days: 10, template: friendly}
"""


@pytest.mark.parametrize("one_by_one", [False, True], ids=["one file", "one file each"])
def test_a_grandchild_is_dunned_in_its_grandparents_letter(table, one_by_one):
    sub = "CHAIN" + ("B" if one_by_one else "A")
    customers = family(sub, sub)
    if one_by_one:  # each customer stored before the next names it as its parent
        for c in customers:
            table.put_customers([c])
    else:
        table.put_customers(list(reversed(customers)))
    roster, snapshot, letters = the_letters(table, sub, customers)
    top = customers[0].customer_id
    assert roster == [top]
    assert {i.customer_id for i in snapshot.invoices} == {c.customer_id for c in customers}
    assert [(x.customer_id, len(x.items)) for x in letters] == [(top, 3)]
    stored = {c.customer_id: CollectionsTable().customer(c.customer_id) for c in customers}
    assert {i: c.dunned_as_id for i, c in stored.items() if c} == dict.fromkeys(stored, top)
