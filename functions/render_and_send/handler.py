"""Render-and-send Lambda: SQS batch of letter jobs -> HTML, text and PDF, sent with SES
or stored for print, each exactly once (the ledger claims it first)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import send_deps
from dunning.messages import SendLetter
from dunning.settings import Settings
from dunning.usecases.send_letter import SendDeps, for_one_batch, send_letter

logger = Logger()
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: SendDeps | None = None) -> dict:
    bundle = for_one_batch(deps or send_deps(Settings.from_env()))

    def record_handler(record: SQSRecord) -> None:
        job = SendLetter.from_json(record.body)
        outcome = send_letter(job, bundle)
        logger.info("letter delivered", extra={"letter_id": job.letter_id, "outcome": outcome})

    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
