"""Shared fixtures: one embedded AWS (DynamoDB Local + moto server) per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dunning_local.aws import EmbeddedAws
from dunning_local.driver import LocalDriver


@pytest.fixture(scope="session")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws() as embedded:
        yield embedded


@pytest.fixture(scope="session")
def driver(aws: EmbeddedAws) -> LocalDriver:
    return LocalDriver(aws)
