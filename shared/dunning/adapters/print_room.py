"""The print queue as a print room reads it: the days queued, each day's entries, and
the day's index as CSV (domain.print_queue)."""

from __future__ import annotations

from datetime import date
from typing import Any

from dunning.domain.delivery.print_queue import (
    PRINT_QUEUE_PREFIX,
    PrintEntry,
    day_prefix,
    entry_from_json,
    index_csv,
)


class S3PrintRoom:
    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def days(self) -> list[date]:
        found: list[date] = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=PRINT_QUEUE_PREFIX, Delimiter="/"
        )
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(PRINT_QUEUE_PREFIX) :].rstrip("/")
                try:
                    found.append(date.fromisoformat(name))
                except ValueError:
                    continue  # not a day folder: not ours
        return sorted(found)

    def entries(self, day: date) -> list[PrintEntry]:
        entries = []
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=day_prefix(day)
        )
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith(".json"):
                    body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
                    entries.append(entry_from_json(body, f"s3://{self._bucket}/{key}"))
        return entries

    def index_csv(self, day: date) -> str:
        return index_csv(self.entries(day))
