"""What the functions told the people running them, read back in tests: the metrics
they printed as CloudWatch EMF, and their JSON log lines."""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

from dunning.observability import NAMESPACE
from dunning_local.driver import LocalDriver


@dataclass
class Observed:
    metrics: dict[tuple[str, str], float] = field(default_factory=dict)  # (service, name) -> sum
    logs: list[dict[str, Any]] = field(default_factory=list)

    def metric(self, service: str, name: str) -> float | None:
        return self.metrics.get((service, name))

    def lines(self, message: str) -> list[dict[str, Any]]:
        return [line for line in self.logs if line.get("message") == message]


@contextmanager
def observing(driver: LocalDriver, *functions: str) -> Iterator[Observed]:
    """Everything `functions` print while the block runs, read as Lambda's log stream
    would be: EMF documents become metrics, the rest are log lines."""
    out = io.StringIO()
    handlers = {_logger(driver, f).registered_handler for f in functions}
    # The stream is swapped, not set with setStream: that flushes the old one, which
    # may be a stream an earlier test's capture has closed.
    saved = [(h, h.stream) for h in handlers]  # type: ignore[attr-defined]
    for handler in handlers:
        handler.stream = out  # type: ignore[attr-defined]
    observed = Observed()
    try:
        with redirect_stdout(out):  # EMF is print()ed
            yield observed
    finally:
        for handler, stream in saved:
            handler.stream = stream  # type: ignore[attr-defined]
        _read(out.getvalue(), observed)


def _logger(driver: LocalDriver, function: str) -> Any:
    return inspect.unwrap(driver._handler(function)).__globals__["logger"]


def _read(text: str, into: Observed) -> None:
    for line in text.splitlines():
        if not line.startswith("{"):
            continue
        doc = json.loads(line)
        if "_aws" not in doc:
            into.logs.append(doc)
            continue
        (directive,) = doc["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == NAMESPACE
        assert directive["Dimensions"] == [["service"]]
        for metric in directive["Metrics"]:
            assert metric["Unit"] == "Count"
            value = doc[metric["Name"]]
            key = (doc["service"], metric["Name"])
            into.metrics[key] = into.metrics.get(key, 0) + sum(
                value if isinstance(value, list) else [value]
            )
