"""The MIME email: structure, Message-ID, and no way for data to add a header."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from dunning.adapters.email_message import (
    LETTER_ID_HEADER,
    InvalidEmailError,
    build_email,
    parse_address,
)

pytestmark = pytest.mark.unit

PDF = b"%PDF-1.7\n%fake\n"


def build(**changes: Any) -> bytes:
    fields: dict[str, Any] = {
        "sender": "Acme Collections <collections@acme.example>",
        "reply_to": "ar@acme.example",
        "to": ["ap@globex.example"],
        "cc": ["manager@acme.example"],
        "subject": "Zahlungserinnerung – Acme Nederland B.V. (Ref. L20250304-0123456789abcdef)",
        "text": "Sehr geehrte Damen und Herren,\n\nBetrag: 5.010,00\xa0€\n",
        "html": "<p>Betrag: 5.010,00&nbsp;€</p>",
        "attachments": [("Mahnung-2025-03-04-C-1001.pdf", PDF)],
        "message_id_domain": "acme.example",
        "letter_id": "L20250304-0123456789abcdef",
    }
    fields.update(changes)
    return build_email(**fields)


def parse(raw: bytes) -> EmailMessage:
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_structure_text_html_and_pdf() -> None:
    msg = parse(build())
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and "5.010,00\xa0€" in body.get_content()
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "5.010,00&nbsp;€" in html.get_content()
    alternative = next(p for p in msg.iter_parts() if p.get_content_type().startswith("multi"))
    assert alternative.get_content_type() == "multipart/alternative"
    [pdf] = list(msg.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "Mahnung-2025-03-04-C-1001.pdf"
    assert pdf.get_content() == PDF


def test_a_statement_goes_as_a_second_pdf_attachment() -> None:
    two = [("Mahnung-2025-03-04-C-1001.pdf", PDF), ("Kontoauszug-2025-03-04-C-1001.pdf", PDF)]
    msg = parse(build(attachments=two))
    assert [p.get_filename() for p in msg.iter_attachments()] == [name for name, _ in two]


def test_from_carries_the_subsidiarys_name_encoded_when_the_sender_names_nobody() -> None:
    msg = parse(build(sender="collections@acme.example", sender_name="Acme Société, Inc."))
    assert msg["From"] == '"Acme Société, Inc." <collections@acme.example>'
    assert b"Soci=C3=A9t=C3=A9" in build(
        sender="collections@acme.example", sender_name="Acme Société"
    ) or b"=?utf-8?" in build(sender="collections@acme.example", sender_name="Acme Société")
    named = parse(build(sender_name="Other Name"))  # the sender names itself: kept
    assert named["From"] == "Acme Collections <collections@acme.example>"


@pytest.mark.parametrize(
    "name",
    ["Acme\r\nBcc: victim@example.com", "Acme\nX", "=?UTF-8?Q?Acme=0D=0ABcc:_v@example.com?="],
)
def test_a_subsidiary_name_cannot_add_headers(name: str) -> None:
    with pytest.raises(InvalidEmailError):
        build(sender="collections@acme.example", sender_name=name)


def test_headers() -> None:
    msg = parse(build(date=datetime(2025, 3, 4, 7, 0, tzinfo=UTC)))
    assert msg["From"] == "Acme Collections <collections@acme.example>"
    assert msg["To"] == "ap@globex.example"
    assert msg["Cc"] == "manager@acme.example"
    assert msg["Reply-To"] == "ar@acme.example"
    assert msg["Subject"].startswith("Zahlungserinnerung – Acme")
    assert msg["Message-ID"] == "<L20250304-0123456789abcdef@acme.example>"
    assert msg[LETTER_ID_HEADER] == "L20250304-0123456789abcdef"
    assert msg["Date"] == "Tue, 04 Mar 2025 07:00:00 +0000"


def test_raw_message_is_seven_bit_with_crlf_line_ends() -> None:
    raw = build()
    raw.decode("ascii")  # every non-ASCII character is encoded
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_message_id_is_deterministic_and_attachment_optional() -> None:
    one, two = parse(build(attachments=())), parse(build(attachments=()))
    assert one["Message-ID"] == two["Message-ID"]
    assert one.get_content_type() == "multipart/alternative"
    assert list(one.iter_attachments()) == []
    assert parse(build(cc=[]))["Cc"] is None


@pytest.mark.parametrize(
    "field",
    ["subject", "sender", "reply_to", "to", "cc", "letter_id", "message_id_domain"],
)
@pytest.mark.parametrize("evil", ["\r\nBcc: victim@example.com", "\nX-Evil: 1", "\r"])
def test_line_breaks_never_reach_a_header(field: str, evil: str) -> None:
    base = {
        "subject": "Reminder",
        "sender": "collections@acme.example",
        "reply_to": "ar@acme.example",
        "to": "ap@globex.example",
        "cc": "manager@acme.example",
        "letter_id": "L1",
        "message_id_domain": "acme.example",
    }
    value = base[field] + evil
    change = {field: [value] if field in ("to", "cc") else value}
    with pytest.raises(InvalidEmailError):
        build(**change)


def test_line_break_in_attachment_name_is_rejected() -> None:
    with pytest.raises(InvalidEmailError):
        build(attachments=[("a\r\nContent-Type: text/html.pdf", PDF)])
    with pytest.raises(InvalidEmailError):
        build(attachments=[("../../etc/passwd", PDF)])


@pytest.mark.parametrize(
    "address",
    [
        "",
        "no-at-sign",
        "a@b",
        "two words@example.com",
        "a@example.com, b@example.com",  # one field, one mailbox
        "<a@example.com> trailing",
        "a@-example.com",
        "Name <not an address>",
    ],
)
def test_invalid_addresses_are_rejected(address: str) -> None:
    with pytest.raises(InvalidEmailError):
        parse_address("to", address)
    with pytest.raises(InvalidEmailError):
        build(to=[address])


def test_display_names_are_encoded_not_trusted() -> None:
    assert str(parse_address("from", '"Acme, Inc." <ar@acme.example>')) == (
        '"Acme, Inc." <ar@acme.example>'
    )
    msg = parse(build(sender="Zoë Müller <z@acme.example>"))
    assert msg["From"].addresses[0].display_name == "Zoë Müller"


def test_at_least_one_recipient() -> None:
    with pytest.raises(InvalidEmailError):
        build(to=[])


def test_non_ascii_subject_is_encoded_and_round_trips() -> None:
    subject = "Dernier rappel avant recouvrement – Société Générale (réf. L1)"
    raw = build(subject=subject)
    assert "Société".encode() not in raw
    assert parse(raw)["Subject"] == subject


ENCODED_BREAKS = [
    "=?UTF-8?Q?=0D=0ABcc:_evil@example.com?=",
    "=?utf-8?b?DQpCY2M6IGV2aWxAZXhhbXBsZS5jb20=?=",  # the same, base64
    "Acme =?UTF-8?Q?=0AX-Evil:_1?= B.V.",
    "=?UTF-8?Q?=E2=80=A8Bcc:_evil@example.com?=",  # U+2028, a line break to some readers
]


@pytest.mark.parametrize("evil", ENCODED_BREAKS)
@pytest.mark.parametrize("field", ["subject", "sender", "reply_to", "to", "cc"])
def test_a_line_break_in_an_encoded_word_never_adds_a_header(field: str, evil: str) -> None:
    address = {"sender": "ar@acme.example", "reply_to": "r@acme.example"}.get(field, "x@c.example")
    value = evil if field == "subject" else f"{evil} <{address}>"
    try:
        raw = build(**{field: [value] if field in ("to", "cc") else value})
    except InvalidEmailError:
        return  # refused: the letter fails, no mail goes out
    msg = parse(raw)
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert sorted(msg.keys()) == sorted(parse(build()).keys())


def test_a_harmless_encoded_word_in_a_name_is_kept() -> None:
    msg = parse(build(sender="=?UTF-8?Q?Zo=C3=AB?= <z@acme.example>", subject="=?UTF-8?Q?Hi?="))
    assert msg["From"].addresses[0].username == "z"
    assert msg["Bcc"] is None and sorted(msg.keys()) == sorted(parse(build()).keys())
