"""How the ledger's outcome writes are cut to fit TransactWriteItems' limits."""

from types import SimpleNamespace
from typing import Any

import pytest

from dunning.adapters.dynamodb.letter_ledger import (
    TRANSACTION_BYTES,
    TRANSACTION_ITEMS,
    transaction_chunks,
)
from dunning.domain.delivery.ledger import Transition
from dunning.domain.model import LetterStatus as S

pytestmark = pytest.mark.unit


def changes(n: int, body_bytes: int) -> tuple[list[Any], Any]:
    letters = [SimpleNamespace(letter_id=f"L{i}") for i in range(n)]

    def item_of(letter: Any, status: str, delivery: dict) -> Any:
        return SimpleNamespace(body="x" * body_bytes, letter_id=letter.letter_id)

    return [Transition(letter, (S.CLAIMED,), S.SENT, {}) for letter in letters], item_of


def test_at_most_100_letters_per_transaction():
    todo, item_of = changes(250, 2_000)
    sizes = [len(chunk) for chunk in transaction_chunks(todo, item_of)]
    assert sizes == [TRANSACTION_ITEMS, TRANSACTION_ITEMS, 50]


def test_long_letters_are_cut_well_below_4_mb():
    todo, item_of = changes(20, 300_000)  # a letter of a few thousand lines each
    chunks = list(transaction_chunks(todo, item_of))
    assert [len(c) for c in chunks] == [6, 6, 6, 2]
    assert all(sum(len(item.body) for _, item in c) <= TRANSACTION_BYTES for c in chunks)
    assert [item.letter_id for c in chunks for _, item in c] == [f"L{i}" for i in range(20)]
