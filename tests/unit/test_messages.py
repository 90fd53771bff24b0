"""Queue message shapes: the letter queue's multi-job message and the shape before it."""

import json

import pytest

from dunning.messages import JOBS_PER_MESSAGE, LetterJob, SendLetters, pack_jobs

pytestmark = pytest.mark.unit


def jobs(n: int) -> list[LetterJob]:
    return [LetterJob(f"C{i:05d}", f"L20261005-{i:016x}") for i in range(n)]


def test_a_message_of_several_jobs_round_trips():
    message = SendLetters(tuple(jobs(3)))
    assert SendLetters.from_json(message.to_json()) == message


def test_the_single_letter_shape_of_earlier_versions_is_still_read():
    old = json.dumps({"customer_id": "C1", "letter_id": "L20261005-1"})
    assert SendLetters.from_json(old).jobs == (LetterJob("C1", "L20261005-1"),)


def test_a_job_named_twice_in_a_message_is_done_once():
    twice = json.dumps({"jobs": [{"customer_id": "C1", "letter_id": "L1"}] * 2})
    assert SendLetters.from_json(twice).jobs == (LetterJob("C1", "L1"),)


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"jobs": []}',
        '{"jobs": {"customer_id": "C1", "letter_id": "L1"}}',
        '{"jobs": [{"customer_id": "C1"}]}',
        '{"jobs": [{"customer_id": "", "letter_id": "L1"}]}',
        '{"jobs": [["C1", "L1"]]}',
        '{"customer_id": 7, "letter_id": "L1"}',
        json.dumps({"jobs": [{"customer_id": "C", "letter_id": f"L{i}"} for i in range(26)]}),
    ],
)
def test_a_malformed_message_is_refused_whole(body):
    with pytest.raises(ValueError):
        SendLetters.from_json(body)


def test_jobs_are_packed_in_order_into_bounded_messages():
    packed = list(pack_jobs(jobs(60)))
    assert [len(m.jobs) for m in packed] == [JOBS_PER_MESSAGE, JOBS_PER_MESSAGE, 10]
    assert [j for m in packed for j in m.jobs] == jobs(60)
    assert list(pack_jobs([])) == []
    # far below SQS's 256 KB, even with ids of 100 characters
    long_ids = (LetterJob(f"C{i}".ljust(100, "x"), f"L{i}".ljust(100, "x")) for i in range(99))
    assert max(len(m.to_json()) for m in pack_jobs(long_ids)) < 8_000
