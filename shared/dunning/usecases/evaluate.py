"""Evaluation: one shard of one subsidiary through the engine; letters to the ledger
and the letter queue, then the changed states (in that order, so a crash between
the two re-decides the same letters rather than losing them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from dunning.domain.configuration.config import Config
from dunning.domain.delivery.pending import pending_plan
from dunning.domain.engine.run import Snapshot, evaluate
from dunning.domain.figures.paid_within import LetterWatch, watch
from dunning.domain.model import (
    Contact,
    Customer,
    Letter,
    LetterStatus,
    Promise,
    ScopeState,
    Sending,
)
from dunning.messages import EvaluateShard, LetterJob, pack_jobs
from dunning.ports import Clock, ConfigSource, Queue
from dunning.usecases.dashboard_run import FiguresRecorder, record_figures
from dunning.usecases.send_thanks import ThanksDeps, send_thanks


class EvaluationRepository(Protocol):
    def load_shard(self, subsidiary_id: str, first: str, last: str) -> Snapshot: ...
    def record_letters(
        self,
        letters: list[Letter],
        status_of: dict[str, LetterStatus],
        deliveries: dict[str, dict[str, Any]] | None = None,
        watches: Sequence[LetterWatch] = (),
    ) -> list[Letter]: ...
    def contacts(self, customer_id: str) -> list[Contact]: ...
    def save_states(
        self, subsidiary_id: str, customers: Iterable[Customer], states: Iterable[ScopeState]
    ) -> int:
        """`customers`: the profiles of the states' customers the caller has."""
        ...

    def save_promises(self, subsidiary_id: str, promises: Iterable[Promise]) -> int: ...


class Languages(Protocol):
    def available(self, template: str) -> frozenset[str]: ...


@dataclass
class Evaluate:
    config: ConfigSource
    repo: EvaluationRepository
    letters: Queue
    languages: Languages | None = None  # a pending letter's language (None: not decided)
    # The dashboard's aggregates, written from the same snapshot (dashboard_run.py).
    figures: FiguresRecorder | None = None
    clock: Clock | None = None
    # Thank-you notes of cycles that ended paid (SPEC 2.9); None: none are sent.
    thanks: ThanksDeps | None = None


@dataclass(frozen=True)
class ShardResult:
    customers: int
    invoices: int
    letters: int
    queued: int
    thanked: int = 0  # thank-you notes sent


def evaluate_shard(msg: EvaluateShard, deps: Evaluate) -> ShardResult:
    config = deps.config.load()
    snapshot = deps.repo.load_shard(msg.subsidiary_id, msg.first_customer, msg.last_customer)
    result = evaluate(config, msg.subsidiary_id, snapshot, msg.as_of)
    status_of = {
        letter.letter_id: LetterStatus.PENDING_APPROVAL
        if letter.sending is Sending.MANUAL
        else LetterStatus.QUEUED
        for letter in result.letters
    }
    pending = [x for x in result.letters if status_of[x.letter_id] is LetterStatus.PENDING_APPROVAL]
    plans = _pending_plans(config, msg.subsidiary_id, snapshot, pending, deps)
    # Each letter is watched until its invoices are paid (the dashboard's paid within).
    watches = [watch(letter) for letter in result.letters] if deps.figures else []
    fresh = deps.repo.record_letters(list(result.letters), dict(status_of), plans, watches)
    jobs = [
        LetterJob(letter.customer_id, letter.letter_id)
        for letter in fresh
        if status_of[letter.letter_id] is LetterStatus.QUEUED
    ]
    # Several jobs per message (messages.JOBS_PER_MESSAGE): fewer SQS requests on a
    # day with many letters.
    deps.letters.send_all(message.to_json() for message in pack_jobs(jobs))
    thanked = 0
    if result.thanks and deps.thanks is not None:
        # Before the states: a crash in between decides the same notes again, and
        # their claims keep each to one email.
        customers = {c.customer_id: c for c in snapshot.customers}
        thanked = len(send_thanks(result.thanks, customers, config, deps.thanks).sent)
    deps.repo.save_states(msg.subsidiary_id, snapshot.customers, result.states)
    deps.repo.save_promises(msg.subsidiary_id, result.promises)
    if deps.figures is not None and deps.clock is not None:
        record_figures(
            deps.figures,
            deps.clock,
            msg.subsidiary_id,
            msg.first_customer,
            snapshot,
            result.letters,
            msg.as_of,
        )
    return ShardResult(
        len(snapshot.customers), len(snapshot.invoices), len(result.letters), len(jobs), thanked
    )


def _pending_plans(
    config: Config, subsidiary_id: str, snapshot: Snapshot, pending: list[Letter], deps: Evaluate
) -> dict[str, dict[str, Any]]:
    """Recipients and language of the letters that wait for approval (one read of
    contacts per such customer: manual procedures are the few)."""
    customers = {c.customer_id: c for c in snapshot.customers}
    subsidiary = config.subsidiary(subsidiary_id)
    contacts: dict[str, list[Contact]] = {}
    plans: dict[str, dict[str, Any]] = {}
    for letter in pending:
        customer = customers.get(letter.customer_id)
        if customer is None:
            continue
        if letter.customer_id not in contacts:
            contacts[letter.customer_id] = deps.repo.contacts(letter.customer_id)
        languages = deps.languages.available(letter.template) if deps.languages else ()
        plan = pending_plan(letter, customer, contacts[letter.customer_id], subsidiary, languages)
        if deps.languages is None:
            plan["language"] = None
        plans[letter.letter_id] = plan
    return plans
