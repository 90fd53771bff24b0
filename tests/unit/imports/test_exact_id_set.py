"""The duplicate-id set is exact: hash collisions never make a false duplicate."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.domain.imports.id_set import ExactIdSet

pytestmark = pytest.mark.unit


def constant_hash(data: bytes) -> int:
    return 42  # every id collides with every other


def test_colliding_ids_are_told_apart_by_their_bytes() -> None:
    ids = ExactIdSet(hash_function=constant_hash)
    assert [ids.add(key, line) for line, key in enumerate(["a", "b", "ab", "é"], 2)] == [0] * 4
    assert ids.add("b", 9) == 3
    assert ids.add("é", 10) == 5
    assert "ab" in ids and "ba" not in ids
    assert len(ids) == 4


def test_growing_keeps_every_id_and_its_first_line() -> None:
    ids = ExactIdSet()
    for line in range(2, 20_002):
        assert ids.add(f"INV-{line}", line) == 0
    assert len(ids) == 20_000
    assert ids.first_line("INV-12345") == 12_345
    assert ids.first_line("INV-1") is None
    assert ids.add("INV-20001", 1) == 20_001


@pytest.mark.parametrize("hash_function", [hash, len, constant_hash], ids=["hash", "len", "const"])
@given(keys=st.lists(st.text(max_size=6), max_size=300))
def test_behaves_like_a_dict_of_first_lines(
    hash_function: Callable[[bytes], int], keys: list[str]
) -> None:
    ids = ExactIdSet(hash_function=hash_function)
    model: dict[str, int] = {}
    half = len(keys) // 2
    # One half one by one, the other as a batch: both ways must agree.
    for line, key in enumerate(keys[:half], 1):
        assert ids.add(key, line) == model.get(key, 0)
        model.setdefault(key, line)
    batch = keys[half:]
    lines = list(range(half + 1, len(keys) + 1))
    expected = []
    for index, (key, line) in enumerate(zip(batch, lines, strict=True)):
        if key in model:
            expected.append((index, model[key]))
        model.setdefault(key, line)
    assert ids.add_many(batch, lines) == expected
    assert len(ids) == len(model)
    assert all(key in ids for key in model)
