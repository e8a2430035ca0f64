"""Atomic per-test row files: ``<run_dir>/rows/<safe id>.json``.

Each xdist worker writes its own rows the moment a test ends, so a killed run keeps every
finished row (ARCHITECTURE.md, principle 5). A row is written to a temporary file in the same
directory, fsynced and renamed over the final name with ``os.replace``, which is atomic on
POSIX: a reader sees the whole previous file, the whole new file, or nothing. Temporary files
start with ``.tmp-`` and are ignored by readers.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from farm.results.schema import ResultRow, safe_id

log = logging.getLogger(__name__)

ROWS_DIR = "rows"
TMP_PREFIX = ".tmp-"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it appears complete or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # The rename itself is only durable once the directory entry is on disk.
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


class RowWriter:
    """Writes result rows of one run; safe to use from many processes at once.

    Args:
        run_dir: the run directory, e.g. ``reports/20261122T021500Z-3f2a``.
    """

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.run_dir = Path(run_dir)
        self.rows_dir = self.run_dir / ROWS_DIR

    def path_for(self, test_id: str) -> Path:
        """Where the row of ``test_id`` lives."""
        return self.rows_dir / f"{safe_id(test_id)}.json"

    def write(self, row: ResultRow) -> Path:
        """Write ``row`` atomically; a later row for the same test id replaces it."""
        path = self.path_for(row.test_id)
        atomic_write_bytes(path, row.model_dump_json(indent=1).encode("utf-8"))
        log.debug("row %s -> %s", row.test_id, path)
        return path


def iter_rows(run_dir: str | os.PathLike[str]) -> Iterator[ResultRow]:
    """Yield every complete row of a run, sorted by file name; skips unreadable files loudly."""
    rows_dir = Path(run_dir) / ROWS_DIR
    if not rows_dir.is_dir():
        return
    for path in sorted(rows_dir.glob("*.json")):
        if path.name.startswith(TMP_PREFIX):
            continue
        try:
            yield ResultRow.model_validate_json(path.read_bytes())
        except (OSError, ValidationError) as exc:
            log.warning("skipping unreadable row %s: %s", path, exc)
