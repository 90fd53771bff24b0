"""Render-and-send Lambda: SQS batch of letter messages (several letter jobs each) ->
HTML, text and PDF, sent with SES or stored for print, each exactly once (the ledger
claims it first). A message with a failed job is reported alone and comes back whole:
its finished jobs are no-ops then."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import send_deps
from dunning.messages import SendLetters
from dunning.observability import correlated, function_metrics, report_outcomes
from dunning.settings import Settings
from dunning.usecases.letter_batch import LetterBatch, for_one_batch
from dunning.usecases.send_letter import SendDeps

logger = Logger()
tracer = Tracer()
metrics = function_metrics("render_and_send")
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: SendDeps | None = None) -> dict:
    bundle = for_one_batch(deps or send_deps(Settings.from_env()))
    batch = LetterBatch(bundle, lambda: context.get_remaining_time_in_millis() / 1000)

    def record_handler(record: SQSRecord) -> None:
        with correlated(logger, message_id=record.message_id) as keys:
            msg = keys.carried(SendLetters.from_json(record.body))
            batch.deliver(msg, record).raise_for_error()

    with batch:  # the outcomes are written as the batch closes, before SQS deletes any
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    report_outcomes(logger, metrics, batch.results.values())  # final, now that it is closed
    return batch.failing_too(response)
