"""segno's QR data masks applied and scored a row at a time: the same QR code, found
in a third of the time.

ISO 18004 asks for the mask with the lowest penalty, so segno applies each of the
eight masks to a copy of the symbol and scores it, asking Python about every module:
~5 of the ~7 ms segno takes for the EPC code of a letter. Here:
- which modules a mask flips depends only on the mask and the symbol's size: each
  (mask, size) is worked out once, by segno's own functions, as one integer per row,
  and applying it is an XOR per row;
- the penalty (N1 runs of five or more, N2 2x2 blocks, N3 finder-like patterns,
  N4 the dark share) is counted over whole rows and columns with bytes and integer
  operations, by segno's rules as its mask_scores implements them.
The mask chosen, the matrix and so the PNG stay the same
(tests/unit/letters/test_qr_masks.py compares them with segno's own).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import segno.encoder

_SIGNATURE = ["matrix", "mask_pattern", "width", "height", "is_encoding_region"]
_MASK_NAMES = {f"fn{n}" for n in range(8)}  # segno's mask functions (get_data_mask_functions)

Matrix = Sequence[bytearray]
MaskPattern = Callable[[int, int], Any]
Region = Callable[[int, int], bool]


def _row_masks(
    mask_pattern: MaskPattern, width: int, height: int, is_encoding_region: Region
) -> list[int]:
    """The modules `mask_pattern` flips, row by row, as big-endian integers (one byte a
    module, as segno's bytearray rows hold them)."""
    rows = []
    for i in range(height):
        flips = bytes(
            1 if is_encoding_region(i, j) and mask_pattern(i, j) else 0 for j in range(width)
        )
        rows.append(int.from_bytes(flips, "big"))
    return rows


def apply_mask_by_rows(
    matrix: Matrix,
    mask_pattern: MaskPattern,
    width: int,
    height: int,
    is_encoding_region: Region,
) -> None:
    """segno.encoder.apply_mask, a row at a time (same arguments, same effect)."""
    name = getattr(mask_pattern, "__name__", "")
    if name not in _MASK_NAMES:  # not one of segno's masks: its own way
        _segno_apply_mask(matrix, mask_pattern, width, height, is_encoding_region)
        return
    # The region is a function of the symbol's size (finder, timing, alignment and
    # format areas); a QR and a Micro QR never share a size.
    rows = _MASKS.get((name, width, height))
    if rows is None:
        rows = _MASKS[name, width, height] = _row_masks(
            mask_pattern, width, height, is_encoding_region
        )
    for i in range(height):
        flips = rows[i]
        if flips:
            row = matrix[i]
            row[:] = (int.from_bytes(row, "big") ^ flips).to_bytes(width, "big")


_MASKS: dict[tuple[str, int, int], list[int]] = {}
_segno_apply_mask = segno.encoder.apply_mask
_segno_mask_scores = segno.encoder.mask_scores

_FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))


def mask_scores_by_rows(matrix: Matrix, width: int, height: int) -> tuple[int, int, int, int]:
    """segno.encoder.mask_scores over whole rows and columns: (N1, N2, N3, N4)."""
    assert width == height
    size = width
    rows = [bytes(row) for row in matrix]
    columns = [bytes(column) for column in zip(*rows, strict=True)]
    grid = b"".join(rows)
    n3 = sum(_finder_like(line, size) for line in rows) + sum(
        _finder_like(line, size) for line in columns
    )
    if grid.translate(None, b"\x00\x01"):  # a module neither light nor dark: segno's way
        return _segno_mask_scores(matrix, width, height)
    masks = _line_masks(size)
    n1 = _runs(int.from_bytes(grid + b"".join(columns), "big"), masks)
    cells = int.from_bytes(grid, "big")
    n4 = 10 * int(abs(float(cells.bit_count()) / (size**2) * 100 - 50) / 5)
    return n1, 3 * _same_blocks(cells, size, masks), n3, n4


@cache
def _line_masks(size: int) -> tuple[int, int, int]:
    """One bit (a byte's lowest) per module, for the rows then the columns of a symbol
    of `size`: every module; every module but a line's first; every module with one
    above and one to the left (rows only)."""
    line = b"\x01" * size
    every = int.from_bytes(line * 2 * size, "big")
    not_first = int.from_bytes((b"\x00" + line[1:]) * 2 * size, "big")
    block = int.from_bytes(b"\x00" * size + (b"\x00" + line[1:]) * (size - 1), "big")
    return every, not_first, block


def _runs(lines: int, masks: tuple[int, int, int]) -> int:
    """N1: a run of 5 + i modules alike scores 3 + i, its length less 2. One byte a
    module, 0 or 1: `alike` marks a module equal to the one before it in its line;
    four in a row mark the end of a window of five alike; a run of L has L - 4 such
    windows and one last one, so it scores windows + 2 x last ones."""
    every, not_first, _ = masks
    alike = (lines ^ (lines >> 8) ^ every) & not_first
    windows = alike & (alike >> 8) & (alike >> 16) & (alike >> 24)
    last = windows & ~(windows << 8) & every
    return windows.bit_count() + 2 * last.bit_count()


def _same_blocks(cells: int, size: int, masks: tuple[int, int, int]) -> int:
    """N2's 2x2 blocks of one colour: modules equal to their left, upper and
    upper-left neighbours (the rows as one integer, a row is 8 x size bits)."""
    above = cells >> (8 * size)
    differ = (cells ^ (cells >> 8)) | (cells ^ above) | (above ^ (above >> 8))
    block = masks[2]
    return block.bit_count() - (differ & block).bit_count()


def _finder_like(seq: bytes, size: int) -> int:
    """N3 as segno counts it: dark-light-dark-dark-dark-light-dark with four light
    modules (or the edge) before or after, 40 each."""
    count = 0
    idx = seq.find(_FINDER_LIKE)
    while idx != -1:
        offset = idx + 7
        if (
            idx in (0, size - 7)
            or not any(seq[max(idx - 4, 0) : min(idx, size)])
            or not any(seq[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = idx + 4  # not enough light modules: go on at the next possible start
        idx = seq.find(_FINDER_LIKE, offset)
    return count


@cache
def use_row_masks() -> bool:
    """Have segno apply and score its masks a row at a time, once per process; False
    (and segno left as it is) when this segno's functions are not the ones this was
    made for."""
    try:
        applies = list(inspect.signature(_segno_apply_mask).parameters)
        scores = list(inspect.signature(_segno_mask_scores).parameters)
    except (TypeError, ValueError):
        return False
    if applies != _SIGNATURE or scores != ["matrix", "width", "height"]:
        return False
    segno.encoder.apply_mask = apply_mask_by_rows
    segno.encoder.mask_scores = mask_scores_by_rows
    return True
