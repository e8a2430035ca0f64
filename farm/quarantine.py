"""Per-board count of consecutive infrastructure errors, shared by every worker of a run.

The book is a JSON file in the run directory guarded by a ``filelock``; xdist workers and the
controller read and update it. A board that reaches ``threshold`` consecutive infra errors is
quarantined for the rest of the run; a successful test on the board resets its count.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

log = logging.getLogger(__name__)

BOOK_FILE = "quarantine.json"


@dataclass(frozen=True)
class BoardHealth:
    """Infra-error state of one board."""

    board_id: str
    consecutive_errors: int
    first_cause: str
    quarantined: bool

    def skip_reason(self) -> str:
        """``board 'x' quarantined after N infra errors: <first cause>``."""
        return (
            f"board '{self.board_id}' quarantined after {self.consecutive_errors} infra errors: "
            f"{self.first_cause}"
        )


class QuarantineBook:
    """Counts infra errors per board in ``<run_dir>/quarantine.json``."""

    def __init__(self, run_dir: Path, threshold: int) -> None:
        self.path = Path(run_dir) / BOOK_FILE
        self.threshold = threshold
        self._lock = FileLock(
            self.path.with_suffix(".json.lock"), thread_local=False, preserve_lock_file=True
        )

    @contextmanager
    def _edit(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            data = self._read()
            yield data
            tmp = self.path.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)

    def _read(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def record_error(self, board_id: str, cause: str) -> BoardHealth:
        """Count one infra error; quarantines the board when the streak reaches the threshold."""
        with self._edit() as data:
            entry = data.get(board_id) or {"count": 0, "first_cause": cause, "quarantined": False}
            if entry["count"] == 0:
                entry["first_cause"] = cause
            entry["count"] += 1
            if entry["count"] >= self.threshold and not entry["quarantined"]:
                entry["quarantined"] = True
                log.warning("board %s quarantined after %d infra errors", board_id, entry["count"])
            data[board_id] = entry
        return self._health(board_id, entry)

    def record_success(self, board_id: str) -> None:
        """A test passed the infrastructure on this board: the streak restarts."""
        if self.health(board_id).consecutive_errors == 0:
            return  # most tests: no write, no lock contention
        with self._edit() as data:
            entry = data.get(board_id)
            if entry and not entry["quarantined"]:
                entry["count"] = 0

    def health(self, board_id: str) -> BoardHealth:
        """Current state of ``board_id`` (a fresh read: other workers update the file)."""
        return self._health(board_id, self._read().get(board_id))

    def quarantined(self) -> list[BoardHealth]:
        """Every quarantined board."""
        data = self._read()
        return [self._health(b, e) for b, e in sorted(data.items()) if e.get("quarantined")]

    @staticmethod
    def _health(board_id: str, entry: dict[str, Any] | None) -> BoardHealth:
        if not entry:
            return BoardHealth(board_id, 0, "", False)
        return BoardHealth(board_id, entry["count"], entry["first_cause"], entry["quarantined"])
