"""Bounces Lambda: SES events, published by the letters' configuration set to SNS ->
bouncing and complaining addresses marked in DynamoDB, later letters to them printed
instead (SPEC 2.5); each letter's delivery, open, click, bounce and complaint recorded
(first time of each, SPEC 2.9)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.composition import feedback_deps
from dunning.observability import ADDRESSES_MARKED, count, function_metrics
from dunning.settings import Settings
from dunning.usecases.record_feedback import FeedbackDeps, record_feedback

logger = Logger()
tracer = Tracer()
metrics = function_metrics("bounces")


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext, deps: FeedbackDeps | None = None) -> dict:
    bundle = deps or feedback_deps(Settings.from_env())
    messages = [record.sns.message for record in SNSEvent(event).records]
    result = record_feedback(messages, bundle)
    summary = result.summary()
    if result.unknown:
        logger.warning("events about no letter on file were left", extra=summary)
    logger.info("feedback recorded", extra=summary)
    count(metrics, ADDRESSES_MARKED, len(result.marked))
    return summary
