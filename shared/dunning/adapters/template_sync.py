"""Letter templates overridden without a code change: an S3 prefix copied to a folder.

On AWS a deployer uploads files under `TEMPLATES_PREFIX` of the config bucket (for
example `templates/letters/final/de.j2`); on a cold start the render function copies
them to /tmp and puts that folder before the packaged templates, file by file
(JinjaLetterRenderer's ChoiceLoader, the PDF's stylesheet). Locally the same happens
against the embedded S3, or a folder is named directly.

Only template-like files are taken, by a safe relative path and within a size bound;
anything else is skipped and reported by key, never written outside the folder.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ALLOWED_SUFFIXES = frozenset(
    {".j2", ".html", ".txt", ".css", ".png", ".jpg", ".jpeg", ".svg", ".ttf", ".otf", ".woff2"}
)
MAX_FILE_BYTES = 2_000_000
MAX_FILES = 500
_SAFE_PATH = re.compile(
    r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}(?:/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}){0,7}"
)


@dataclass
class SyncResult:
    folder: Path
    copied: list[str] = field(default_factory=list)  # relative paths
    skipped: dict[str, str] = field(default_factory=dict)  # key -> why


def sync_prefix(client: Any, bucket: str, prefix: str, folder: Path) -> SyncResult:
    """Copy the template files under s3://bucket/prefix into `folder` (emptied first)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    result = SyncResult(folder)
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key, size = obj["Key"], int(obj.get("Size", 0))
            relative = key[len(prefix) :]
            why = _why_skipped(relative, size, len(result.copied))
            if why is None and relative.endswith("/"):
                continue  # a "folder" placeholder object
            if why:
                result.skipped[key] = why
                continue
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_FILE_BYTES + 1)
            if len(body) > MAX_FILE_BYTES:
                result.skipped[key] = f"larger than {MAX_FILE_BYTES} bytes"
                continue
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            result.copied.append(relative)
    return result


def _why_skipped(relative: str, size: int, copied: int) -> str | None:
    if relative.endswith("/"):
        return None
    if not _SAFE_PATH.fullmatch(relative) or ".." in relative.split("/"):
        return "not a plain relative path (letters, digits, . _ - and /)"
    if Path(relative).suffix.lower() not in ALLOWED_SUFFIXES:
        return f"not a template file ({', '.join(sorted(ALLOWED_SUFFIXES))})"
    if size > MAX_FILE_BYTES:
        return f"larger than {MAX_FILE_BYTES} bytes"
    if copied >= MAX_FILES:
        return f"more than {MAX_FILES} files under the prefix"
    return None
