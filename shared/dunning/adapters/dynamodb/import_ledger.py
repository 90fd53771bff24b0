"""The import ledger: one item per object key (its key: keys.import_pk) holding the
newest upload of that key taken on and how far its import got.

Every write is conditional on the revision read before it (optimistic
locking), so two runs that raced on one key cannot both take it on: the loser
gets `Conflict` and looks again. Finished records expire after
`KEEP_FINISHED` (the table's TTL): by then no S3 event about them is still
in flight, and forgetting them only means that the same bytes uploaded again
are imported again, which changes nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import GetError, PutError, PynamoDBConnectionError

from dunning.adapters.dynamodb import keys
from dunning.adapters.dynamodb.errors import is_conditional, typed
from dunning.adapters.dynamodb.models import ImportItem
from dunning.domain.imports.tracking import FINAL, ImportRecord, ImportState
from dunning.ports import Conflict

KEEP_FINISHED = timedelta(days=180)


def import_record(it: ImportItem) -> ImportRecord:
    return _record(it)


class ImportLedger:
    def get(self, key: str) -> ImportRecord | None:
        """The key's record, read strongly consistent (it decides who may write)."""
        try:
            item = ImportItem.get(keys.import_pk(key), keys.IMPORT_OBJECT, consistent_read=True)
        except ImportItem.DoesNotExist:
            return None
        except (GetError, PynamoDBConnectionError) as e:
            raise typed(e) from e
        return _record(item)

    def put(self, record: ImportRecord, expected_rev: int | None) -> None:
        """Store `record` if the stored one still has `expected_rev` (None: if none is
        stored); else raise Conflict."""
        condition = (
            ImportItem.pk.does_not_exist()
            if expected_rev is None
            else ImportItem.rev == expected_rev
        )
        try:
            _item(record).save(condition=condition)
        except PutError as e:
            if is_conditional(e):
                raise Conflict(f"the import record of {record.key} changed meanwhile") from e
            raise typed(e) from e
        except PynamoDBConnectionError as e:
            raise typed(e) from e


def _item(r: ImportRecord) -> ImportItem:
    final = r.state in FINAL
    it = ImportItem(
        keys.import_pk(r.key),
        keys.IMPORT_OBJECT,
        sequencer=r.sequencer,
        etag=r.etag,
        version_id=r.version_id,
        state=str(r.state),
        file_kind=r.file_kind,
        first_seen=r.first_seen.isoformat(),
        rev=r.rev,
        attempts=r.attempts,
        lease_until=r.lease_until.isoformat() if r.lease_until else None,
        header_end=r.header_end,
        offset=r.offset,
        rows_done=r.rows_done,
        subsidiaries=list(r.subsidiaries),
        rows=r.rows,
        errors=r.errors,
        moved_to=r.moved_to or None,
        report=r.report or None,
        detail=r.detail or None,
        updated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        expires_at=int(time.time() + KEEP_FINISHED.total_seconds()) if final else None,
    )
    if r.state is ImportState.REJECTED:  # listed under needs attention until replaced
        at = datetime.now(UTC).isoformat(timespec="seconds")
        keys.by_rejected(it, at, r.key)
    return it


def _record(it: ImportItem) -> ImportRecord:
    return ImportRecord(
        key=keys.object_key_of(it.pk),
        sequencer=it.sequencer,
        etag=it.etag,
        version_id=it.version_id,
        state=ImportState(it.state),
        file_kind=it.file_kind,
        first_seen=datetime.fromisoformat(it.first_seen),
        rev=int(it.rev),
        attempts=int(it.attempts),
        lease_until=datetime.fromisoformat(it.lease_until) if it.lease_until else None,
        header_end=int(it.header_end),
        offset=int(it.offset),
        rows_done=int(it.rows_done),
        subsidiaries=tuple(str(s) for s in it.subsidiaries or ()),
        rows=int(it.rows),
        errors=int(it.errors),
        moved_to=it.moved_to or "",
        report=it.report or "",
        detail=it.detail or "",
    )
