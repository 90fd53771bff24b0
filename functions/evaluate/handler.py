"""Evaluation Lambda: SQS batch of shard messages -> letters in the ledger and on the
letter queue. A failed shard is reported alone (ReportBatchItemFailures)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import evaluate_deps
from dunning.messages import EvaluateShard
from dunning.observability import SHARDS_EVALUATED, correlated, count, function_metrics
from dunning.settings import Settings
from dunning.usecases.evaluate import Evaluate, evaluate_shard

logger = Logger()
tracer = Tracer()
metrics = function_metrics("evaluate")
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: Evaluate | None = None) -> dict:
    bundle = deps or evaluate_deps(Settings.from_env())

    def record_handler(record: SQSRecord) -> None:
        with correlated(logger, message_id=record.message_id) as keys:
            result = evaluate_shard(keys.carried(EvaluateShard.from_json(record.body)), bundle)
            logger.info("shard evaluated", extra=result.__dict__)
            count(metrics, SHARDS_EVALUATED, 1)

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
