"""Settings from the function's environment, read inside the handler (never at import)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Settings:
    table_name: str
    region: str
    config_bucket: str
    config_key: str = "dunning.yaml"
    evaluation_queue_url: str = ""
    letter_queue_url: str = ""
    letter_bucket: str = ""
    templates_prefix: str = "templates/"
    # Letter delivery: SES configuration set (bounces and complaints go to SNS), and a
    # local folder of template overrides that takes the place of the S3 prefix.
    ses_configuration_set: str | None = None
    templates_override_dir: str | None = None
    sms_sender_id: str | None = None  # SNS's AWS.SNS.SMS.SenderID, where the country allows
    run_hour: int = 6
    shard_size: int = 500
    # The print room's end of day: the local hour a subsidiary's previous day is
    # published, and how many complete days each run checks again.
    print_hour: int = 1
    print_lookback_days: int = 7
    dynamodb_endpoint: str | None = None  # DynamoDB Local; None on AWS
    endpoint_url: str | None = None  # the moto server; None on AWS
    fixed_now: datetime | None = None  # simulations run on a calendar of their own
    # The import (README, "The import"): its follow-up queue, chunking and waiting bound.
    import_queue_url: str = ""
    import_chunk_rows: int = 1000
    import_reserve_seconds: int = 120
    import_max_bytes: int = 512 * 2**20
    import_retry_seconds: int = 30
    import_max_wait_seconds: int = 1800
    import_max_attempts: int = 8
    # CORS: the browser origin the API answers; any only where the template sets none
    # (the local runtime and tests). On AWS: the template's AllowedOrigin.
    allowed_origin: str = "*"
    # Sign-in for people (SPEC 2.10): the Cognito user pool and its hosted sign-in's base
    # URL (https://PREFIX.auth.REGION.amazoncognito.com); empty where nobody signs in.
    user_pool_id: str = ""
    sign_in_domain: str = ""
    # Signs the CSRF tokens of the pages under /app/ (template: the PagesSecret secret);
    # empty locally, where one key per process will do.
    pages_secret: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        try:
            return cls(
                table_name=env["TABLE_NAME"],
                region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-1",
                config_bucket=env["CONFIG_BUCKET"],
                config_key=env.get("CONFIG_KEY", "dunning.yaml"),
                evaluation_queue_url=env.get("EVALUATION_QUEUE_URL", ""),
                letter_queue_url=env.get("LETTER_QUEUE_URL", ""),
                letter_bucket=env.get("LETTER_BUCKET", ""),
                templates_prefix=env.get("TEMPLATES_PREFIX", "templates/"),
                ses_configuration_set=env.get("SES_CONFIGURATION_SET") or None,
                templates_override_dir=env.get("TEMPLATES_OVERRIDE_DIR") or None,
                sms_sender_id=env.get("SMS_SENDER_ID") or None,
                run_hour=int(env.get("RUN_HOUR", "6")),
                shard_size=int(env.get("SHARD_SIZE", "500")),
                print_hour=_int(env, "PRINT_HOUR", 1),
                print_lookback_days=_int(env, "PRINT_LOOKBACK_DAYS", 7),
                dynamodb_endpoint=env.get("AWS_ENDPOINT_URL_DYNAMODB") or None,
                endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
                fixed_now=datetime.fromisoformat(env["DUNNING_FIXED_NOW"])
                if env.get("DUNNING_FIXED_NOW")
                else None,
                import_queue_url=env.get("IMPORT_QUEUE_URL", ""),
                import_chunk_rows=_int(env, "IMPORT_CHUNK_ROWS", 1000),
                import_reserve_seconds=_int(env, "IMPORT_RESERVE_SECONDS", 120),
                import_max_bytes=_int(env, "IMPORT_MAX_BYTES", 512 * 2**20),
                import_retry_seconds=_int(env, "IMPORT_RETRY_SECONDS", 30),
                import_max_wait_seconds=_int(env, "IMPORT_MAX_WAIT_SECONDS", 1800),
                import_max_attempts=_int(env, "IMPORT_MAX_ATTEMPTS", 8),
                allowed_origin=env.get("ALLOWED_ORIGIN") or "*",
                user_pool_id=env.get("USER_POOL_ID", ""),
                sign_in_domain=env.get("SIGN_IN_DOMAIN", "").rstrip("/"),
                pages_secret=env.get("PAGES_SECRET", ""),
            )
        except KeyError as missing:
            raise RuntimeError(f"environment variable {missing} is not set") from None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise RuntimeError(f"environment variable {name} is not a whole number: {text!r}") from None
    if value < 0:
        raise RuntimeError(f"environment variable {name} must not be negative: {value}")
    return value
