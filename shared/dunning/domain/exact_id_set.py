"""A compact, exact set of ids for finding duplicates in a streamed file.

Why not a Python `set`: a million ids as `str` objects in a set cost about
100 MB (object headers plus a sparse table); the import validation must stay
under 64 MB for such a file. Why not hashes alone: two different ids may share
a 64-bit hash, and a false "duplicate id" would reject a good file.

So the ids are kept exactly, but flat:
- `_arena`: every id's UTF-8 bytes back to back in one `bytearray`,
  `_ends[k]` where id k ends, `_lines[k]` the line it was first seen on;
- `_hashes[k]`: its 64-bit hash, so a probe compares 8-byte integers and
  only touches the arena bytes when the hashes are equal (that is, for a real
  duplicate, or a hash collision which the byte comparison then rules out);
- `_slots`: an open-addressing table (linear probing, kept at most half full)
  of id numbers + 1, 0 meaning empty.

About 24-28 bytes per id plus the id's own length (1,000,000 ids of 14 characters:
about 38 MB), all in five flat buffers: no object per id.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

_INITIAL_SLOTS = 1024


class ExactIdSet:
    """Remembers ids and the line each was first seen on; never a false match."""

    __slots__ = ("_arena", "_ends", "_hash", "_hashes", "_lines", "_mask", "_slots")

    def __init__(self, hash_function: Callable[[bytes], int] = hash) -> None:
        # Python's own hash of bytes (SipHash, salted per process) unless a test
        # wants collisions on purpose.
        self._hash = hash_function
        self._arena = bytearray()
        self._ends = array("I")  # arena offsets: a file over 4 GiB of ids overflows loudly
        self._hashes = array("q")
        self._lines = array("I")
        self._slots = array("I", bytes(_INITIAL_SLOTS * array("I").itemsize))
        self._mask = _INITIAL_SLOTS - 1

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        data = key.encode()
        return self._find(data, self._hash(data))[0] >= 0

    def first_line(self, key: str) -> int | None:
        """The line `key` was first added with, or None if it was never added."""
        data = key.encode()
        entry = self._find(data, self._hash(data))[0]
        return None if entry < 0 else self._lines[entry]

    def add(self, key: str, line: int) -> int:
        """Add `key` seen on `line`; return 0 if it is new, else its first line."""
        repeats = self.add_many((key,), (line,))
        return repeats[0][1] if repeats else 0

    def add_many(self, keys: Sequence[str], lines: Sequence[int]) -> list[tuple[int, int]]:
        """Add keys in order; (index in `keys`, first line) for each seen before.

        `_find` written out in the loop: this runs once per row of every file.
        """
        repeats: list[tuple[int, int]] = []
        hash_of, slots, hashes, mask = self._hash, self._slots, self._hashes, self._mask
        arena, ends, first_lines = self._arena, self._ends, self._lines
        for index, key in enumerate(keys):
            data = key.encode()
            digest = hash_of(data)
            slot = digest & mask
            entry = slots[slot]
            while entry:
                if hashes[entry - 1] == digest and self._text(entry - 1) == data:
                    repeats.append((index, first_lines[entry - 1]))
                    break
                slot = (slot + 1) & mask
                entry = slots[slot]
            else:
                count = len(hashes)
                slots[slot] = count + 1
                hashes.append(digest)
                first_lines.append(lines[index])
                arena += data
                ends.append(len(arena))
                if 2 * count + 2 > len(slots):
                    self._grow()
                    slots, mask = self._slots, self._mask
        return repeats

    def _find(self, data: bytes, digest: int) -> tuple[int, int]:
        """(entry, slot) of `data`, or (-1, the empty slot where it would go)."""
        slots, hashes, mask = self._slots, self._hashes, self._mask
        slot = digest & mask
        while True:
            entry = slots[slot] - 1
            if entry < 0:
                return -1, slot
            if hashes[entry] == digest and self._text(entry) == data:
                return entry, slot
            slot = (slot + 1) & mask

    def _text(self, entry: int) -> bytearray:
        start = self._ends[entry - 1] if entry else 0
        return self._arena[start : self._ends[entry]]

    def _grow(self) -> None:
        size = 2 * len(self._slots)
        slots = array("I", bytes(size * self._slots.itemsize))
        mask = size - 1
        for entry, digest in enumerate(self._hashes):
            slot = digest & mask
            while slots[slot]:
                slot = (slot + 1) & mask
            slots[slot] = entry + 1
        self._slots, self._mask = slots, mask
