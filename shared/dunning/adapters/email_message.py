"""The MIME message of a dunning email, ready for SES SendRawEmail or an .eml file.

multipart/mixed( multipart/alternative(text, html), PDF... ) built with the standard
library. Header values are checked here, at the one place they enter the message:
a CR or LF would let data add headers (Bcc...), so it is rejected, never folded. So
is one hidden in an RFC 2047 encoded word (`=?UTF-8?Q?=0D=0ABcc:...?=`): Python 3.11
and 3.12 decode such words in the value while folding the header and write the line
break out raw. Each value is checked as that parser reads it, and the headers of the
message built are read back: exactly the ones set here, or the message is refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime

from dunning.domain.patterns import ADDR_SPEC, DOMAIN

LETTER_ID_HEADER = "X-Dunning-Letter-Id"

# 'addr' or 'Display Name <addr>'; parsed here because parseaddr(strict=) is not in every 3.11.
_MAILBOX_RE = re.compile(
    r'\s*(?:"?(?P<name>[^"<>]*?)"?\s*<(?P<addr>[^<>\s]+)>|(?P<bare>[^<>\s"]+))\s*'
)
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_MAX_DISPLAY_NAME = 100
_LINE_BREAK_RE = re.compile(r"[\r\n\x00\x0b\x0c\x85\u2028\u2029]")


class InvalidEmailError(ValueError):
    """A header value or address that must not go into an email."""


def _no_line_breaks(field: str, value: str) -> str:
    if _LINE_BREAK_RE.search(value) or _LINE_BREAK_RE.search(_decoded(field, value)):
        raise InvalidEmailError(f"{field} contains a line break")
    return value


def _decoded(field: str, value: str) -> str:
    """The value with its encoded words decoded, as the header parser that folds it
    on output reads them; the value itself when it has none."""
    if "=?" not in value:
        return value
    try:
        return str(policy.default.header_factory("X-Check", value))
    except (HeaderParseError, LookupError, UnicodeError, ValueError) as e:
        raise InvalidEmailError(f"{field} has an unreadable encoded word") from e


def parse_address(field: str, value: str) -> Address:
    """'ar@acme.example' or 'Acme AR <ar@acme.example>' -> Address, or InvalidEmailError."""
    _no_line_breaks(field, value)
    match = _MAILBOX_RE.fullmatch(value)
    addr_spec = (match["addr"] or match["bare"]) if match else ""
    if not match or not ADDR_SPEC.fullmatch(addr_spec):
        raise InvalidEmailError(f"{field} is not a valid email address: {value[:100]!r}")
    local, domain = addr_spec.rsplit("@", 1)
    name = _no_line_breaks(field, (match["name"] or "").strip())  # unquoted: its words too
    return Address(display_name=name, username=local, domain=domain)


def _with_display_name(address: Address, name: str) -> Address:
    """The address shown as `name` (the subsidiary's), checked as any header value: no
    line break, also none hidden in an encoded word. Long names are cut, not folded."""
    name = " ".join(_no_line_breaks("sender name", name).split())[:_MAX_DISPLAY_NAME]
    if address.display_name or not name:
        return address
    return Address(display_name=name, username=address.username, domain=address.domain)


def _addresses(field: str, values: Sequence[str]) -> list[Address]:
    return [parse_address(field, v) for v in values]


def message_id(letter_id: str, domain: str) -> str:
    """Deterministic: the same letter always carries the same Message-ID."""
    if not _ID_RE.fullmatch(letter_id):
        raise InvalidEmailError(f"letter id not usable in a Message-ID: {letter_id[:100]!r}")
    if not DOMAIN.fullmatch(domain):
        raise InvalidEmailError(f"invalid Message-ID domain: {domain[:100]!r}")
    return f"<{letter_id}@{domain}>"


def build_email(
    *,
    sender: str,
    reply_to: str | None,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str,
    text: str,
    html: str,
    attachments: Sequence[tuple[str, bytes]] = (),
    message_id_domain: str,
    letter_id: str,
    date: datetime | None = None,
    sender_name: str = "",
) -> bytes:
    """The raw message (CRLF line ends). `attachments` are (file name, PDF bytes);
    `sender_name` is the From display name unless `sender` names one itself."""
    if not to:
        raise InvalidEmailError("an email needs at least one recipient")
    msg = EmailMessage(policy=policy.default)
    msg["From"] = _with_display_name(parse_address("sender", sender), sender_name)
    msg["To"] = _addresses("to", to)
    if cc:
        msg["Cc"] = _addresses("cc", cc)
    if reply_to:
        msg["Reply-To"] = parse_address("reply_to", reply_to)
    msg["Subject"] = _no_line_breaks("subject", subject)
    msg["Message-ID"] = message_id(letter_id, message_id_domain)
    msg[LETTER_ID_HEADER] = letter_id  # SES replaces Message-ID; bounces keep this one
    if date is not None:
        msg["Date"] = format_datetime(date)
    # Quoted-printable keeps the body 7-bit clean for any relay, whatever the language.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        _attach_pdf(msg, *attachment)
    raw = msg.as_bytes(policy=policy.SMTP)
    _same_headers(msg, raw)
    return raw


def _same_headers(msg: EmailMessage, raw: bytes) -> None:
    """The serialised message carries exactly the headers set, none added by a value."""
    head = BytesHeaderParser(policy=policy.default).parsebytes(raw.split(b"\r\n\r\n", 1)[0])
    if sorted(k.lower() for k in head) != sorted(k.lower() for k in msg):  # header names
        raise InvalidEmailError("a header value would add headers to the message")


def _attach_pdf(msg: EmailMessage, filename: str, data: bytes) -> None:
    if not filename or "/" in filename or "\\" in filename:
        raise InvalidEmailError(f"invalid attachment file name: {filename[:100]!r}")
    _no_line_breaks("attachment file name", filename)
    msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
