"""SES raw email. The client makes exactly one attempt: SES has no idempotency token,
so a retry belongs to SQS redelivery and the letter ledger, never to botocore.

Errors come out typed, at this one place:
- nothing left this process (the MIME message could not be built, no connection was
  made) or SES answered with an error: a DunningError (TransientError to try again
  later; QuotaExhausted when SES takes no more mail from this account for now: the
  daily quota is used up or sending is paused; MessageRejected when trying again
  cannot help);
- anything else (a read timeout, a dropped connection after the request was written)
  passes through untouched: SES may have accepted the message, the outcome is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from dunning.adapters.email_message import InvalidEmailError, build_email
from dunning.ports import (
    Attachment,
    Clock,
    DunningError,
    Envelope,
    MessageRejected,
    QuotaExhausted,
    RenderedLetter,
    TransientError,
)

ONE_ATTEMPT = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})
_TRANSIENT = {"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure"}
# Sending is stopped for the whole account or configuration set, not for this message.
_STOPPED = {"AccountSendingPausedException", "ConfigurationSetSendingPausedException"}
# SES answers both limits with the code Throttling; only the message tells the daily
# quota ("Daily message quota exceeded.") from the rate ("Maximum sending rate exceeded.").
_DAILY_QUOTA = "daily message quota exceeded"

__all__ = ["ONE_ATTEMPT", "MessageRejected", "SesLetterMailer", "SesMailer", "ses_error"]


def ses_error(error: ClientError) -> DunningError:
    """The typed error of an error answer from SES (the one place SES codes are read)."""
    details = error.response.get("Error", {})
    code, message = str(details.get("Code", "")), str(details.get("Message", ""))
    if code in _STOPPED or (code == "Throttling" and _DAILY_QUOTA in message.lower()):
        return QuotaExhausted(f"SES: {code}: {message}")
    if code in _TRANSIENT:
        return TransientError(f"SES: {code}")
    return MessageRejected(f"SES: {code}: {error}")


class SesMailer:
    def __init__(self, client: Any, configuration_set: str | None = None):
        self._client = client
        self._configuration_set = configuration_set

    def send_raw(self, raw: bytes, source: str, destinations: Sequence[str]) -> str:
        extra = {"ConfigurationSetName": self._configuration_set} if self._configuration_set else {}
        try:
            result = self._client.send_raw_email(
                Source=source, Destinations=list(destinations), RawMessage={"Data": raw}, **extra
            )
        except ClientError as e:
            raise ses_error(e) from e
        except (EndpointConnectionError, ConnectTimeoutError) as e:
            # The connection was never made, so nothing was sent.
            raise TransientError(f"SES unreachable: {e}") from e
        return str(result["MessageId"])


class SesLetterMailer:
    """The Mailer port: the MIME message built with the standard library, sent raw."""

    def __init__(
        self, client: Any, configuration_set: str | None = None, clock: Clock | None = None
    ):
        self._ses = SesMailer(client, configuration_set)
        self._now = clock.now if clock else lambda: datetime.now(UTC)

    def send(
        self, envelope: Envelope, letter: RenderedLetter, attachments: Sequence[Attachment]
    ) -> str:
        domain = envelope.sender.rsplit("@", 1)[-1]
        try:
            raw = build_email(
                sender=envelope.sender,
                reply_to=envelope.reply_to,
                to=envelope.to,
                cc=envelope.cc,
                subject=letter.subject,
                text=letter.text,
                html=letter.html,
                attachments=[(a.filename, a.data) for a in attachments],
                sender_name=envelope.sender_name,
                message_id_domain=domain,
                letter_id=envelope.letter_id,
                date=self._now(),  # RFC 5322 asks for it; the simulated clock's in simulate
            )
        except InvalidEmailError as e:
            raise MessageRejected(f"letter {envelope.letter_id}: {e}") from e
        return self._ses.send_raw(raw, envelope.sender, [*envelope.to, *envelope.cc])
