"""Import Lambda: S3 ObjectCreated under incoming/ -> validated rows in DynamoDB, the
file moved to processed/ or rejected/ with an error report. Its own follow-ups
(a file waiting for its customers, a large file continued from its checkpoint)
come back to it through the import queue."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import import_deps
from dunning.domain.imports.tracking import s3_object_refs
from dunning.settings import Settings
from dunning.usecases.import_file import ImportDeps, Importer

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: ImportDeps | None = None) -> Any:
    importer = Importer(
        deps_for=lambda bucket: deps or import_deps(Settings.from_env(), bucket),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
        on_result=lambda result: logger.info("import step", extra=result.as_dict()),
    )
    if event["Records"][0].get("eventSource") == "aws:sqs":  # the import's own follow-ups
        step = lambda record: importer.follow_up(record.body)  # noqa: E731
        return process_partial_response(event, step, processor, context)
    return [result.as_dict() for result in importer.objects(s3_object_refs(event))]
