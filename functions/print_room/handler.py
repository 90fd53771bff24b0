"""Print-room Lambda: the hourly EventBridge Scheduler event -> for each subsidiary
whose local night it is (PRINT_HOUR), its previous days' printed letters as merged
batches with manifests under print-room/ of the letter bucket (SPEC 2.8)."""

from dataclasses import asdict
from datetime import datetime

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import print_room_deps
from dunning.observability import (
    PRINT_BATCHES_PUBLISHED,
    PRINT_DAYS_REPUBLISHED,
    PRINT_LETTERS_WITHOUT_ADDRESS,
    count,
    function_metrics,
)
from dunning.settings import Settings
from dunning.usecases.publish_print_room import PrintRoomDeps, publish_print_room

logger = Logger()
tracer = Tracer()
metrics = function_metrics("print_room")


# The run id: the hour this run is for (a retried schedule event keeps it).
@logger.inject_lambda_context(correlation_id_path="scheduled_time")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: PrintRoomDeps | None = None) -> dict:
    deps = deps or print_room_deps(Settings.from_env())
    summary = publish_print_room(datetime.fromisoformat(event["scheduled_time"]), deps)
    logger.info("print room published", extra=asdict(summary))  # ids and counts only
    count(metrics, PRINT_BATCHES_PUBLISHED, summary.batches)
    count(metrics, PRINT_LETTERS_WITHOUT_ADDRESS, summary.unaddressed)
    count(metrics, PRINT_DAYS_REPUBLISHED, sum(map(len, summary.republished.values())))
    return asdict(summary)
