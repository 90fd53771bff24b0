"""A statement of account as its template sees it: every amount and date formatted
for the letter's language and currency (as domain/letters/view.py does for letters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunning.domain.configuration.config import Subsidiary
from dunning.domain.letters.statement import Statement, StatementRow
from dunning.domain.letters.view import (
    CompanyView,
    Formatter,
    RecipientView,
    clip,
    company_view,
    format_locale,
    formatter,
    payment_reference,
    recipient_view,
)
from dunning.domain.model import Customer, Letter

# A statement lists at most this many rows, the most recent; the balance of the rows
# before them is carried forward on the first line. It keeps the PDF within the
# renderer's page limit (weasyprint_pdf.MAX_PAGES) whatever the size of the account.
MAX_STATEMENT_ROWS = 300


@dataclass(frozen=True, slots=True)
class StatementRowView:
    kind: str  # invoice, credit_memo or payment: templates pick the wording
    reference: str
    date: str
    due_date: str  # "" for a credit
    days_overdue: int | None  # None for a credit
    is_overdue: bool
    amount: str  # credits negative
    balance: str


@dataclass(frozen=True, slots=True)
class AgingView:
    bucket: str  # current, 1-30, 31-60, 61-90, 90+
    amount: str


@dataclass(frozen=True, slots=True)
class StatementView:
    language: str
    locale: str
    currency: str
    date: str  # long form
    reference: str  # the letter it goes with
    payment_reference: str
    customer: RecipientView
    company: CompanyView
    rows: tuple[StatementRowView, ...]
    aging: tuple[AgingView, ...]
    total_invoices: str
    total_credits: str  # shown as a deduction, hence negative
    balance: str
    brought_forward: str = ""  # the balance of the rows not listed; "" when all are


def _row_view(row: StatementRow, fmt: Formatter) -> StatementRowView:
    return StatementRowView(
        kind=str(row.kind),
        reference=clip(row.reference),
        date=fmt.day(row.date),
        due_date=fmt.day(row.due_date) if row.due_date else "",
        days_overdue=row.days_overdue,
        is_overdue=(row.days_overdue or 0) > 0,
        amount=fmt.money(row.amount),
        balance=fmt.money(row.balance),
    )


def build_statement_view(
    statement: Statement,
    letter: Letter,
    customer: Customer,
    subsidiary: Subsidiary,
    language: str,
    today: date,
) -> StatementView:
    locale = format_locale(language, customer.language, subsidiary.locale)
    fmt = formatter(locale, statement.currency)
    return StatementView(
        language=language,
        locale=locale,
        currency=statement.currency,
        date=fmt.long_day(today),
        reference=letter.letter_id,
        payment_reference=payment_reference(letter.letter_id),
        customer=recipient_view(customer, subsidiary),
        company=company_view(subsidiary),
        rows=tuple(_row_view(r, fmt) for r in statement.rows[-MAX_STATEMENT_ROWS:]),
        aging=tuple(AgingView(name, fmt.money(amount)) for name, amount in statement.aging),
        total_invoices=fmt.money(statement.total_invoices),
        total_credits=fmt.money(-statement.total_credits),
        balance=fmt.money(statement.balance),
        brought_forward=_brought_forward(statement, fmt),
    )


def _brought_forward(statement: Statement, fmt: Formatter) -> str:
    unlisted = len(statement.rows) - MAX_STATEMENT_ROWS
    return fmt.money(statement.rows[unlisted - 1].balance) if unlisted > 0 else ""
