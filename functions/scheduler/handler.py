"""Scheduler Lambda: the hourly EventBridge Scheduler event -> one evaluation message
per shard of each subsidiary whose local morning it is."""

from dataclasses import asdict
from datetime import datetime

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import fan_out_deps
from dunning.settings import Settings
from dunning.usecases.fan_out import FanOut, fan_out

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: FanOut | None = None) -> dict:
    deps = deps or fan_out_deps(Settings.from_env())
    summary = fan_out(datetime.fromisoformat(event["scheduled_time"]), deps)
    logger.info("daily run fanned out", extra=asdict(summary))
    return asdict(summary)
