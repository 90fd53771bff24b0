"""What collectors read (SPEC 2.7, 3.3): the customer and invoice control centres, a
letter and its PDF, the activity log, letter listings and the bounce marks.

A customer's own data comes from one strongly consistent Query of its partition; the
next letter is what a preview would send (the engine's pass over the customer's
shard), without rendering it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from dunning.domain.control.audit import Action, Activity, chunk_of
from dunning.domain.control.balances import CurrencyBalance, balances
from dunning.domain.control.marks import EmailMark, PhoneMark
from dunning.domain.control.partition import CustomerPartition
from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.engine.by_hand import HandLetters, letters_now
from dunning.domain.engine.holds import promise_kept
from dunning.domain.engine.run import customer_balance
from dunning.domain.model import Invoice, LetterStatus, Pause, Promise, ScopeKind
from dunning.ports import NotFound
from dunning.usecases.collector_deps import FoundCustomer, Lookups, Rejected
from dunning.usecases.collector_results import LetterPage

SYSTEM_ACTOR = "dunning"  # letters the daily run made
OVERVIEW_ACTIVITY = 20  # the latest entries the control centre shows; the rest: /activity


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the activity log: a change someone made, or a letter."""

    key: str  # orders the log (newest first) and pages it
    at: datetime
    kind: str  # change | import | letter
    action: str
    actor: str
    target: str
    target_id: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class ActivityPage:
    entries: list[TimelineEntry]
    cursor: str | None  # to ask for the next page; None on the last one


@dataclass(frozen=True)
class CustomerOverview:
    found: FoundCustomer
    partition: CustomerPartition
    balances: dict[str, CurrencyBalance]
    letters: list[LedgerEntry]  # newest first (a bill-to-parent child's: its parent's)
    next_letters: HandLetters
    activity: ActivityPage
    promises: list[tuple[Promise, str]]  # with its state: open | kept | broken


@dataclass(frozen=True)
class InvoiceOverview:
    invoice: Invoice
    today: date
    letters: list[LedgerEntry]
    pauses: list[Pause]  # the invoice's own pause and its group's


class CustomerViews(Lookups):
    # --- control centres ---

    def customer_overview(self, customer_id: str) -> CustomerOverview:
        config = self.deps.config.load()
        partition = self.deps.repo.customer_partition(customer_id)
        if partition is None:
            raise NotFound(f"customer {customer_id} not found")
        found = self._found(config, partition.customer)
        sub_id = found.subsidiary.subsidiary_id
        snapshot = self.deps.repo.load_shard(sub_id, found.root, found.root)
        hand = letters_now(config, sub_id, snapshot, found.today, customer_id)
        letters = list(partition.letters) if found.root == customer_id else self._theirs(found)
        entries = _merged(partition.activities, letters, None)
        promises = [
            (p, _promise_state(p, customer_balance(snapshot, customer_id, p.currency)))
            for p in partition.promises
        ]
        return CustomerOverview(
            found,
            partition,
            balances(partition.invoices, partition.credits, found.today),
            letters,
            hand,
            _page(entries, OVERVIEW_ACTIVITY),
            promises,
        )

    def invoice_overview(self, invoice_id: str) -> InvoiceOverview:
        config = self.deps.config.load()
        customer_id = self._customer_id_of(ScopeKind.INVOICE, invoice_id)
        partition = self.deps.repo.customer_partition(customer_id)
        mine = partition.invoices if partition else ()
        invoice = next((i for i in mine if i.invoice_id == invoice_id), None)
        if partition is None or invoice is None:
            raise NotFound(f"invoice {invoice_id} not found")
        found = self._found(config, partition.customer)
        if found.root == customer_id:
            letters = [e for e in partition.letters if invoice_id in e.letter.invoice_ids]
        else:
            letters = self._listing(found.root, lambda x: invoice_id in x.invoice_ids, 1000).letters
        targets = {(ScopeKind.INVOICE, invoice_id), (ScopeKind.INVOICE_GROUP, invoice.group_id)}
        pauses = [p for p in partition.pauses if (p.target, p.target_id) in targets]
        return InvoiceOverview(invoice, found.today, letters, pauses)

    def activity(self, customer_id: str, limit: int, cursor: str | None) -> ActivityPage:
        """Newest first: the changes made to the customer, the imports that wrote its
        rows (file, type, time, its rows) and its letters."""
        before = _decoded(cursor)
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        changes, _ = self.deps.repo.activities(customer_id, limit + 1, before)
        if found.root == customer_id:
            letters = self.deps.repo.customer_letters(customer_id, 10_000)
        else:
            letters = self._theirs(found)
        return _page(_merged(changes, letters, before), limit)

    # --- letters ---

    def letter(self, letter_id: str) -> LedgerEntry:
        """The letter's record, with the payments matched to it by its RF reference and
        its email's tracking (first time of each SES event, SPEC 2.9) once SES reported any."""
        entry = self.deps.repo.with_payments(self._letter(letter_id))
        tracking = self.deps.repo.letter_tracking(entry.letter.customer_id, letter_id)
        return (
            replace(entry, delivery=entry.delivery | {"tracking": tracking}) if tracking else entry
        )

    def letter_pdf(self, letter_id: str) -> bytes:
        entry = self._letter(letter_id)
        key = entry.delivery.get("pdf_key")
        pdf = self.deps.documents.get(str(key)) if key and self.deps.documents else None
        if pdf is None:
            raise NotFound(f"letter {letter_id} has no stored PDF (it is {entry.status})")
        return pdf

    def letters(self, status: LetterStatus, since: date | None, limit: int) -> LetterPage:
        found, more = self.deps.repo.letters_page(status, since, limit)
        return LetterPage(found, more)

    def customer_history(self, customer_id: str, limit: int) -> LetterPage:
        """The customer's letters, newest first; a bill-to-parent child's are its parent's
        letters that list its invoices."""
        config = self.deps.config.load()
        found = self._customer(config, customer_id)
        if found.root == customer_id:
            letters = self.deps.repo.customer_letters(customer_id, limit + 1)
            return LetterPage(letters[:limit], len(letters) > limit)
        mine = self.deps.repo.invoice_ids(customer_id)
        return self._listing(found.root, lambda x: not mine.isdisjoint(x.invoice_ids), limit)

    def invoice_history(self, invoice_id: str, limit: int) -> LetterPage:
        """The letters that listed the invoice, newest first."""
        config = self.deps.config.load()
        found = self._customer(config, self._customer_id_of(ScopeKind.INVOICE, invoice_id))
        return self._listing(found.root, lambda x: invoice_id in x.invoice_ids, limit)

    def _theirs(self, found: FoundCustomer) -> list[LedgerEntry]:
        mine = self.deps.repo.invoice_ids(found.customer.customer_id)
        keep = lambda x: not mine.isdisjoint(x.invoice_ids)  # noqa: E731
        return self._listing(found.root, keep, 10_000).letters

    def _listing(self, customer_id: str, keep: Any, limit: int) -> LetterPage:
        # A customer's whole ledger is small (a few letters a month): filter it here.
        every = self.deps.repo.customer_letters(customer_id, 10_000)
        kept = [e for e in every if keep(e.letter)]
        return LetterPage(kept[:limit], len(kept) > limit)

    # --- bounce marks ---

    def email_marks(self, limit: int, after: str | None) -> tuple[list[EmailMark], bool]:
        return self.deps.repo.marks_page(limit, after)

    def phone_marks(self, limit: int, after: str | None) -> tuple[list[PhoneMark], bool]:
        return self.deps.repo.phone_marks_page(limit, after)


def _promise_state(promise: Promise, balance_now: Decimal) -> str:
    if promise.broken:
        return "broken"
    return "kept" if promise_kept(promise, balance_now) else "open"


def _merged(changes: Any, letters: list[LedgerEntry], before: str | None) -> list[TimelineEntry]:
    entries = [_change_entry(a) for a in _one_per_chunk(changes)]
    entries += [_letter_entry(e) for e in letters]
    kept = [e for e in entries if before is None or e.key < before]
    return sorted(kept, key=lambda e: e.key, reverse=True)


def _one_per_chunk(changes: Any) -> list[Activity]:
    """An import's entries written twice (a retry after a crash, at another time) show
    once: the id names the upload."""
    seen: set[str] = set()
    out: list[Activity] = []
    for a in changes:
        if a.action is Action.IMPORT:
            if chunk_of(a) in seen:
                continue
            seen.add(chunk_of(a))
        out.append(a)
    return out


def _page(entries: list[TimelineEntry], limit: int) -> ActivityPage:
    shown = entries[:limit]
    more = len(entries) > limit
    return ActivityPage(shown, _encoded(shown[-1].key) if more and shown else None)


def _change_entry(a: Activity) -> TimelineEntry:
    kind = "import" if a.action is Action.IMPORT else "change"
    return TimelineEntry(
        a.order_key, a.at, kind, str(a.action), a.actor, a.target, a.target_id, dict(a.detail)
    )


def _letter_entry(e: LedgerEntry) -> TimelineEntry:
    letter = e.letter
    at = datetime.combine(letter.as_of, time(0), UTC)
    detail = {
        "level": letter.level,
        "status": str(e.status),
        "currency": letter.currency,
        "amount_due": str(letter.amount_due),
    }
    key = f"{at.isoformat(timespec='microseconds')}#{letter.letter_id}"
    return TimelineEntry(
        key, at, "letter", "letter", SYSTEM_ACTOR, "letter", letter.letter_id, detail
    )


def _encoded(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decoded(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Rejected("cursor", "not a cursor this API gave out") from None
    if "#" not in key:
        raise Rejected("cursor", "not a cursor this API gave out")
    return key
