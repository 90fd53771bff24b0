"""Authorizer Lambda: the people API's REQUEST authorizer -> Allow with the Cognito
user's name and groups, or 401 (dunning.api.authorizer)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from dunning.api.authorizer import Unauthorized, authorize, client_id_of
from dunning.composition import sign_in
from dunning.ports import SignIn
from dunning.settings import Settings

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)  # the policy names the user
def lambda_handler(event: dict, context: LambdaContext, deps: SignIn | None = None) -> dict:
    try:
        policy = authorize(event, deps or sign_in(Settings.from_env(), client_id_of(event)))
    except Unauthorized as e:
        logger.info("not signed in", extra={"reason": e.reason})  # never the token
        raise
    logger.info("signed in", extra={"groups": policy["context"]["groups"]})
    return policy
