"""What a result store can do, and how to open the configured one."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Protocol, runtime_checkable

from farm.results.storeconfig import LocalStoreConfig, StoreConfig


@runtime_checkable
class RunStore(Protocol):
    """Objects under one prefix; keys are relative to it (``<run_id>/index.html``)."""

    name: str

    def checksums(self, prefix: str) -> dict[str, str]:
        """``key -> md5 hex`` of every object under ``prefix``; raises StoreError if down."""
        ...

    def put_file(self, key: str, path: Path, md5: str) -> None:
        """Upload ``path`` as ``key``."""
        ...

    def get_bytes(self, key: str) -> bytes | None:
        """The object's content, or None when it does not exist."""
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` as ``key``."""
        ...


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


def open_store(config: StoreConfig) -> RunStore:
    """The store for ``config``."""
    if isinstance(config, LocalStoreConfig):
        from farm.results.local import LocalStore

        return LocalStore(config)
    from farm.results.s3 import S3Store

    return S3Store(config)
