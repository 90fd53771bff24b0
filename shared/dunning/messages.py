"""The bodies of queue messages, as small frozen dataclasses with a JSON form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date


@dataclass(frozen=True)
class EvaluateShard:
    """Evaluate the customers first..last (inclusive, sorted ids) of one subsidiary."""

    subsidiary_id: str
    as_of: date
    first_customer: str
    last_customer: str

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"as_of": self.as_of.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> EvaluateShard:
        d = json.loads(text)
        return cls(
            d["subsidiary_id"],
            date.fromisoformat(d["as_of"]),
            d["first_customer"],
            d["last_customer"],
        )


@dataclass(frozen=True)
class SendLetter:
    """Render and deliver the ledger's letter `letter_id` of `customer_id`."""

    customer_id: str
    letter_id: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SendLetter:
        d = json.loads(text)
        return cls(d["customer_id"], d["letter_id"])
