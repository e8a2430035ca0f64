"""The firmware build cache's second tier in the result store: build once for the fleet.

An entry ``<key>/`` of :class:`farm.build.cache.BuildCache` is stored as ``builds/<key>/<file>``
with its ``manifest.json`` uploaded last, plus ``origin-<pc>.json`` (the PC that built it, for
which run; one file per PC, so a key compiled twice shows as two origins). A fetched entry is
committed only if every file matches the manifest's sha256 (:meth:`BuildCache.adopt`), so a
partial upload or a corrupt object is rebuilt, never flashed.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from farm.build.cache import MANIFEST, manifest_files
from farm.errors import StoreError
from farm.fleet.keys import build_key
from farm.results.store import RunStore, md5_file

log = logging.getLogger(__name__)

ORIGIN_PREFIX = "origin-"


class StoreBuildCache:
    """:class:`farm.build.cache.RemoteBuildCache` backed by a result store."""

    def __init__(
        self,
        store: RunStore,
        host: str,
        run_id: str,
        lock: Callable[[str], AbstractContextManager[None]] | None = None,
    ) -> None:
        self.store = store
        self.host = host
        self.run_id = run_id
        self._lock = lock

    def exclusive(self, key: str) -> AbstractContextManager[None]:
        """The fleet-wide lock of ``key`` (a Prefect concurrency limit in a shard)."""
        return self._lock(key) if self._lock is not None else contextlib.nullcontext()

    def fetch(self, key: str, dest: Path) -> bool:
        try:
            raw = self.store.get_bytes(build_key(key, MANIFEST))
            if raw is None:
                return False
            names = list(json.loads(raw)["files"])
            for name in names:
                data = self.store.get_bytes(build_key(key, name))
                if data is None:
                    log.warning("build %s in the store lacks %s; rebuilding", key[:16], name)
                    return False
                (dest / name).write_bytes(data)
        except (StoreError, ValueError, KeyError, TypeError) as exc:
            log.warning("build %s: cannot fetch from the store (%s); building here", key[:16], exc)
            return False
        (dest / MANIFEST).write_bytes(raw)
        log.info("build %s fetched from %s", key[:16], self.store.name)
        return True

    def publish(self, key: str, entry: Path) -> None:
        origin = {"host": self.host, "run_id": self.run_id,
                  "built_at": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
        try:
            name = f"{ORIGIN_PREFIX}{self.host}.json"
            self.store.put_bytes(build_key(key, name), json.dumps(origin).encode())
            for path in manifest_files(entry):
                self.store.put_file(build_key(key, path.name), path, md5_file(path))
        except StoreError as exc:  # the build is good locally; other PCs will build it too
            log.warning("build %s: not shared through the store: %s", key[:16], exc)


def builds_by_host(store: RunStore, run_id: str) -> dict[str, int]:
    """How many cache entries each PC compiled during ``run_id`` (from the origins)."""
    counts: dict[str, int] = {}
    for key in store.checksums("builds/"):
        if not key.rsplit("/", 1)[-1].startswith(ORIGIN_PREFIX):
            continue
        raw = store.get_bytes(key)
        origin = json.loads(raw) if raw else {}
        if origin.get("run_id") == run_id:
            counts[origin["host"]] = counts.get(origin["host"], 0) + 1
    return counts
