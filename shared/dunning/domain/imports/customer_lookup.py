"""Whether the customers a file names exist, asked in batches (SPEC 3.2)."""

from __future__ import annotations

from collections.abc import Callable, Collection

# Given a batch of customer ids, the ones that exist (in the tables, or in a
# customers file dropped together with this one).
KnownCustomers = Callable[[Collection[str]], set[str]]

# Told about a customer found not to exist, with the (line, column) naming it.
OnUnknown = Callable[[str, list[tuple[int, str]]], None]

# The answers of the customer look-up are remembered, within bounds (a few MB):
# a file naming more customers than this asks about the others again, which
# costs requests, not memory.
_KNOWN_CACHE_MAX = 50_000
_UNKNOWN_CACHE_MAX = 10_000
_WAITING_REFS_MAX = 10_000


class CustomerLookup:
    """Asks whether customers exist in batches of distinct ids, remembering answers."""

    def __init__(self, known_customers: KnownCustomers, batch: int, on_unknown: OnUnknown) -> None:
        self.ask = known_customers
        self.batch = batch
        self.on_unknown = on_unknown
        self.known: set[str] = set()
        self.unknown: set[str] = set()
        self.waiting: dict[str, list[tuple[int, str]]] = {}  # id -> (line, column)
        self.waiting_refs = 0

    def check_many(self, customer_ids: list[str], lines: list[int], column: str) -> None:
        new = set(customer_ids).difference(self.known)  # in C; mostly empty once warm
        if new:
            for customer_id, line in zip(customer_ids, lines, strict=True):
                if customer_id in new:
                    self.check(customer_id, line, column)

    def check(self, customer_id: str, line: int, column: str) -> None:
        if customer_id in self.known:
            return
        if customer_id in self.unknown:
            self.on_unknown(customer_id, [(line, column)])
            return
        self.waiting.setdefault(customer_id, []).append((line, column))
        self.waiting_refs += 1
        if len(self.waiting) >= self.batch or self.waiting_refs >= _WAITING_REFS_MAX:
            self.flush()

    def flush(self) -> None:
        """Ask about the customers waiting for an answer, and tell about the unknown."""
        if not self.waiting:
            return
        found = self.ask(list(self.waiting))
        if len(self.unknown) > _UNKNOWN_CACHE_MAX:
            self.unknown.clear()
        for customer_id, refs in self.waiting.items():
            if customer_id in found:
                if len(self.known) < _KNOWN_CACHE_MAX:
                    self.known.add(customer_id)
            else:
                self.unknown.add(customer_id)
                self.on_unknown(customer_id, refs)
        self.waiting.clear()
        self.waiting_refs = 0
