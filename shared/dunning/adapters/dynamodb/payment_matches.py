"""Payments matched to letters (SPEC 2.8): one item per (letter, payment) in the
letter's partition, written by the credits import and read with the letter history."""

from __future__ import annotations

from collections.abc import Iterable

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.batch import BatchWriter, write
from dunning.adapters.dynamodb.models import Item, LetterItem, PaymentMatchItem
from dunning.domain.letters.payments import PaymentMatch


def _item(m: PaymentMatch, letter_customer_id: str) -> PaymentMatchItem:
    return PaymentMatchItem(
        keys.cust_pk(letter_customer_id),
        keys.payment_match_sk(m.letter_id, m.credit_id),
        letter_id=m.letter_id,
        credit_id=m.credit_id,
        customer_id=m.payer_id,
        amount=m.amount,
        date=m.date,
        reference=m.reference,
    )


def _match(it: PaymentMatchItem) -> PaymentMatch:
    return PaymentMatch(
        it.letter_id, it.credit_id, it.customer_id, it.amount, it.date, it.reference
    )


def put_matches(
    matches: Iterable[PaymentMatch], dunned: dict[str, str], writer: BatchWriter | None
) -> int:
    """Each match in its letter's partition; returns how many were written.

    The letter is looked for where its payer is dunned (`dunned`: payer -> customer),
    one BatchGetItem per 100 letters, else through the ByRef index; a reference naming
    no letter on file is left unmatched. Writing the same match again overwrites it
    with itself: a re-import changes nothing.
    """
    wanted = list(matches)
    expected = {m.letter_id: dunned.get(m.payer_id, m.payer_id) for m in wanted}
    found = {
        it.letter_id: it.customer_id
        for it in LetterItem.batch_get(
            [(keys.cust_pk(c), keys.letter_sk(lid)) for lid, c in expected.items()],
            attributes_to_get=["letter_id", "customer_id"],
        )
    }
    for letter_id in expected.keys() - found.keys():
        for it in Item.by_ref.query(keys.letter_ref(letter_id), limit=1):
            found[letter_id] = it.gsi2sk
    items = [_item(m, found[m.letter_id]) for m in wanted if m.letter_id in found]
    write(items, writer)
    return len(items)


def matches_of(customer_id: str) -> list[PaymentMatch]:
    """The payments matched to the letters in a customer's partition."""
    query = PaymentMatchItem.query(
        keys.cust_pk(customer_id), PaymentMatchItem.sk.startswith(keys.PAYMENT_MATCH)
    )
    return [_match(it) for it in query]


def matches_of_letter(customer_id: str, letter_id: str) -> list[PaymentMatch]:
    """The payments matched to one letter, in its customer's partition."""
    prefix = keys.payment_match_sk(letter_id, "")
    query = PaymentMatchItem.query(
        keys.cust_pk(customer_id), PaymentMatchItem.sk.startswith(prefix)
    )
    return [_match(it) for it in query]
