"""Content-addressed firmware build cache.

Key = sha256 of (recipe file, source tree, target, version and its variables, build command,
toolchain identity). Layout under the cache root::

    <key>/              firmware.elf, firmware.bin, firmware.map, build.log, image.json,
                        manifest.json (sha256 of every other file, written last)
    <key>.lock          filelock: one build per key, other processes wait

An entry counts only when its manifest exists and every file still has its hash, so an entry
cut short by a crash or edited afterwards is detected and rebuilt. Entries are built in a
temporary directory and renamed into place, so a reader never sees half an entry.

A :class:`RemoteBuildCache` (the lab's object store, for ``farm fleet``) is a second tier shared
by several lab PCs: on a local miss the entry is fetched from it into a staging directory and
must pass the same manifest check before it is committed; what a PC builds it publishes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

from farm.file_digest import file_sha256

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
LOCK_TIMEOUT_S = 1800.0


def cache_key(fields: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the key fields."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


class RemoteBuildCache(Protocol):
    """Cache entries shared by several lab PCs (keys as in :class:`BuildCache`)."""

    def exclusive(self, key: str) -> AbstractContextManager[None]:
        """Held while a PC looks up and builds ``key``, so one PC of the fleet builds it."""
        ...

    def fetch(self, key: str, dest: Path) -> bool:
        """Copy the entry's files into ``dest``; False when absent, partial or corrupt."""
        ...

    def publish(self, key: str, entry: Path) -> None:
        """Upload a committed entry (manifest last, so a reader never sees half of it)."""
        ...


def manifest_files(entry: Path) -> Iterator[Path]:
    """Files of a committed entry, the manifest last."""
    for path in sorted(entry.iterdir()):
        if path.is_file() and path.name != MANIFEST:
            yield path
    yield entry / MANIFEST


class BuildCache:
    """One cache root directory shared by every process of the lab PC."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def entry(self, key: str) -> Path:
        """Directory of the entry for ``key`` (may not exist)."""
        return self.root / key

    def lock(self, key: str) -> FileLock:
        """The per-key lock; hold it while checking and building."""
        return FileLock(str(self.root / f"{key}.lock"), timeout=LOCK_TIMEOUT_S)

    def valid(self, key: str) -> bool:
        """True when the entry exists, has a manifest and every file matches its hash."""
        return entry_valid(self.entry(key), key)

    def adopt(self, key: str, fetched: Path) -> Path | None:
        """Move a fetched entry into place if its manifest holds (call with the lock held)."""
        if not entry_valid(fetched, key):
            log.warning("cache entry %s from the remote cache is corrupt; rebuilding", key[:16])
            shutil.rmtree(fetched, ignore_errors=True)
            return None
        entry = self.entry(key)
        if entry.exists():
            shutil.rmtree(entry)
        os.replace(fetched, entry)
        return entry

    def staging(self, key: str) -> Path:
        """A fresh private directory to build an entry in (same filesystem as the cache)."""
        path = self.root / ".staging" / f"{key[:16]}-{os.getpid()}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def commit(self, key: str, staged: Path) -> Path:
        """Seal ``staged`` with a manifest and move it into place (call with the lock held)."""
        files = {
            p.name: file_sha256(p)
            for p in sorted(staged.iterdir())
            if p.is_file() and p.name != MANIFEST
        }
        tmp = staged / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps({"key": key, "files": files}, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, staged / MANIFEST)
        entry = self.entry(key)
        if entry.exists():
            log.warning("cache entry %s: replacing an invalid entry", key[:16])
            shutil.rmtree(entry)
        os.replace(staged, entry)
        return entry


def entry_valid(entry: Path, key: str) -> bool:
    """True when ``entry`` has a manifest for ``key`` and every file matches its hash."""
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("key") != key or not files:
            return False
        for name, digest in files.items():
            if file_sha256(entry / name) != digest:
                log.warning("cache entry %s: %s changed since it was built", key[:16], name)
                return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True
