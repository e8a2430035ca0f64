"""Upload a shard's rows and their artifacts to the result store as each test ends.

Keys are the run-directory paths under ``<run_id>/`` (as ``farm push`` lays a run out), so a
row uploaded twice (a shard run again) replaces itself: no duplicate rows. Artifacts go up
before their row, so a row in the store always finds its log and trace. A store that is down
costs nothing measured: the row stays on disk and the shard's final sweep sends it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from farm.errors import StoreError
from farm.results.store import RunStore, md5_file
from farm.results.writer import ROWS_DIR, TMP_PREFIX

log = logging.getLogger(__name__)

ARTIFACT_FIELDS = ("console_log", "trace_parquet")


class ShardUploader:
    """Sends files of one local run directory to ``<run_id>/...`` in the store."""

    def __init__(self, store: RunStore, run_dir: Path) -> None:
        self.store = store
        self.run_dir = Path(run_dir)
        self.sent: dict[str, str] = {}

    def _put(self, path: Path, remote: dict[str, str] | None = None) -> bool:
        rel = path.relative_to(self.run_dir).as_posix()
        key = f"{self.run_dir.name}/{rel}"
        md5 = md5_file(path)
        if self.sent.get(key) == md5 or (remote is not None and remote.get(key) == md5):
            return False
        self.store.put_file(key, path, md5)
        self.sent[key] = md5
        return True

    def row_files(self, row_path: Path) -> list[Path]:
        """The row's artifacts that exist, then the row itself."""
        try:
            row = json.loads(row_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        files = [self.run_dir / row[f] for f in ARTIFACT_FIELDS if row.get(f)]
        return [p for p in files if p.is_file()] + [row_path]

    def upload_row(self, row_path: Path) -> int:
        """Upload one row and its artifacts now; returns the number of objects sent."""
        return sum(self._put(p) for p in self.row_files(row_path))

    def sweep(self) -> tuple[int, list[str]]:
        """Upload every row (and artifact) the store lacks; (sent, keys that failed)."""
        remote = self.store.checksums(f"{self.run_dir.name}/{ROWS_DIR}/")
        remote.update(self.store.checksums(f"{self.run_dir.name}/logs/"))
        sent, failed = 0, []
        rows_dir = self.run_dir / ROWS_DIR
        for row_path in sorted(rows_dir.glob("*.json")) if rows_dir.is_dir() else []:
            if row_path.name.startswith(TMP_PREFIX):
                continue
            for path in self.row_files(row_path):
                try:
                    sent += self._put(path, remote)
                except StoreError as exc:
                    log.warning("fleet upload of %s failed: %s", path, exc)
                    failed.append(path.relative_to(self.run_dir).as_posix())
        return sent, failed
