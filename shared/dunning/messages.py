"""The bodies of queue messages, as small frozen dataclasses with a JSON form."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from itertools import islice
from typing import Any

# Letter jobs per letter-queue message. One render-and-send invocation takes up to
# BatchSize messages (template.yaml): 4 x 25 letters stay well inside its timeout,
# their outcomes fit one TransactWriteItems (100 at most), and a message stays far
# below SQS's 256 KB.
JOBS_PER_MESSAGE = 25


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

    @property
    def log_keys(self) -> dict[str, str]:
        """What a log line about this shard carries: the shard's own id."""
        first, last = self.first_customer, self.last_customer
        return {"shard": f"{self.subsidiary_id}/{self.as_of.isoformat()}/{first}..{last}"}


@dataclass(frozen=True)
class LetterJob:
    """Render and deliver the ledger's letter `letter_id` of `customer_id`."""

    customer_id: str
    letter_id: str

    @classmethod
    def from_dict(cls, d: Any) -> LetterJob:
        if not isinstance(d, dict):
            raise ValueError(f"a letter job is an object, not {type(d).__name__}")
        customer_id, letter_id = d.get("customer_id"), d.get("letter_id")
        if not (isinstance(customer_id, str) and customer_id):
            raise ValueError("a letter job needs a customer_id")
        if not (isinstance(letter_id, str) and letter_id):
            raise ValueError("a letter job needs a letter_id")
        return cls(customer_id, letter_id)


@dataclass(frozen=True)
class SendLetters:
    """The letter queue's one message shape: up to JOBS_PER_MESSAGE letter jobs, done in
    order; each job at most once per message (a repeated one is left out)."""

    jobs: tuple[LetterJob, ...]

    def __post_init__(self) -> None:
        if not 0 < len(self.jobs) <= JOBS_PER_MESSAGE:
            raise ValueError(f"a message holds 1 to {JOBS_PER_MESSAGE} letter jobs")

    @classmethod
    def of(cls, jobs: Iterable[LetterJob]) -> SendLetters:
        return cls(tuple(dict.fromkeys(jobs)))

    def to_json(self) -> str:
        return json.dumps({"jobs": [asdict(job) for job in self.jobs]})

    @property
    def log_keys(self) -> dict[str, list[str]]:
        """What a log line about this message carries: the ids of its letters."""
        return {"letter_ids": [job.letter_id for job in self.jobs]}

    @classmethod
    def from_json(cls, text: str) -> SendLetters:
        d = json.loads(text)
        if not isinstance(d, dict):
            raise ValueError("a letter message is a JSON object")
        if "jobs" not in d:  # the single-letter shape of earlier versions, still queued
            return cls.of([LetterJob.from_dict(d)])
        if not isinstance(d["jobs"], list):
            raise ValueError("jobs is a list of letter jobs")
        return cls.of(LetterJob.from_dict(job) for job in d["jobs"])


def pack_jobs(jobs: Iterable[LetterJob], size: int = JOBS_PER_MESSAGE) -> Iterator[SendLetters]:
    """Letter jobs, in order, as messages of at most `size` distinct jobs."""
    it = iter(dict.fromkeys(jobs))
    while chunk := list(islice(it, min(size, JOBS_PER_MESSAGE))):
        yield SendLetters(tuple(chunk))
