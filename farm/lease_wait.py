"""Wait for whichever board of a pool frees first, sleeping in the kernel, not polling.

One daemon thread per board blocks in ``flock(LOCK_EX)`` on its own descriptor of the board's
lock file. The kernel wakes a thread the moment the holder releases (or dies); the first thread
to get a lock wins and hands its descriptor to the caller. Threads that are granted a lock
after that (or after the caller gave up) release it at once, so they never hold a board.
Polling instead would add up to one poll interval of idle time per hand-over and burn CPU in
every waiting worker.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Mapping
from pathlib import Path


def unlock_fd(fd: int) -> None:
    """Release and close a descriptor locked by :func:`wait_for_any`."""
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class _Race:
    def __init__(self) -> None:
        self.guard = threading.Lock()
        self.won = threading.Event()
        self.winner: tuple[str, int] | None = None
        self.abandoned = False

    def run(self, board_id: str, path: Path) -> None:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            os.close(fd)
            return
        with self.guard:
            if self.winner is None and not self.abandoned:
                self.winner = (board_id, fd)
                self.won.set()
                return
        unlock_fd(fd)


def wait_for_any(lock_paths: Mapping[str, Path], timeout_s: float) -> tuple[str, int] | None:
    """Block until one lock of ``lock_paths`` is ours: (board id, locked fd), or None on timeout."""
    race = _Race()
    for board_id, path in lock_paths.items():
        threading.Thread(
            target=race.run, args=(board_id, path), name=f"farm-lease-{board_id}", daemon=True
        ).start()
    race.won.wait(max(timeout_s, 0.0))
    with race.guard:
        race.abandoned = True
        return race.winner
