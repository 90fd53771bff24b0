"""A compact, exact set of ids for finding duplicates in a streamed file.

Why not a Python `set`: an object per id (its header) and a sparse table
cost several times the ids' own bytes, more than the import validation's
64 MB allow for a file of a million rows. Why not hashes alone: two
different ids may share a hash, and a false "duplicate id" would reject a
good file.

So the ids are kept exactly, but flat, in five buffers and no object per id:
- `_arena`: every id's UTF-8 bytes back to back in one `bytearray`;
  `_ends[k]`: where id k ends in it; `_lines[k]`: the line it was first on;
- `_hashes[k]`: the low 32 bits of its hash. They pick its slot, and a probe
  compares them before it compares bytes: the arena is only read for a real
  duplicate or a 1-in-4-billion near miss, which the bytes then rule out;
- `_slots`: an open-addressing table (linear probing, at most half full) of
  id numbers + 1, 0 meaning empty.

That is 12 bytes per id, 8 to 16 of table, plus the id's own bytes: a
million ids fit in the validation's memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable

_INITIAL_SLOTS = 1024
_LOW_32 = 0xFFFF_FFFF


class ExactIdSet:
    """Remembers ids and the line each was first seen on; never a false match."""

    __slots__ = ("_arena", "_ends", "_hash", "_hashes", "_lines", "_mask", "_slots")

    def __init__(self, hash_function: Callable[[bytes], int] = hash) -> None:
        # Python's own hash of bytes (SipHash, salted per process) unless a test
        # wants collisions on purpose.
        self._hash = hash_function
        self._arena = bytearray()
        self._ends = array("I")  # 4 GiB of ids at most: more overflows loudly
        self._hashes = array("I")
        self._lines = array("I")
        self._slots = array("I", [0]) * _INITIAL_SLOTS
        self._mask = _INITIAL_SLOTS - 1

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.first_line(key) is not None

    def first_line(self, key: str) -> int | None:
        """The line `key` was first added with, or None if it was never added."""
        data = key.encode()
        digest = self._hash(data) & _LOW_32
        slots, hashes, mask = self._slots, self._hashes, self._mask
        slot = digest & mask
        entry = slots[slot]
        while entry:
            if hashes[entry - 1] == digest and self._holds(entry - 1, data):
                return self._lines[entry - 1]
            slot = (slot + 1) & mask
            entry = slots[slot]
        return None

    def add(self, key: str, line: int) -> int:
        """Add `key` seen on `line`; return 0 if it is new, else its first line."""
        repeats = self.add_many((key,), (line,))
        return repeats[0][1] if repeats else 0

    def add_many(self, keys: Iterable[str], lines: Iterable[int]) -> list[tuple[int, int]]:
        """Add keys in order; (index in `keys`, first line) for each seen before.

        The probe loop of `first_line` written out: this runs for every row of
        every file, and a call per id would cost more than the work.
        """
        repeats: list[tuple[int, int]] = []
        hash_of, slots, hashes, mask = self._hash, self._slots, self._hashes, self._mask
        arena, ends, first_lines = self._arena, self._ends, self._lines
        count, limit = len(hashes), len(slots) >> 1
        for index, (key, line) in enumerate(zip(keys, lines, strict=True)):
            data = key.encode()
            digest = hash_of(data) & _LOW_32
            slot = digest & mask
            entry = slots[slot]
            while entry:
                if hashes[entry - 1] == digest and self._holds(entry - 1, data):
                    repeats.append((index, first_lines[entry - 1]))
                    break
                slot = (slot + 1) & mask
                entry = slots[slot]
            else:
                count += 1
                slots[slot] = count
                hashes.append(digest)
                first_lines.append(line)
                arena += data
                ends.append(len(arena))
                if count >= limit:
                    self._grow()
                    slots, mask, limit = self._slots, self._mask, len(self._slots) >> 1
        return repeats

    def _holds(self, entry: int, data: bytes) -> bool:
        """Whether id `entry` is exactly `data` (without copying it out)."""
        start = self._ends[entry - 1] if entry else 0
        return self._ends[entry] - start == len(data) and self._arena.startswith(data, start)

    def _grow(self) -> None:
        size = 2 * len(self._slots)
        slots = array("I", [0]) * size  # one allocation: no temporary bytes object
        mask = size - 1
        for entry, digest in enumerate(self._hashes, 1):
            slot = digest & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = entry
        self._slots, self._mask = slots, mask
