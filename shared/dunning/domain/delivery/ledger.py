"""The letter ledger's states: where a letter is in its life."""

from __future__ import annotations

from enum import StrEnum


class Ledger(StrEnum):
    """Where a letter is in its life. Only QUEUED may be claimed; CLAIMED is sending now."""

    QUEUED = "queued"
    PENDING_APPROVAL = "pending_approval"
    CLAIMED = "claimed"
    SENT = "sent"
    PRINTED = "printed"
    DROPPED = "dropped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    NEEDS_RECONCILIATION = "needs_reconciliation"


FINAL = frozenset(
    {
        Ledger.SENT,
        Ledger.PRINTED,
        Ledger.DROPPED,
        Ledger.CANCELLED,
        Ledger.FAILED,
        Ledger.NEEDS_RECONCILIATION,
    }
)
