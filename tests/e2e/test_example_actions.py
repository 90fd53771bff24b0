"""Every collector action of examples/actions.jsonl succeeds through the API handler,
as `dunning simulate` replays them (SPEC 3.4), and does what its line says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.simulation import Simulation, environment, read_actions

pytestmark = pytest.mark.e2e


def at(day: date, hour: int) -> str:
    return datetime.combine(day, time(hour), UTC).isoformat()


EXAMPLES = Path(__file__).parents[2] / "examples"
FIRST_DAY = date(2026, 9, 1)


def test_every_example_action_is_answered_2xx(tmp_path: Path):
    actions = read_actions(EXAMPLES / "actions.jsonl")
    assert actions, "examples/actions.jsonl has no actions"
    with EmbeddedAws() as aws, (tmp_path / "lambda.log").open("w") as log:
        sim = Simulation(EXAMPLES, tmp_path, aws, log)
        with environment(
            {"DUNNING_FIXED_NOW": datetime.combine(FIRST_DAY, time(0), UTC).isoformat()}
        ):
            sim.setup()
        # The first day's run queues the key-account letters the approvals name; the
        # other actions need only the imported data, so the days between are not run.
        sim.run_day(FIRST_DAY, actions.get(FIRST_DAY, []))
        answers = []
        for day in sorted(d for d in actions if d > FIRST_DAY):
            with environment(
                {"DUNNING_FIXED_NOW": datetime.combine(day, time(12), UTC).isoformat()}
            ):
                for action in actions[day]:
                    status, body = sim.driver.api(
                        action["method"], action["path"], action.get("body")
                    )
                    answers.append((day, action["path"], status, body))
                sim.driver.drain()
    failed = [(d, p, s, b) for d, p, s, b in answers if not 200 <= s < 300]
    assert not failed, failed
    by_path = {p: b for _, p, _, b in answers}
    assert by_path["/letters/L20260901-73166566519bc478/approve"]["status"] in {"queued", "sent"}
    assert by_path["/customers/DE2011/promises"]["paused_until"] == "2026-10-08"
    assert by_path["/invoices/INV204300/unpause"]["was_paused"] is True
