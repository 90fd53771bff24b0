"""Render-and-send Lambda: SQS batch of letter messages (several letter jobs each) ->
HTML, text and PDF, sent with SES or stored for print, each exactly once (the ledger
claims it first). A message with a failed job is reported alone and comes back whole:
its finished jobs are no-ops then."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import send_deps
from dunning.messages import SendLetters
from dunning.settings import Settings
from dunning.usecases.letter_batch import LetterBatch, for_one_batch
from dunning.usecases.send_letter import SendDeps

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: SendDeps | None = None) -> dict:
    bundle = for_one_batch(deps or send_deps(Settings.from_env()))
    batch = LetterBatch(bundle, lambda: context.get_remaining_time_in_millis() / 1000)

    def record_handler(record: SQSRecord) -> None:
        batch.deliver(SendLetters.from_json(record.body), record).raise_for_error()

    with batch:  # the outcomes are written as the batch closes, before SQS deletes any
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    for result in batch.results.values():  # as recorded, now that the batch is closed
        for job, outcome in result.outcomes:
            logger.info("letter delivered", extra={"letter_id": job.letter_id, "outcome": outcome})
    return batch.failing_too(response)
