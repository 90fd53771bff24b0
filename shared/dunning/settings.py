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
    run_hour: int = 6
    shard_size: int = 500
    dynamodb_endpoint: str | None = None  # DynamoDB Local; None on AWS
    endpoint_url: str | None = None  # the moto server; None on AWS
    fixed_now: datetime | None = None  # simulations run on a calendar of their own

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
                run_hour=int(env.get("RUN_HOUR", "6")),
                shard_size=int(env.get("SHARD_SIZE", "500")),
                dynamodb_endpoint=env.get("AWS_ENDPOINT_URL_DYNAMODB") or None,
                endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
                fixed_now=datetime.fromisoformat(env["DUNNING_FIXED_NOW"])
                if env.get("DUNNING_FIXED_NOW")
                else None,
            )
        except KeyError as missing:
            raise RuntimeError(f"environment variable {missing} is not set") from None
