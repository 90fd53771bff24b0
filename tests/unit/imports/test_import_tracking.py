"""The rules of the import ledger: what an event about an upload does, given the key's
record; S3's sequencer order; the bound on waiting for customers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.domain.imports.tracking import (
    ImportRecord,
    ImportState,
    ObjectRef,
    Step,
    WaitPolicy,
    new_record,
    next_step,
    s3_object_refs,
    sequencer_order,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)


def ref(sequencer: str = "0055AED6DCD90281E5", etag: str = "e1") -> ObjectRef:
    return ObjectRef("bucket", "incoming/d/invoices.csv", etag, sequencer, 120, "v1")


def record(state: ImportState, sequencer: str = "0055AED6DCD90281E5", **kw: object) -> ImportRecord:
    base = new_record(ref(sequencer), "invoices", NOW - timedelta(minutes=5), None)
    return base.evolve(state=state, **kw)


def test_sequencers_compare_as_s3_says_left_padded_hexadecimal():
    assert sequencer_order("0055AED6DCD90281E5", "0055AED6DCD90281E6") == -1
    assert sequencer_order("55AED6DCD90281E5", "0055AED6DCD90281E5") == 0
    assert sequencer_order("0A", "9") == 1  # 0A > 09, though "0A" < "9" as plain strings
    assert sequencer_order("ff", "FE") == 1


@given(st.integers(0, 2**72), st.integers(0, 2**72), st.integers(0, 4), st.integers(0, 4))
def test_sequencer_order_is_the_order_of_the_numbers(a: int, b: int, pad_a: int, pad_b: int):
    x, y = "0" * pad_a + f"{a:X}", "0" * pad_b + f"{b:X}"
    assert sequencer_order(x, y) == (a > b) - (a < b)


def test_a_key_never_seen_is_started():
    assert next_step(None, ref(), NOW) is Step.START


@pytest.mark.parametrize(
    "state", [ImportState.IMPORTED, ImportState.REJECTED, ImportState.UNCHANGED]
)
def test_a_redelivered_event_of_a_finished_upload_is_already_handled(state: ImportState):
    assert next_step(record(state), ref(), NOW) is Step.ALREADY_HANDLED


def test_an_event_older_than_the_record_is_superseded_whatever_the_state():
    older = ref("0055AED6DCD90281E4")
    for state in ImportState:
        assert next_step(record(state), older, NOW) is Step.SUPERSEDED


def test_the_same_upload_resumes_validates_or_is_left_to_the_run_holding_it():
    lease = NOW + timedelta(minutes=10)
    assert next_step(record(ImportState.WRITING), ref(), NOW) is Step.RESUME
    assert next_step(record(ImportState.WAITING), ref(), NOW) is Step.VALIDATE
    assert next_step(record(ImportState.VALIDATING), ref(), NOW) is Step.VALIDATE  # crashed
    held = record(ImportState.WRITING, lease_until=lease)
    assert next_step(held, ref(), NOW) is Step.IN_PROGRESS
    assert next_step(held, ref(), lease + timedelta(seconds=1)) is Step.RESUME  # lease ran out


def test_a_newer_upload_waits_for_a_run_writing_an_older_one_else_takes_over():
    newer = ref("0055AED6DCD90281F0", etag="e2")
    lease = NOW + timedelta(minutes=10)
    assert next_step(record(ImportState.WRITING, lease_until=lease), newer, NOW) is Step.BEHIND
    assert next_step(record(ImportState.WRITING), newer, NOW) is Step.START
    assert next_step(record(ImportState.WAITING), newer, NOW) is Step.START
    assert next_step(record(ImportState.REJECTED), newer, NOW) is Step.START
    assert next_step(record(ImportState.IMPORTED), newer, NOW) is Step.START


def test_a_newer_upload_of_the_same_bytes_as_the_last_import_is_unchanged():
    same_bytes = ref("0055AED6DCD90281F0", etag="e1")
    assert next_step(record(ImportState.IMPORTED), same_bytes, NOW) is Step.UNCHANGED
    assert next_step(record(ImportState.UNCHANGED), same_bytes, NOW) is Step.UNCHANGED
    # a rejected file uploaded again is validated again: its customers may exist now
    assert next_step(record(ImportState.REJECTED), same_bytes, NOW) is Step.START


def test_waiting_is_bounded_by_attempts_and_by_time():
    policy = WaitPolicy(first_delay=30, max_delay=900, max_wait=1800, max_attempts=8)
    assert [policy.delay(n) for n in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    first = NOW
    assert policy.may_wait(1, first, NOW)
    assert policy.may_wait(5, first, NOW + timedelta(seconds=450))  # 450 + 480 <= 1800
    assert not policy.may_wait(6, first, NOW + timedelta(seconds=930))  # 930 + 900 > 1800
    assert not policy.may_wait(8, first, NOW)  # the eighth validation is the last
    total = sum(policy.delay(n) for n in range(1, 8))
    assert total > policy.max_wait  # so time, not attempts, bounds the default policy


def test_object_refs_come_from_s3_events_and_survive_the_queue():
    event = {
        "Records": [
            {
                "s3": {
                    "bucket": {"name": "b"},
                    "object": {
                        "key": "incoming/Drop+1/invoices%C3%A9.csv",
                        "size": 42,
                        "eTag": '"abc"',
                        "versionId": "v9",
                        "sequencer": "0A1B",
                    },
                }
            }
        ]
    }
    (found,) = s3_object_refs(event)
    assert found == ObjectRef("b", "incoming/Drop 1/invoicesé.csv", "abc", "0A1B", 42, "v9")
    assert ObjectRef.from_json(found.to_json()) == found


def test_the_sample_events_of_the_import_function_name_one_object_each():
    events = Path(__file__).parents[3] / "events"
    (dropped,) = s3_object_refs(json.loads((events / "importer.json").read_text()))
    follow_up = json.loads((events / "importer_follow_up.json").read_text())
    (record,) = follow_up["Records"]
    again = ObjectRef.from_json(record["body"])
    assert (again.bucket, again.key, again.sequencer) == (
        dropped.bucket,
        dropped.key,
        dropped.sequencer,
    )
