"""Evaluation Lambda: SQS batch of shard messages -> letters in the ledger and on the
letter queue. A failed shard is reported alone (ReportBatchItemFailures)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import evaluate_deps
from dunning.messages import EvaluateShard
from dunning.settings import Settings
from dunning.usecases.evaluate import Evaluate, evaluate_shard

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: Evaluate | None = None) -> dict:
    bundle = deps or evaluate_deps(Settings.from_env())

    def record_handler(record: SQSRecord) -> None:
        result = evaluate_shard(EvaluateShard.from_json(record.body), bundle)
        logger.info("shard evaluated", extra={"message_id": record.message_id, **result.__dict__})

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
