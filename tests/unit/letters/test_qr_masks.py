"""segno's masks applied and scored a row at a time give the very QR codes segno
gives: the same penalties, the same mask chosen, the same modules, for codes of every
size a letter can have."""

from __future__ import annotations

import random

import pytest
import segno
import segno.encoder

from dunning.domain.letters import qr_masks

pytestmark = pytest.mark.unit


def payloads() -> list[str]:
    rng = random.Random(11649)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,-/\n€äöüß"
    # EPC payloads run from ~60 to 331 bytes; a few short ones give small versions
    sizes = [1, 5, 17, 40, 60, 90, 120, 180, 240, 331] * 2
    return ["".join(rng.choice(alphabet) for _ in range(n)) for n in sizes]


def codes(monkeypatch: pytest.MonkeyPatch, by_rows: bool, **kw) -> list[tuple]:
    apply = qr_masks.apply_mask_by_rows if by_rows else qr_masks._segno_apply_mask
    scores = qr_masks.mask_scores_by_rows if by_rows else qr_masks._segno_mask_scores
    monkeypatch.setattr(segno.encoder, "apply_mask", apply)
    monkeypatch.setattr(segno.encoder, "mask_scores", scores)
    found = []
    for payload in payloads():
        qr = segno.make_qr(payload.encode(), **kw)
        found.append((qr.version, qr.mask, qr.matrix))
    return found


def test_every_mask_gives_the_modules_segno_gives(monkeypatch: pytest.MonkeyPatch):
    assert codes(monkeypatch, True, error="m", boost_error=False) == codes(
        monkeypatch, False, error="m", boost_error=False
    )
    for mask in range(8):  # each mask on its own, as when segno is told which one (QR)
        assert codes(monkeypatch, True, error="m", mask=mask) == codes(
            monkeypatch, False, error="m", mask=mask
        )


def test_the_penalty_scores_are_segno_s_for_any_matrix():
    rng = random.Random(18004)
    for size in (21, 25, 45, 57, 77):
        for dark_share in (0.1, 0.5, 0.9):
            matrix = [
                bytearray(1 if rng.random() < dark_share else 0 for _ in range(size))
                for _ in range(size)
            ]
            # long runs, blocks and finder-like patterns at the edges and inside
            matrix[0][:] = bytes([1, 0, 1, 1, 1, 0, 1] + [0] * (size - 7))
            matrix[size // 2][size - 11 :] = bytes([0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1])
            matrix[3][2:12] = bytes(10)
            expected = qr_masks._segno_mask_scores(matrix, size, size)
            assert qr_masks.mask_scores_by_rows(matrix, size, size) == expected
    matrix[5][5] = 2  # segno's "not set yet": scored as segno does
    assert qr_masks.mask_scores_by_rows(matrix, 77, 77) == qr_masks._segno_mask_scores(
        matrix, 77, 77
    )


def test_micro_qr_codes_are_the_same_too(monkeypatch: pytest.MonkeyPatch):
    kw = {"micro": True, "error": "l", "boost_error": False}
    short = [p[:8] for p in payloads()[:12]]
    mine, theirs = [], []
    for found, apply in ((mine, qr_masks.apply_mask_by_rows), (theirs, qr_masks._segno_apply_mask)):
        monkeypatch.setattr(segno.encoder, "apply_mask", apply)
        found.extend(
            (qr.version, qr.mask, qr.matrix) for qr in (segno.make(p.encode(), **kw) for p in short)
        )
    assert mine == theirs and all(str(version).startswith("M") for version, _, _ in mine)


def test_a_mask_that_is_not_segno_s_is_applied_as_segno_would(monkeypatch: pytest.MonkeyPatch):
    def odd(i: int, j: int) -> bool:
        return (i * j) % 5 == 0

    region = lambda i, j: (i + j) % 2 == 0  # noqa: E731
    ours = [bytearray([0, 1, 0, 1]) for _ in range(4)]
    theirs = [bytearray(r) for r in ours]
    qr_masks.apply_mask_by_rows(ours, odd, 4, 4, region)
    qr_masks._segno_apply_mask(theirs, odd, 4, 4, region)
    assert ours == theirs != [bytearray([0, 1, 0, 1]) for _ in range(4)]


def test_segno_uses_the_row_masks_once_installed():
    assert qr_masks.use_row_masks() is True
    assert segno.encoder.apply_mask is qr_masks.apply_mask_by_rows
    assert segno.encoder.mask_scores is qr_masks.mask_scores_by_rows
