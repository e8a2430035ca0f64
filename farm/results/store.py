"""What a result store can do, and how to open the configured one."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from farm.results.objects import content_type, md5_file
from farm.store_config import LocalStoreConfig, StoreConfig

__all__ = ["RunStore", "content_type", "md5_file", "open_store"]


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


def open_store(config: StoreConfig) -> RunStore:
    """The store for ``config``."""
    if isinstance(config, LocalStoreConfig):
        from farm.results.local import LocalStore

        return LocalStore(config)
    from farm.results.s3 import S3Store

    return S3Store(config)
