"""The DynamoDB repository against DynamoDB Local: keys, sparse index, ledger."""

from datetime import date
from decimal import Decimal

import pytest

from dunning.adapters.dynamodb.models import bind
from dunning.domain.model import (
    Customer,
    Invoice,
    InvoiceStatus,
    Letter,
    LetterItem,
    LetterStatus,
    ScopeKind,
)
from dunning_local.aws import REGION, EmbeddedAws
from dunning_local.table import DunningTable

pytestmark = pytest.mark.integration


@pytest.fixture
def repo(aws: EmbeddedAws) -> DunningTable:
    bind(aws.deployment.refs["DunningTable"], REGION, aws.dynamodb.url)
    return DunningTable()


def _invoice(invoice_id: str, customer_id: str, remaining: str, **kw) -> Invoice:
    return Invoice(
        invoice_id,
        customer_id,
        invoice_id,
        date(2026, 8, 1),
        date(2026, 8, 31),
        "EUR",
        Decimal("100.00"),
        Decimal(remaining),
        **kw,
    )


def _letter(letter_id: str, customer_id: str) -> Letter:
    item = LetterItem("X1", "X1", date(2026, 8, 1), date(2026, 8, 31), Decimal(1), Decimal(1), 5)
    return Letter(
        letter_id,
        date(2026, 9, 5),
        "RS1",
        customer_id,
        ScopeKind.CUSTOMER,
        customer_id,
        "STD",
        1,
        "friendly",
        "EUR",
        (item,),
    )


def test_a_shard_reads_open_items_only_with_children_under_their_parent(repo):
    repo.put_customers(
        [
            Customer("RA1", "RS1", "Parent"),
            Customer("RZ9", "RS1", "Child", parent_id="RA1", bill_to_parent=True),
            Customer("RM5", "RS1", "Other"),
        ]
    )
    roots = repo.customer_roots(["RA1", "RZ9", "RM5"])
    assert roots == {"RA1": ("RS1", "RA1"), "RZ9": ("RS1", "RA1"), "RM5": ("RS1", "RM5")}
    repo.put_invoices(
        [
            _invoice("RI1", "RA1", "100.00"),
            _invoice("RI2", "RZ9", "40.00"),
            _invoice("RI3", "RA1", "0.00", status=InvoiceStatus.PAID),
            _invoice("RI4", "RM5", "10.00"),
        ]
    )
    assert repo.roster("RS1") == ["RA1", "RM5"]  # the child is dunned through its parent
    shard = repo.load_shard("RS1", "RA1", "RA1")
    assert {c.customer_id for c in shard.customers} == {"RA1", "RZ9"}
    assert {i.invoice_id for i in shard.invoices} == {"RI1", "RI2"}  # paid RI3 is not read
    assert shard.invoices[0].amount_remaining in {Decimal("100.00"), Decimal("40.00")}


def test_recording_the_same_letters_again_resets_nothing(repo):
    letters = [_letter(f"LTEST-{n}", "RA1") for n in range(3)]
    status = {x.letter_id: "queued" for x in letters}
    assert repo.record_letters(letters, status) == letters
    repo.transition_letter(letters[0], LetterStatus.QUEUED, LetterStatus.CLAIMED, {})
    repo.transition_letter(
        letters[0], LetterStatus.CLAIMED, LetterStatus.SENT, {"channels": ["email"]}
    )
    again = repo.record_letters(letters, status)
    assert [x.letter_id for x in again] == ["LTEST-1", "LTEST-2"]  # still queued: enqueue again
    assert repo.get_letter("RA1", "LTEST-0").status == "sent"


def test_a_batch_of_more_than_one_transaction_is_recorded_whole(repo):
    letters = [_letter(f"LBIG-{n:03d}", "RM5") for n in range(130)]
    recorded = repo.record_letters(letters, {x.letter_id: "queued" for x in letters})
    assert len(recorded) == 130
    assert sum(1 for _ in repo.letters(LetterStatus.QUEUED)) >= 130


def test_a_shard_larger_than_one_1mb_page_is_read_whole(repo):
    repo.put_customers([Customer("PG1", "PGS", "Big customer")])
    # ~420 bytes an item: 3,000 of them are ~1.25 MB, more than one Query page
    invoices = [_invoice(f"PG-{n:05d}", "PG1", "1.00", department="d" * 200) for n in range(3000)]
    repo.put_invoices(invoices)
    shard = repo.load_shard("PGS", "PG1", "PG1")
    assert len(shard.invoices) == 3000


def test_a_payment_quoting_a_letters_rf_reference_shows_in_its_history_once(repo):
    from dunning.adapters.dynamodb.collections_table import CollectionsTable
    from dunning.domain.model import Credit, CreditKind
    from dunning.domain.remittance import letter_reference, printed

    repo.put_customers(
        [
            Customer("PM1", "RS1", "Parent"),
            Customer("PM2", "RS1", "Child", parent_id="PM1", bill_to_parent=True),
        ]
    )
    letter = _letter("L20260905-00000000000000ff", "PM1")
    repo.record_letters([letter], {letter.letter_id: "queued"})
    reference = letter_reference(letter.letter_id)
    assert reference is not None
    payments = [
        # the child pays its parent's letter, quoting the reference as printed
        Credit("PAY-1", "PM2", "EUR", date(2026, 9, 9), Decimal("60.00"), CreditKind.PAYMENT,
               reference),
        Credit("PAY-2", "PM1", "EUR", date(2026, 9, 8), Decimal("40.00"), CreditKind.PAYMENT,
               printed(reference).replace(" ", "")),
        # a valid RF reference that names no letter of ours, and one of a letter not on file
        Credit("PAY-3", "PM1", "EUR", date(2026, 9, 8), Decimal("1.00"), CreditKind.PAYMENT,
               "RF18539007547034"),
        Credit("PAY-4", "PM1", "EUR", date(2026, 9, 8), Decimal("1.00"), CreditKind.PAYMENT,
               letter_reference("L20260905-0000000000000001")),
    ]  # fmt: skip
    for _ in range(2):  # importing the same payments again changes nothing
        repo.put_credits(payments)
    (entry,) = CollectionsTable().customer_letters("PM1", 10)
    assert entry.delivery["payments"] == [
        {"credit_id": "PAY-2", "amount": "40.00", "date": "2026-09-08"},
        {"credit_id": "PAY-1", "amount": "60.00", "date": "2026-09-09"},
    ]
    child_credits = repo.customer_records("PM2").credits
    assert [c.payment_reference for c in child_credits] == [reference]
