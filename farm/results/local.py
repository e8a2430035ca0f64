"""A result store in a local directory (a NAS mount, another machine's reports tree)."""

from __future__ import annotations

import shutil
from pathlib import Path

from farm.errors import StoreError
from farm.results.objects import md5_file
from farm.results.writer import atomic_write_bytes
from farm.store_config import LocalStoreConfig


class LocalStore:
    """Objects are files under ``path/prefix``; written atomically, like rows."""

    def __init__(self, config: LocalStoreConfig) -> None:
        self.root = config.path / config.prefix if config.prefix else config.path
        self.name = config.name

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StoreError(
                f"store '{self.name}': key '{key}' leaves the store; use relative keys"
            )
        return path

    def checksums(self, prefix: str) -> dict[str, str]:
        base = self.root / prefix
        if not self.root.is_dir():
            raise StoreError(
                f"store '{self.name}': directory does not exist; create it or mount it"
            )
        if not base.is_dir():
            return {}
        return {
            p.relative_to(self.root).as_posix(): md5_file(p)
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        }

    def put_file(self, key: str, path: Path, md5: str) -> None:
        dest = self._path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".tmp-{dest.name}")
        try:
            shutil.copyfile(path, tmp)
            tmp.replace(dest)
        except OSError as exc:
            raise StoreError(f"store '{self.name}': cannot write '{key}': {exc}") from exc

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"store '{self.name}': cannot read '{key}': {exc}") from exc

    def put_bytes(self, key: str, data: bytes) -> None:
        try:
            atomic_write_bytes(self._path(key), data)
        except OSError as exc:
            raise StoreError(f"store '{self.name}': cannot write '{key}': {exc}") from exc
