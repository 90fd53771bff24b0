"""SPEC 2.7's definitions, each computed by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from dunning.domain.figures.figures import by_currency, customer_rows, figures, one_decimal
from dunning.domain.figures.partial import Partial, aging_bucket, total
from dunning.domain.model import Credit, Invoice, InvoiceStatus

AS_OF = date(2026, 6, 30)


def inv(
    n: int,
    remaining: str,
    *,
    overdue_days: int = 0,
    amount: str | None = None,
    issued_days_ago: int = 200,
    customer: str = "C1",
    currency: str = "EUR",
    status: InvoiceStatus = InvoiceStatus.OPEN,
    paid: date | None = None,
) -> Invoice:
    return Invoice(
        f"I{n}",
        customer,
        f"N{n}",
        issue_date=AS_OF - timedelta(days=issued_days_ago),
        due_date=AS_OF - timedelta(days=overdue_days),
        currency=currency,
        amount=D(amount or remaining),
        amount_remaining=D(remaining),
        status=status,
        paid_date=paid,
    )


def credit(amount: str, customer: str = "C1", currency: str = "EUR") -> Credit:
    return Credit("K1", customer, currency, AS_OF, D(amount))


def one(invoices, credits=(), history=()):  # type: ignore[no-untyped-def]
    rows = customer_rows(invoices, history, credits, AS_OF)
    return figures(total(rows.values()))


def test_total_ar_is_open_remaining_less_open_credits() -> None:
    f = one([inv(1, "100.00", overdue_days=5), inv(2, "50.00")], [credit("30.00")])
    assert f.total_ar == D("120.00")
    assert f.overdue_ar == D("100.00")  # only days_overdue > 0, before credits


def test_a_credit_larger_than_the_invoices_makes_total_ar_negative() -> None:
    f = one([inv(1, "40.00", overdue_days=10)], [credit("100.00")])
    assert f.total_ar == D("-60.00")
    assert f.overdue_ar == D("40.00")


def test_aging_buckets_by_days_overdue() -> None:
    cases = {0: "current", -5: "current", 1: "1-30", 30: "1-30", 31: "31-60", 60: "31-60"}
    cases |= {61: "61-90", 90: "61-90", 91: "90+", 400: "90+"}
    for days, bucket in cases.items():
        assert aging_bucket(days) == bucket, days
    f = one([inv(1, "1.00"), inv(2, "2.00", overdue_days=30), inv(3, "4.00", overdue_days=91)])
    assert f.aging == {
        "current": D("1.00"),
        "1-30": D("2.00"),
        "31-60": D(0),
        "61-90": D(0),
        "90+": D("4.00"),
    }


def test_dso_is_open_remaining_over_sales_of_the_last_90_days_times_90() -> None:
    # sales: the open one issued 10 days ago (300) and a paid one issued 89 days ago
    # (600); one issued exactly 90 days ago is outside (as_of - 90 < issue_date).
    open_ = [inv(1, "100.00", amount="300.00", issued_days_ago=10), inv(2, "50.00")]
    paid = [
        inv(3, "0", amount="600.00", issued_days_ago=89, status=InvoiceStatus.PAID),
        inv(4, "0", amount="999.00", issued_days_ago=90, status=InvoiceStatus.PAID),
        inv(5, "0", amount="999.00", issued_days_ago=5, status=InvoiceStatus.VOID),
    ]
    f = one(open_, history=paid)
    assert f.dso == D("15.0")  # 150 / 900 x 90


def test_dso_is_null_with_no_sales_in_the_last_90_days() -> None:
    assert one([inv(1, "100.00", issued_days_ago=120)]).dso is None


def test_days_to_pay_and_late_average_paid_invoices_paid_in_the_last_90_days() -> None:
    def paid(n: int, issued_ago: int, due_ago: int, paid_ago: int | None) -> Invoice:
        return inv(
            n,
            "0",
            amount="10.00",
            issued_days_ago=issued_ago,
            overdue_days=due_ago,
            status=InvoiceStatus.PAID,
            paid=None if paid_ago is None else AS_OF - timedelta(days=paid_ago),
        )

    history = [
        paid(1, 40, 10, 0),  # 40 days to pay, 10 late
        paid(2, 30, 0, 25),  # 5 days to pay, paid before due: 0 late
        paid(3, 300, 250, 90),  # paid 90 days ago: outside the window
        paid(4, 20, 5, None),  # no paid_date: left out of both averages
    ]
    f = one([], history=history)
    assert f.avg_days_to_pay == D("22.5")
    assert f.avg_days_late == D("5.0")
    assert one([inv(5, "1.00")]).avg_days_to_pay is None


def test_ratios_round_half_up_to_one_decimal() -> None:
    assert one_decimal(D("2.25")) == D("2.3")
    assert one_decimal(D("2.35")) == D("2.4")
    assert one_decimal(D("-0.05")) == D("-0.1")


def test_counts_open_invoices_and_customers_with_something_overdue() -> None:
    rows = customer_rows(
        [
            inv(1, "5.00", overdue_days=1, customer="A"),
            inv(2, "5.00", overdue_days=3, customer="A"),
            inv(3, "5.00", customer="B"),
            inv(4, "0", overdue_days=9, customer="C"),  # nothing remaining: not open
        ],
        [],
        [],
        AS_OF,
    )
    f = figures(total(rows.values()))
    assert (f.open_invoices, f.overdue_customers) == (3, 1)


def test_every_invoice_counts_under_its_own_customer_also_when_billed_to_a_parent() -> None:
    # The engine puts a bill_to_parent child's invoices on its parent's letter; the
    # figures keep them under the child.
    rows = customer_rows(
        [inv(1, "5.00", customer="PARENT"), inv(2, "7.00", customer="CHILD")], [], [], AS_OF
    )
    assert rows[("CHILD", "EUR")].open_remaining == D("7.00")
    assert rows[("PARENT", "EUR")].open_remaining == D("5.00")


def test_currencies_are_never_added() -> None:
    rows = customer_rows(
        [inv(1, "5.00", currency="EUR"), inv(2, "7.00", currency="USD")], [], [], AS_OF
    )
    sums = by_currency([{cur: p} for (_, cur), p in rows.items()])
    assert set(sums) == {"EUR", "USD"}
    assert figures(sums["USD"]).total_ar == D("7.00")


def test_a_currency_is_listed_with_an_open_item_or_credit_or_a_recent_invoice() -> None:
    paid_long_ago = inv(
        1,
        "0",
        amount="5.00",
        issued_days_ago=300,
        status=InvoiceStatus.PAID,
        paid=AS_OF - timedelta(days=200),
    )
    assert customer_rows([], [paid_long_ago], [], AS_OF) == {}
    assert set(customer_rows([], [], [credit("1.00", currency="GBP")], AS_OF)) == {("C1", "GBP")}


def test_a_reopened_invoice_counts_once_as_open() -> None:
    paid = inv(1, "0", amount="9.00", issued_days_ago=10, status=InvoiceStatus.PAID)
    reopened = inv(1, "9.00", issued_days_ago=10)
    rows = customer_rows([reopened], [paid], [], AS_OF)
    p = rows[("C1", "EUR")]
    assert (p.open_invoices, p.sales, p.paid_invoices) == (1, D("9.00"), 0)


def test_partials_add_up() -> None:
    a = Partial(open_remaining=D(1), open_invoices=1)
    b = Partial(open_remaining=D(2), overdue_customers=1)
    assert a + b == Partial(open_remaining=D(3), open_invoices=1, overdue_customers=1)
