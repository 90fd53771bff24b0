"""Import the ERP exports dropped under incoming/ (SPEC 3.2).

A file is validated whole, streaming, before anything is written: with any
bad row it is rejected whole, an error report next to it under rejected/;
else its rows are upserted in chunks and it moves to processed/.

Around that core (see dunning.domain.imports.tracking for the rules):
- dependency order: the files of one event are taken customers first; a file
  whose only errors are customers not known yet waits for them (a customers
  file dropped with it may still be on its way): it is validated again later
  (a delayed message to the import queue), within the bound of `WaitPolicy`,
  and only then rejected (`import_check`);
- idempotent and ordered per key: the ledger remembers each key's newest
  upload (S3 sequencer, ETag, version); redelivered, older or identical
  uploads write nothing (`import_outcomes`);
- resumable: rows are written in chunks of `chunk_rows`; after each chunk the
  byte offset reached is committed to the ledger, and a run that is short of
  time hands over to a new one (a message to the import queue) which reads on
  from that offset (an S3 range read). Memory stays flat whatever the size
  (`import_write`).

This module is the use case's entry point: it also names what its callers
need of `import_run` (the dependencies, options, result and metadata keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dunning.domain.imports.schema import import_rank
from dunning.domain.imports.tracking import ObjectRef, Step, next_step
from dunning.ports import Conflict
from dunning.usecases.import_check import start, validate_again
from dunning.usecases.import_outcomes import superseded, unchanged
from dunning.usecases.import_run import (
    ImportDeps,
    ImportResult,
    ImportRun,
    ImportStatus,
)
from dunning.usecases.import_write import resume

CONFLICT_RETRIES = 3  # looks at a record other runs keep changing, before giving up


@dataclass
class Importer:
    """The entry point of the import function, for its two kinds of events."""

    deps_for: Callable[[str], ImportDeps]  # the dependencies for a bucket
    time_left: Callable[[], float]  # seconds left in this run
    on_result: Callable[[ImportResult], None] = lambda result: None

    def objects(self, refs: Iterable[ObjectRef]) -> list[ImportResult]:
        """The objects of one S3 event, customers first whatever their names (SPEC 3.2)."""
        results = []
        for ref in dependency_order(refs):
            results.append(import_object(ref, self.deps_for(ref.bucket), self.time_left))
            self.on_result(results[-1])
        return results

    def follow_up(self, body: str) -> ImportResult:
        """A message of the import queue: look at that object again."""
        (result,) = self.objects([ObjectRef.from_json(body)])
        return result


def dependency_order(refs: Iterable[ObjectRef]) -> list[ObjectRef]:
    return sorted(refs, key=lambda ref: (import_rank(ref.key), ref.key))


def import_object(ref: ObjectRef, deps: ImportDeps, time_left: Callable[[], float]) -> ImportResult:
    """Whatever the event (new, redelivered, a follow-up), do what the ledger says."""
    run = ImportRun(ref, deps, time_left)
    try:
        for _ in range(CONFLICT_RETRIES):
            try:
                return _step(run)
            except Conflict:  # another run wrote the record meanwhile: look again
                run.held = None
        return run.result(ImportStatus.IN_PROGRESS, detail="other runs keep changing this record")
    except BaseException:
        run.release()
        raise


def _step(run: ImportRun) -> ImportResult:
    record = run.deps.ledger.get(run.ref.key)
    step = next_step(record, run.ref, run.now())
    if record is None or step is Step.START:
        return start(run, record)
    if step is Step.VALIDATE:
        return validate_again(run, record)
    if step is Step.RESUME:
        return resume(run, record)
    if step is Step.UNCHANGED:
        return unchanged(run, record)
    if step is Step.SUPERSEDED:
        return superseded(run)
    if step is Step.ALREADY_HANDLED:
        return run.from_record(ImportStatus.ALREADY_HANDLED, record)
    if step is Step.BEHIND:
        delay = max(5, run.deps.options.wait.first_delay)
        run.follow_up(delay)
        detail = f"an older upload of this key is being imported: looked at again in {delay} s"
        return run.result(ImportStatus.QUEUED, detail=detail)
    return run.result(ImportStatus.IN_PROGRESS, detail="another run is importing this upload")
