"""Scheduler Lambda: the hourly EventBridge Scheduler event -> one evaluation message
per shard of each subsidiary whose local morning it is."""

from dataclasses import asdict
from datetime import datetime

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import fan_out_deps
from dunning.observability import RUNS_SKIPPED_STALE, RUNS_STARTED, count, function_metrics
from dunning.settings import Settings
from dunning.usecases.fan_out import FanOut, fan_out

logger = Logger()
tracer = Tracer()
metrics = function_metrics("scheduler")


# The run id: the hour this run is for (a retried schedule event keeps it).
@logger.inject_lambda_context(correlation_id_path="scheduled_time")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: FanOut | None = None) -> dict:
    deps = deps or fan_out_deps(Settings.from_env())
    summary = fan_out(datetime.fromisoformat(event["scheduled_time"]), deps)
    logger.info("daily run fanned out", extra=asdict(summary))
    count(metrics, RUNS_STARTED, len(summary.started))
    count(metrics, RUNS_SKIPPED_STALE, len(summary.stale))
    return asdict(summary)
