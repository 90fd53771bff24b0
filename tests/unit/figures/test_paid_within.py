"""SPEC 2.7: for each level, how many letters had all their invoices paid within 7, 14
and 30 days of the letter date; each case worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from dunning.domain.figures.paid_within import (
    WATCH_DAYS,
    LetterWatch,
    paid_counts,
    settle,
    windows_met,
)
from dunning.domain.model import Invoice, InvoiceStatus

LETTER_DATE = date(2026, 9, 1)


def letter(*invoice_ids: str, level: int = 1, letter_id: str = "L1", **kw: object) -> LetterWatch:
    return LetterWatch(letter_id, "NL01", "C1", LETTER_DATE, level, invoice_ids, **kw)  # type: ignore[arg-type]


def paid(invoice_id: str, on: date | None, status: InvoiceStatus = InvoiceStatus.PAID) -> Invoice:
    return Invoice(
        invoice_id,
        "C1",
        invoice_id,
        issue_date=date(2026, 7, 1),
        due_date=date(2026, 8, 1),
        currency="EUR",
        amount=D("100.00"),
        amount_remaining=D(0),
        status=status,
        paid_date=on,
    )


def opened(invoice_id: str) -> Invoice:
    i = paid(invoice_id, None, InvoiceStatus.OPEN)
    return Invoice(**{**{f: getattr(i, f) for f in i.__slots__}, "amount_remaining": D("100.00")})


def day(n: int) -> date:
    return LETTER_DATE + timedelta(days=n)


def test_paid_six_days_after_the_letter_is_within_7_14_and_30() -> None:
    assert windows_met(LETTER_DATE, day(6)) == {7, 14, 30}


def test_paid_on_the_seventh_day_is_still_within_7() -> None:
    assert windows_met(LETTER_DATE, day(7)) == {7, 14, 30}


def test_paid_on_the_eighth_day_is_within_14_and_30_only() -> None:
    assert windows_met(LETTER_DATE, day(8)) == {14, 30}


def test_paid_on_day_30_is_within_30_and_day_31_within_none() -> None:
    assert windows_met(LETTER_DATE, day(30)) == {30}
    assert windows_met(LETTER_DATE, day(31)) == frozenset()


def test_paid_before_the_letter_date_is_within_every_window() -> None:
    assert windows_met(LETTER_DATE, day(-3)) == {7, 14, 30}


def test_a_letter_counts_by_its_last_paid_invoice() -> None:
    # I1 paid on day 3, I2 on day 12: all paid on day 12, so within 14 and 30.
    done = settle([letter("I1", "I2")], [], [paid("I1", day(3)), paid("I2", day(12))], day(13))
    assert [(w.letter_id, met) for w, met in done.counted] == [("L1", {14, 30})]


def test_a_letter_with_an_invoice_still_open_is_not_counted_yet() -> None:
    done = settle([letter("I1", "I2")], [opened("I2")], [paid("I1", day(3))], day(4))
    assert done.counted == () and done.dropped == () and done.updated == ()


def test_an_invoice_reopened_since_counts_as_open() -> None:
    done = settle([letter("I1")], [opened("I1")], [paid("I1", day(3))], day(4))
    assert done.counted == ()


def test_a_void_invoice_means_the_letter_is_never_counted() -> None:
    done = settle(
        [letter("I1", "I2")], [], [paid("I1", day(2)), paid("I2", None, InvoiceStatus.VOID)], day(5)
    )
    assert done.counted == () and [w.letter_id for w in done.dropped] == ["L1"]


def test_paid_too_late_for_every_window_is_dropped_not_counted() -> None:
    done = settle([letter("I1")], [], [paid("I1", day(40))], day(41))
    assert done.counted == () and len(done.dropped) == 1


def test_a_watch_is_dropped_after_its_last_day_with_nothing_paid() -> None:
    assert settle([letter("I1")], [opened("I1")], [], day(WATCH_DAYS - 1)).dropped == ()
    assert len(settle([letter("I1")], [opened("I1")], [], day(WATCH_DAYS)).dropped) == 1


def test_a_payment_reported_late_with_its_real_date_still_counts() -> None:
    # Paid on day 20, but the ERP export says so only on day 35.
    done = settle([letter("I1")], [], [paid("I1", day(20))], day(35))
    assert [met for _, met in done.counted] == [{30}]


def test_an_invoice_closed_without_a_paid_date_is_paid_on_the_day_first_seen_closed() -> None:
    # Day 5: I1 is closed with no paid date, I2 still open: the watch learns day 5.
    first = settle([letter("I1", "I2")], [opened("I2")], [paid("I1", None)], day(5))
    (learned,) = first.updated
    assert learned.closed_on == {"I1": day(5)}
    # Day 9: I2 paid on day 9; I1 keeps day 5: the last payment is day 9, within 14 and 30.
    second = settle([learned], [], [paid("I1", None), paid("I2", day(9))], day(10))
    assert [met for _, met in second.counted] == [{14, 30}]


def test_open_with_nothing_remaining_is_closed_too() -> None:
    zero = paid("I1", None, InvoiceStatus.OPEN)  # status open, amount_remaining 0
    done = settle([letter("I1")], [], [zero], day(3))
    assert [met for _, met in done.counted] == [{7, 14, 30}]


def test_an_invoice_not_seen_at_all_keeps_the_letter_watched() -> None:
    assert settle([letter("I1")], [], [], day(3)) == settle([], [], [], day(3))


def test_counts_add_up_per_letter_date_level_and_window() -> None:
    a = letter("I1", letter_id="A", level=1)
    b = letter("I2", letter_id="B", level=1)
    c = letter("I3", letter_id="C", level=2)
    done = settle(
        [a, b, c], [], [paid("I1", day(2)), paid("I2", day(10)), paid("I3", day(25))], day(26)
    )
    assert paid_counts(done.counted) == {
        LETTER_DATE: {(1, 7): 1, (1, 14): 2, (1, 30): 2, (2, 30): 1}
    }
