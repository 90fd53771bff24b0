"""`OUT/sms.jsonl` (SPEC 3.4): one line per text SNS received, read back from the moto
server (`/moto-api/data.json`, its SNS backend's published SMS) and tied to its letter
by the message id the ledger recorded when the text was handed over."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

from dunning.domain.delivery.ledger import LedgerEntry
from dunning.domain.sms import segments


def published_sms(moto_url: str) -> list[dict[str, str]]:
    """Every SMS the moto server took, in the order it took them."""
    with urllib.request.urlopen(f"{moto_url}/moto-api/data.json") as r:  # noqa: S310 - loopback
        data = json.load(r)
    return list(data.get("sns", {}).get("SMS", []))


def _sent_texts(entries: Iterable[LedgerEntry]) -> Iterator[tuple[str, tuple[str, str]]]:
    for entry in entries:
        sms = entry.delivery.get("sms") or {}
        day = str(entry.delivery.get("sent_on") or entry.letter.as_of.isoformat())
        for sent in sms.get("sent", []):
            yield str(sent.get("message_id")), (day, entry.letter.letter_id)


def sms_lines(
    published: list[dict[str, str]], entries: Iterable[LedgerEntry]
) -> list[dict[str, Any]]:
    """date, letter_id, phone, text, segments of each text; a text no letter recorded
    (its outcome was lost: the letter needs reconciliation) has letter_id null."""
    letters = dict(_sent_texts(entries))
    lines = []
    for sms in published:
        day, letter_id = letters.get(sms.get("message_id", ""), (None, None))
        text = sms.get("message", "")
        lines.append(
            {
                "date": day,
                "letter_id": letter_id,
                "phone": sms.get("phone_number"),
                "text": text,
                "segments": segments(text).count,
            }
        )
    return sorted(lines, key=lambda line: (line["date"] or "", line["letter_id"] or ""))
