"""S3: letter documents, and the configuration read once per container and ETag."""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import ClientError

from dunning.domain.configuration.config import Config
from dunning.domain.configuration.parse import ConfigError, parse_config
from dunning.domain.imports.reading import split_lines
from dunning.ports import Conflict, NotFound, TransientError

# Bytes read from an object at a time; lines are cut from them by `split_lines`
# (linear in the line's length, unlike botocore's `iter_lines`).
READ_CHUNK_BYTES = 65_536


class S3DocumentStore:
    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self._bucket, Key=key)

    def get(self, key: str) -> bytes | None:
        """The object's bytes; None when there is no such object."""
        try:
            return bytes(self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read())
        except ClientError as e:
            error = _typed(e, f"s3://{self._bucket}/{key}")
            if isinstance(error, NotFound):
                return None
            raise error from e


class S3ConfigSource:
    """dunning.yaml from S3, parsed again only when its ETag changes."""

    _cache: ClassVar[dict[tuple[str, str], tuple[str, Config]]] = {}  # per container

    def __init__(self, client: Any, bucket: str, key: str):
        self._client = client
        self._where = (bucket, key)

    def load(self) -> Config:
        bucket, key = self._where
        try:
            etag = self._client.head_object(Bucket=bucket, Key=key)["ETag"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey"):
                raise
            raise ConfigError([f"s3://{bucket}/{key} does not exist: upload dunning.yaml"]) from e
        cached = self._cache.get(self._where)
        if cached and cached[0] == etag:
            return cached[1]
        text = self._client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        config = parse_config(text)
        self._cache[self._where] = (etag, config)
        return config


class S3Files:
    """The import bucket as the importer sees it: stream lines, write reports, move files.

    Reads and moves name the object version the S3 event named (the bucket is
    versioned): an upload that lands while an older one is being imported is
    neither read in its place nor deleted with it. Without a version (an
    unversioned bucket) the ETag guards the read instead.
    """

    def __init__(self, client: Any, bucket: str):
        self._client = client
        self._bucket = bucket

    @property
    def client(self) -> Any:
        return self._client

    def lines(
        self, key: str, version_id: str | None = None, start: int = 0, etag: str | None = None
    ) -> Any:
        """The object's lines from byte `start` on, line ends kept (a line over
        MAX_LINE_BYTES raises InvalidFileError naming it, while they are read).

        NotFound if that version is gone; Conflict if the object is no longer
        the one with `etag` (no version given).
        """
        args = self._object(key, version_id, etag)
        if start:
            args["Range"] = f"bytes={start}-"
        try:
            body = self._client.get_object(**args)["Body"]
        except ClientError as e:
            code = _code(e)
            if code in ("InvalidRange", "416"):  # nothing after `start`
                return iter(())
            raise _typed(e, f"s3://{self._bucket}/{key}") from e
        return split_lines(body.iter_chunks(READ_CHUNK_BYTES))

    def read(
        self, key: str, version_id: str | None, first: int, last: int, etag: str | None = None
    ) -> bytes:
        """Bytes `first` to `last` (inclusive) of the object (guards as `lines`)."""
        args = self._object(key, version_id, etag) | {"Range": f"bytes={first}-{last}"}
        try:
            return bytes(self._client.get_object(**args)["Body"].read())
        except ClientError as e:
            raise _typed(e, f"s3://{self._bucket}/{key}") from e

    def exists(self, key: str, version_id: str | None = None, etag: str | None = None) -> bool:
        """Whether the object (that version) is there; Conflict if it is, but is no
        longer the one with `etag` (no version given)."""
        try:
            self._client.head_object(**self._object(key, version_id, etag))
        except ClientError as e:
            typed = _typed(e, f"s3://{self._bucket}/{key}")
            if isinstance(typed, NotFound):
                return False
            raise typed from e
        return True

    def put(
        self, key: str, body: bytes, content_type: str, metadata: dict[str, str] | None = None
    ) -> None:
        self._client.put_object(
            Bucket=self._bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata=metadata or {},
        )

    def move(
        self,
        key: str,
        new_key: str,
        version_id: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Copy the object (that version) to `new_key`, with `metadata` if given, then
        delete it (that version only: a newer upload of the key stays)."""
        source = {"Bucket": self._bucket, "Key": key}
        if version_id:
            source["VersionId"] = version_id
        extra: dict[str, Any] = {}
        if metadata is not None:
            extra = {
                "MetadataDirective": "REPLACE",
                "Metadata": metadata,
                "ContentType": "text/csv",
            }
        try:
            self._client.copy_object(Bucket=self._bucket, Key=new_key, CopySource=source, **extra)
        except ClientError as e:
            raise _typed(e, f"s3://{self._bucket}/{key}") from e
        if version_id:
            self._client.delete_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        else:
            self._client.delete_object(Bucket=self._bucket, Key=key)

    def _object(self, key: str, version_id: str | None, etag: str | None) -> dict[str, Any]:
        """The arguments naming one object: that version, or else the one with that ETag."""
        args: dict[str, Any] = {"Bucket": self._bucket, "Key": key}
        if version_id:
            args["VersionId"] = version_id
        elif etag:
            args["IfMatch"] = f'"{etag}"'
        return args


def _code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", ""))


def typed_s3_error(e: ClientError, what: str) -> Exception:
    """The typed error for an S3 error code (for the other S3 adapters)."""
    return _typed(e, what)


def _typed(e: ClientError, what: str) -> Exception:
    """The typed error for an S3 error code; an unexpected one is wrapped as it is."""
    code = _code(e)
    if code in ("NoSuchKey", "NoSuchVersion", "404"):
        return NotFound(what)
    if code in ("PreconditionFailed", "412"):
        return Conflict(f"{what} changed since the event")
    if code in ("SlowDown", "ServiceUnavailable", "InternalError", "503", "500"):
        return TransientError(f"{what}: {code}")
    return S3Error(f"{what}: {code or e}")


class S3Error(RuntimeError):
    """An S3 error that is neither a missing object nor a passing one (access denied...)."""
