"""Text messages with Amazon SNS `Publish` to a phone number (SPEC 2.9).

Like SES, SNS has no idempotency token: the client that publishes makes exactly one
attempt (ses.ONE_ATTEMPT), so a retry belongs to SQS redelivery and the letter ledger,
never to botocore. Errors come out typed here, at one place:
- SNS answered with an error: a DunningError (TransientError to try again later,
  OptedOut for a number that opted out, MessageRejected when trying again cannot help);
- the connection was never made: TransientError (nothing was sent);
- anything else (a read timeout after the request was written) passes through: SNS may
  have taken the text, the outcome is unknown.

Whether a number opted out is asked before texting (CheckIfPhoneNumberIsOptedOut, a
read that may be retried): SNS's Publish takes a text to an opted-out number without
an error and drops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from dunning.ports import DunningError, MessageRejected, OptedOut, TransientError

_TRANSIENT = {
    "Throttled",
    "Throttling",
    "ThrottlingException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "KMSThrottling",
}
_OPTED_OUT = {"OptedOut"}
SMS_TYPE = "Transactional"  # reminders are transactional: delivered first, not marketing

__all__ = ["SnsTexter", "sns_error"]


def sns_error(error: ClientError) -> DunningError:
    """The typed error of an error answer from SNS (the one place SNS codes are read)."""
    details = error.response.get("Error", {})
    code, message = str(details.get("Code", "")), str(details.get("Message", ""))
    if code in _TRANSIENT:
        return TransientError(f"SNS: {code}")
    if code in _OPTED_OUT:
        return OptedOut(f"SNS: {code}: {message}")
    return MessageRejected(f"SNS: {code}: {message}")


def _attribute(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


class SnsTexter:
    """The Texter port. `client` publishes (one attempt); `reader` asks about opt-outs
    (any retry policy; the publishing client when not given)."""

    def __init__(self, client: Any, sender_id: str | None = None, reader: Any = None):
        self._client = client
        self._reader = reader or client
        self._attributes = {"AWS.SNS.SMS.SMSType": _attribute(SMS_TYPE)}
        if sender_id:
            self._attributes["AWS.SNS.SMS.SenderID"] = _attribute(sender_id)

    def send_text(self, phone: str, text: str) -> str:
        try:
            result = self._client.publish(
                PhoneNumber=phone, Message=text, MessageAttributes=self._attributes
            )
        except ClientError as e:
            raise sns_error(e) from e
        except (EndpointConnectionError, ConnectTimeoutError) as e:
            raise TransientError(f"SNS unreachable: {e}") from e
        return str(result["MessageId"])

    def opted_out(self, phones: Sequence[str]) -> frozenset[str]:
        found = set()
        for phone in dict.fromkeys(phones):
            try:
                answer = self._reader.check_if_phone_number_is_opted_out(phoneNumber=phone)
            except ClientError as e:
                raise sns_error(e) from e
            except (EndpointConnectionError, ConnectTimeoutError) as e:
                raise TransientError(f"SNS unreachable: {e}") from e
            if answer.get("isOptedOut"):
                found.add(phone)
        return frozenset(found)
