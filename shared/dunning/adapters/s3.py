"""S3: letter documents, and the configuration read once per container and ETag."""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import ClientError

from dunning.domain.config import parse_config
from dunning.domain.model import Config
from dunning.ports import NotFound


class S3DocumentStore:
    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)


class S3ConfigSource:
    """dunning.yaml from S3, parsed again only when its ETag changes."""

    _cache: ClassVar[dict[tuple[str, str], tuple[str, Config]]] = {}  # per container

    def __init__(self, client: Any, bucket: str, key: str):
        self._client = client
        self._where = (bucket, key)

    def load(self) -> Config:
        bucket, key = self._where
        etag = self._client.head_object(Bucket=bucket, Key=key)["ETag"]
        cached = self._cache.get(self._where)
        if cached and cached[0] == etag:
            return cached[1]
        text = self._client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        config = parse_config(text)
        self._cache[self._where] = (etag, config)
        return config


class S3Files:
    """The import bucket as the importer sees it: stream lines, write reports, move files."""

    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def lines(self, key: str) -> Any:
        try:
            body = self._client.get_object(Bucket=self._bucket, Key=key)["Body"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound(f"s3://{self._bucket}/{key}") from e
            raise
        return body.iter_lines(keepends=True)

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def move(self, key: str, new_key: str) -> None:
        source = {"Bucket": self._bucket, "Key": key}
        self._client.copy_object(Bucket=self._bucket, Key=new_key, CopySource=source)
        self._client.delete_object(Bucket=self._bucket, Key=key)
