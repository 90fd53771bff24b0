"""The small interfaces use cases need from the outside world.

Adapters implement them against AWS (DynamoDB, SQS, S3, SES), Jinja2 and
WeasyPrint; tests may pass in-memory fakes where the real contract is not the
point.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from dunning.domain.configuration.config import Config
from dunning.domain.control.roles import Caller
from dunning.domain.letters.statement import Statement
from dunning.domain.model import Customer, Letter


class DunningError(Exception):
    """Base of the typed errors adapters raise instead of SDK exceptions."""


class NotFound(DunningError):
    pass


class InvalidCursor(DunningError):
    """A page cursor this API did not give for that list (bad input, not a fault)."""


class Conflict(DunningError):
    """A conditional write lost: someone else got there first."""


class TransientError(DunningError):
    """Throttling or a timeout: the message should be retried later."""


class QuotaExhausted(TransientError):
    """The mail service takes nothing more for now (its daily quota is used up, or
    sending is paused): the jobs still to do wait, trying them would only fail too."""


class ConfigSource(Protocol):
    def load(self) -> Config: ...


class Queue(Protocol):
    def send_all(self, bodies: Iterable[str]) -> int: ...


class Redelivery(Protocol):
    def postpone(self, receipt_handles: Sequence[str], seconds: int) -> None:
        """The received messages come back `seconds` from now, not at once."""
        ...


class DocumentStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> None: ...
    def delete(self, key: str) -> None:
        """Removes the object if it is there (deleting a missing key is no error)."""
        ...


class DocumentReader(Protocol):
    def get(self, key: str) -> bytes | None:
        """The stored document, or None when there is none under `key`."""
        ...


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    html: str
    text: str
    print_html: str
    pdf_name: str = "letter.pdf"  # the attachment's file name, in the letter's language


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Envelope:
    letter_id: str
    sender: str
    reply_to: str | None
    to: Sequence[str]
    cc: Sequence[str]
    sender_name: str = ""  # the From display name: the subsidiary's name


class Mailer(Protocol):
    def send(
        self, envelope: Envelope, letter: RenderedLetter, attachments: Sequence[Attachment]
    ) -> str:
        """Sends one email with its attachments (one attempt); returns the provider's
        message id.

        A DunningError means nothing was accepted for delivery (TransientError: try
        again later; MessageRejected: it never will be). Any other exception leaves
        the outcome unknown: the message may be on its way."""
        ...


class MessageRejected(DunningError):
    """The mail service refused the message itself (address, sender, size)."""


class LetterTooLong(DunningError):
    """The letter's PDF has more pages than a letter may: rendering it again gives the
    same pages, so the job fails for good."""


class Renderer(Protocol):
    def render(
        self, letter: Letter, customer: Customer, config: Config, today: date
    ) -> tuple[str, RenderedLetter]:
        """The language chosen and the rendered letter."""
        ...

    def render_statement(
        self, statement: Statement, letter: Letter, customer: Customer, config: Config,
        language: str, today: date,
    ) -> tuple[str, str]:  # fmt: skip
        """The statement of account's file name and printable HTML, in `language`."""
        ...


@dataclass(frozen=True)
class Pdf:
    data: bytes
    pages: int


class PdfMaker(Protocol):
    def render(self, print_html: str) -> bytes: ...
    def render_document(self, print_html: str) -> Pdf:
        """The PDF and its page count (the print room's index lists pages); LetterTooLong
        beyond the maker's page limit."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


JsonDict = dict[str, Any]


class SignInRefused(DunningError):
    """A token or an authorization code the identity provider does not vouch for:
    expired, forged, for another app, or already used (the caller must sign in)."""


@dataclass(frozen=True)
class SignedIn:
    """A person the identity provider vouched for, with the ID token that says so."""

    caller: Caller
    id_token: str
    expires_at: datetime  # UTC; the token (and the cookie holding it) is void after


class SignIn(Protocol):
    """People's sign-in (SPEC 2.10): an OpenID Connect provider's authorization-code
    flow with PKCE, and the verification of its ID tokens."""

    def verify(self, id_token: str) -> SignedIn:
        """The caller the token names; SignInRefused unless it is valid for this app."""
        ...

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> SignedIn:
        """The code the provider's sign-in redirected with, for a verified ID token."""
        ...

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str: ...

    def logout_url(self, logout_uri: str) -> str: ...


# --- text messages (SPEC 2.9) ------------------------------------------------------------


@dataclass(frozen=True)
class SmsText:
    language: str
    text: str  # one plain line
    segments: int  # SMS segments it is sent in (domain/sms.py)


class SmsRenderer(Protocol):
    def render_sms(
        self, letter: Letter, customer: Customer, config: Config, language: str, today: date
    ) -> SmsText:
        """The letter's text message, in `language` when its template has it;
        dunning.domain.sms.SmsTooLong over the segment bound."""
        ...


class OptedOut(MessageRejected):
    """The phone number opted out of texts from this account: never texted again until
    a collector clears its mark."""


class Texter(Protocol):
    def send_text(self, phone: str, text: str) -> str:
        """Sends one SMS (one attempt); returns the provider's message id.

        A DunningError means nothing was accepted (TransientError: try again later;
        OptedOut; MessageRejected: never). Any other exception leaves the outcome
        unknown: the text may be on its way."""
        ...

    def opted_out(self, phones: Sequence[str]) -> frozenset[str]:
        """Which of `phones` opted out of texts (as the provider knows it now)."""
        ...


class PhoneMarks(Protocol):
    def mark_phone(self, phone: str, at: datetime, detail: str, letter_id: str | None) -> None:
        """Record that the provider reported `phone` opted out (idempotent)."""
        ...
