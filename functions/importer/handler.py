"""Import Lambda: S3 ObjectCreated under incoming/ -> validated rows in DynamoDB, the
file moved to processed/ or rejected/ with an error report. Its own follow-ups
(a file waiting for its customers, a large file continued from its checkpoint)
come back to it through the import queue."""

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import import_deps
from dunning.domain.imports.tracking import s3_object_refs
from dunning.observability import correlated, count_import, function_metrics, import_ids
from dunning.settings import Settings
from dunning.usecases.import_file import Importer
from dunning.usecases.import_run import ImportDeps

logger = Logger()
tracer = Tracer()
metrics = function_metrics("importer")
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: ImportDeps | None = None) -> Any:
    importer = Importer(
        deps_for=lambda bucket: deps or import_deps(Settings.from_env(), bucket),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        on_result=lambda result: count_import(logger, metrics, result),
    )
    with correlated(logger, **import_ids(event)):  # a run that fails: ERROR, with its keys
        if event["Records"][0].get("eventSource") == "aws:sqs":  # the import's own follow-ups
            step = lambda record: importer.follow_up(record.body)  # noqa: E731
            return process_partial_response(event, step, processor, context)
        return [result.as_dict() for result in importer.objects(s3_object_refs(event))]
