"""SES raw email. The client makes exactly one attempt: SES has no idempotency token,
so a retry belongs to SQS redelivery and the letter ledger, never to botocore."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from dunning.adapters.email_message import build_email
from dunning.ports import DunningError, Envelope, RenderedLetter, TransientError

ONE_ATTEMPT = BotoConfig(retries={"total_max_attempts": 1, "mode": "standard"})


class MessageRejected(DunningError):
    """SES refused the message itself (bad address, unverified sender)."""


class SesMailer:
    def __init__(self, client: Any):
        self._client = client

    def send_raw(self, raw: bytes, source: str, destinations: Sequence[str]) -> str:
        try:
            result = self._client.send_raw_email(
                Source=source, Destinations=list(destinations), RawMessage={"Data": raw}
            )
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in {"Throttling", "ThrottlingException", "ServiceUnavailable"}:
                raise TransientError(f"SES: {code}") from e
            raise MessageRejected(f"SES: {code}: {e}") from e
        return str(result["MessageId"])


class SesLetterMailer:
    """The Mailer port: the MIME message built with the standard library, sent raw."""

    def __init__(self, client: Any):
        self._ses = SesMailer(client)

    def send(self, envelope: Envelope, letter: RenderedLetter, pdf: bytes | None) -> str:
        domain = envelope.sender.rsplit("@", 1)[-1]
        raw = build_email(
            sender=envelope.sender,
            reply_to=envelope.reply_to,
            to=envelope.to,
            cc=envelope.cc,
            subject=letter.subject,
            text=letter.text,
            html=letter.html,
            attachment=(f"{envelope.letter_id}.pdf", pdf) if pdf else None,
            message_id_domain=domain,
            letter_id=envelope.letter_id,
        )
        return self._ses.send_raw(raw, envelope.sender, [*envelope.to, *envelope.cc])
