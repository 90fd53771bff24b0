"""When a letter goes out (SPEC 2.3): the state machine of one (scope, currency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dunning.domain.configuration.config import Procedure
from dunning.domain.model import Escalation


@dataclass(frozen=True, slots=True)
class Step:
    """What today's run does for a scope.

    `letter_level` set: send a letter at that level. Otherwise `stored_level`
    is the level to keep (the same as before when nothing changes).
    """

    letter_level: int | None
    stored_level: int | None


def next_step(
    procedure: Procedure,
    stored_level: int | None,
    last_letter: date | None,
    computed_level: int,
    as_of: date,
) -> Step:
    """Compare today's computed level with the stored state of the scope."""
    stored = stored_level or 0
    if computed_level == 0:
        return Step(None, None)  # reset; the last letter date stays
    if computed_level < stored:
        return Step(None, computed_level)  # lower: remembered without a letter
    if last_letter is not None and last_letter >= as_of:
        # One letter per (scope, currency, as_of): a second run the same day sends nothing.
        return Step(None, stored_level)
    if computed_level > stored:
        if last_letter is not None and (as_of - last_letter).days < procedure.days_between_letters:
            return Step(None, stored_level)  # the rise waits for the minimum interval
        if procedure.escalation == Escalation.STEP:
            return Step(stored + 1, stored_level)
        return Step(_first_letter_cap(procedure, last_letter, computed_level), stored_level)
    repeat = procedure.repeat_every_days
    if repeat and last_letter is not None and (as_of - last_letter).days >= repeat:
        return Step(stored, stored_level)
    return Step(None, stored_level)


def _first_letter_cap(procedure: Procedure, last_letter: date | None, level: int) -> int:
    """A scope's first letter in a currency goes at most at `first_letter_max_level`
    (SPEC 2.8): a customer never reminded before does not open with a final notice."""
    cap = procedure.first_letter_max_level
    return min(level, cap) if cap is not None and last_letter is None else level
