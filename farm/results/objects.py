"""Facts about a stored object that every store needs: its md5 and its content type."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path


def md5_file(path: Path) -> str:
    """Hex md5 of a file (S3's ETag of a single-part upload)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def content_type(key: str) -> str:
    """MIME type for ``key``; text types say UTF-8 so a static website renders them right."""
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if key.endswith((".parquet",)):
        return "application/vnd.apache.parquet"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
