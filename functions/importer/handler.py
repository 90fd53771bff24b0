"""Import Lambda: S3 ObjectCreated under incoming/ -> validated rows in DynamoDB, the
file moved to processed/ or rejected/ with an error report."""

from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext
from dunning.composition import import_deps
from dunning.settings import Settings
from dunning.usecases.import_file import ImportDeps, import_file

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext, deps: ImportDeps | None = None) -> list:
    results = []
    for record in S3Event(event).records:
        bundle = deps or import_deps(Settings.from_env(), record.s3.bucket.name)
        key = unquote_plus(record.s3.get_object.key)  # S3 notifications URL-encode keys
        result = import_file(key, bundle)
        logger.info("file imported", extra=result.__dict__)
        results.append(result.__dict__)
    return results
