"""segno's QR data masks applied a row at a time: the same modules, ~10x fewer steps.

ISO 18004 asks for the mask with the lowest penalty, so segno applies each of the
eight masks to a copy of the symbol and scores it. Its apply_mask asks two Python
functions about every module (is it data? is it masked?): 8 x 57 x 57 calls for
the EPC code of a letter, about half of the ~5 ms segno takes. Which modules a mask
flips depends only on the mask and the symbol's size, so each (mask, size) is worked
out once, by segno's own functions, as one integer per row; applying it is then an
XOR per row. The matrix, the mask chosen and so the PNG stay the same
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


@cache
def use_row_masks() -> bool:
    """Have segno apply its masks a row at a time, once per process; False (and segno
    left as it is) when this segno's apply_mask is not the one this was made for."""
    try:
        parameters = list(inspect.signature(_segno_apply_mask).parameters)
    except (TypeError, ValueError):
        return False
    if parameters != _SIGNATURE:
        return False
    segno.encoder.apply_mask = apply_mask_by_rows
    return True
