"""Board lease spans of a run (``<run_dir>/leases/<pid>.jsonl``) and the busy fraction per board.

Each process appends one JSON line per released lease to a file of its own (so no two writers
share a file): board, test id, and wall-clock start and end. A row's ``duration_s`` also counts
the build before the lease; the span is the time the board was really held. Busy fraction of a
board = its leased seconds / the test phase (first lease to last release of the run).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LEASES_DIR = "leases"
BOARDS_FILE = "boards.json"


@dataclass(frozen=True)
class LeaseSpan:
    """A board held by one test from ``start_s`` to ``end_s`` (Unix time, seconds)."""

    board_id: str
    test_id: str
    start_s: float
    end_s: float


def append_span(run_dir: Path, span: LeaseSpan) -> None:
    """Append ``span`` to this process's file (one short ``O_APPEND`` write)."""
    folder = run_dir / LEASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(vars(span)) + "\n"
    fd = os.open(folder / f"{os.getpid()}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def read_spans(run_dir: Path) -> list[LeaseSpan]:
    """Every span of the run; a torn last line (killed writer) is skipped."""
    spans = []
    for path in sorted((run_dir / LEASES_DIR).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                spans.append(LeaseSpan(**json.loads(line)))
            except (ValueError, TypeError):
                log.warning("%s: skipping a torn lease span line", path)
    return spans


def write_boards(run_dir: Path, board_ids: list[str]) -> None:
    """The boards the run's tests may lease, so one never leased shows as idle, not absent."""
    from farm.results.writer import atomic_write_bytes

    atomic_write_bytes(run_dir / LEASES_DIR / BOARDS_FILE, json.dumps(sorted(board_ids)).encode())


def read_boards(run_dir: Path) -> list[str]:
    """The boards :func:`write_boards` listed (empty when none were)."""
    try:
        return list(json.loads((run_dir / LEASES_DIR / BOARDS_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []


@dataclass(frozen=True)
class BoardBusy:
    """One board's share of the test phase."""

    board_id: str
    tests: int
    busy_s: float
    fraction: float


def board_busy(
    spans: list[LeaseSpan], boards: list[str] | None = None
) -> tuple[float, list[BoardBusy]]:
    """(test phase in seconds, busy per board by id); ``boards`` never leased count as 0;
    (0, []) without spans."""
    if not spans:
        return 0.0, []
    wall_s = max(s.end_s for s in spans) - min(s.start_s for s in spans)
    per_board: dict[str, list[LeaseSpan]] = {b: [] for b in boards or ()}
    for span in spans:
        per_board.setdefault(span.board_id, []).append(span)
    busy = []
    for board_id in sorted(per_board):
        held = sum(s.end_s - s.start_s for s in per_board[board_id])
        busy.append(
            BoardBusy(board_id, len(per_board[board_id]), held, held / wall_s if wall_s else 1.0)
        )
    return wall_s, busy
