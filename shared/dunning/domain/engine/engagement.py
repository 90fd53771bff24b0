"""Channel escalation and thank-you notes (SPEC 2.9), on a scope's letter cycle.

A *letter cycle* starts with a scope's letter and ends on the first run that finds
nothing overdue left in it. The scope state keeps the cycle (model.LetterCycle): the
invoices the last letter asked for, with their remaining amounts then, and how many
letters were emailed since the last payment.

What counts as a payment ("the scope's balance dropped"): the invoices of the last
letter owe less now than they did on it. An invoice paid counts 0 now, one still
open its remaining amount; one voided (or no longer known) counts what it owed then:
a void is no payment. Unapplied credits and payments do not count by themselves:
they change no invoice's remaining amount (they net the letter's amount due), and a
customer's payment counts once the ERP applies it to the invoices. New invoices
after the letter do not hide a payment either (only the letter's invoices are
compared).

- `print_after_unanswered: N`: a letter made when N letters were emailed since the
  last payment is printed as well (`Letter.print_too`); a payment starts the count
  again. A letter only printed does not count.
- `thank_you_template`: the cycle ends when none of the last letter's invoices is
  open and nothing else in the scope is overdue. If at least one of them was paid,
  one thank-you note goes out (its id is the cycle's, from the last letter's date,
  so redelivery and a second run decide the same note); if they were voided, or
  the scope is still overdue because it is paused or netted by credits (its
  invoices are still open), the cycle goes on or ends without a note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from dunning.domain.model import (
    Channel,
    InvoiceStatus,
    Letter,
    LetterCycle,
    ScopeRef,
    ScopeState,
)
from dunning.domain.money import ZERO


@dataclass(frozen=True)
class Ledger:
    """What is known today of the invoices of the scopes' letters: the open ones'
    remaining amounts and the status of those no longer open (paid or void)."""

    open_remaining: Mapping[str, Decimal]
    settled: Mapping[str, InvoiceStatus]

    def owed_now(self, invoice_id: str, then: Decimal) -> Decimal:
        if invoice_id in self.open_remaining:
            return self.open_remaining[invoice_id]
        if self.settled.get(invoice_id) == InvoiceStatus.PAID:
            return ZERO
        return then  # voided or unknown: nothing was paid

    def is_open(self, invoice_id: str) -> bool:
        return invoice_id in self.open_remaining

    def was_paid(self, invoice_id: str) -> bool:
        return invoice_id not in self.open_remaining and (
            self.settled.get(invoice_id) == InvoiceStatus.PAID
        )


def payment_since(cycle: LetterCycle | None, ledger: Ledger) -> bool:
    """Did the invoices of the cycle's last letter get paid (in part) since it?"""
    if cycle is None or not cycle.owed:
        return False
    then = sum((amount for _, amount in cycle.owed), ZERO)
    now = sum((ledger.owed_now(i, amount) for i, amount in cycle.owed), ZERO)
    return now < then


def unanswered_before(cycle: LetterCycle | None, ledger: Ledger) -> int:
    """Letters emailed with no payment in between, before today's letter."""
    if cycle is None or payment_since(cycle, ledger):
        return 0
    return cycle.unanswered


def print_too(unanswered: int, after: int | None) -> bool:
    """SPEC 2.9: once `after` letters went unanswered, the following are printed too."""
    return after is not None and unanswered >= after


def escalate(letter: Letter, unanswered: int, after: int | None) -> Letter:
    """The letter with print added when its scope's emailed letters went unanswered."""
    if Channel.PRINT in letter.channels or not print_too(unanswered, after):
        return letter
    return replace(letter, print_too=True)


def cycle_after(letter: Letter, unanswered: int) -> LetterCycle:
    """The cycle once `letter` is sent: its invoices, and the count with it if emailed."""
    emailed = Channel.EMAIL in letter.channels
    return LetterCycle(
        procedure_id=letter.procedure_id,
        owed=tuple([(i.invoice_id, i.amount_remaining) for i in letter.items]),
        unanswered=unanswered + (1 if emailed else 0),
    )


def state_after(previous: ScopeState | None, letter: Letter, sent_on: date) -> ScopeState:
    """A scope's state once `letter` is sent on `sent_on`, when no run has checked for a
    payment (a collector approving it): its count goes on from the stored one."""
    cycle = previous.cycle if previous else None
    ref = ScopeRef(letter.scope, letter.scope_id, letter.currency)
    count = cycle.unanswered if cycle else 0
    return ScopeState(
        ref, letter.customer_id, letter.level, sent_on, letter.level, cycle_after(letter, count)
    )


class CycleEnd:
    GOES_ON = "goes_on"  # something of it is still open or overdue
    PAID = "paid"  # ends with a thank-you note
    CLOSED = "closed"  # ends without one (voided)


def cycle_end(cycle: LetterCycle, ledger: Ledger, overdue_left: bool) -> str:
    """Has the cycle ended today, and was it because the scope was paid?

    `overdue_left`: the scope has an open, overdue invoice today (one not on the last
    letter, say). A paused or credit-netted invoice is still open: the cycle goes on.
    """
    if overdue_left or any(ledger.is_open(i) for i, _ in cycle.owed):
        return CycleEnd.GOES_ON
    if any(ledger.was_paid(i) for i, _ in cycle.owed):
        return CycleEnd.PAID
    return CycleEnd.CLOSED


@dataclass(frozen=True)
class ThankYou:
    """One thank-you email for a letter cycle that ended paid."""

    thanks_id: str
    as_of: date
    subsidiary_id: str
    customer_id: str  # the customer the scope's letters went to
    ref: ScopeRef
    procedure_id: str
    template: str
    last_letter_date: date | None


def thanks_id_for(subsidiary_id: str, ref: ScopeRef, last_letter: date | None) -> str:
    """Deterministic per cycle: its last letter's date names it (one note per cycle)."""
    day = last_letter.isoformat() if last_letter else "none"
    key = f"thanks|{subsidiary_id}|{ref.scope}|{ref.scope_id}|{ref.currency}|{day}"
    return f"T{day.replace('-', '')}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def thank_you(
    state: ScopeState, subsidiary_id: str, as_of: date, template: str | None
) -> ThankYou | None:
    """The note for a cycle that ended paid, or None when its procedure sends none."""
    if template is None or state.cycle is None:
        return None
    return ThankYou(
        thanks_id=thanks_id_for(subsidiary_id, state.ref, state.last_letter_date),
        as_of=as_of,
        subsidiary_id=subsidiary_id,
        customer_id=state.customer_id,
        ref=state.ref,
        procedure_id=state.cycle.procedure_id,
        template=template,
        last_letter_date=state.last_letter_date,
    )
