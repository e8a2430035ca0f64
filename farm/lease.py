"""Exclusive board leases across xdist workers and separate pytest processes on one machine.

One ``flock`` per board on ``<lock_dir>/<board>.lock``. (The ``filelock`` package wraps the
same call but costs about 50x more per attempt and can only wait by polling; leases use
``fcntl.flock`` directly so a waiter can sleep in the kernel, see :mod:`farm.lease_wait`.)
The kernel drops an ``flock`` when its holder dies, so a SIGKILLed worker never leaves a
board locked; the holder record (``<board>.holder.json``: pid, host, run id, test id, start
time; empty when free) it leaves behind is replaced by the next holder, which logs the reclaim.

Scheduling: ``acquire`` tries every board of the pool without blocking and takes the first
free one; if all are busy it waits in the kernel on all of them at once
(:mod:`farm.lease_wait`) and takes whichever frees first. A worker therefore never sleeps on one
board while another suitable board is idle, and a freed board is taken without a poll delay.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from farm.errors import BoardBusyError
from farm.lease_wait import unlock_fd, wait_for_any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HolderInfo:
    """Who holds (or held) a board."""

    pid: int
    host: str
    run_id: str
    test_id: str
    started_at: str

    @classmethod
    def current(cls, run_id: str, test_id: str) -> HolderInfo:
        """A record for this process, started now."""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        return cls(os.getpid(), socket.gethostname(), run_id, test_id, now)

    def describe(self) -> str:
        """``pid 123 on host (run R, test T, since S)``."""
        return (
            f"pid {self.pid} on {self.host} (run {self.run_id}, test {self.test_id}, "
            f"since {self.started_at})"
        )

    def is_alive(self) -> bool | None:
        """True/False for a holder on this host; None when it runs elsewhere."""
        if self.host != socket.gethostname():
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


@dataclass
class Lease:
    """A held board. Release it (or use :func:`LeaseManager.lease`) when done."""

    board_id: str
    holder: HolderInfo
    waited_s: float
    reclaimed_from: HolderInfo | None
    acquired_monotonic: float
    """``time.monotonic()`` when the lock was granted (comparable across local processes)."""
    _unlock: Callable[[], None] = field(repr=False)
    _clear_record: Callable[[], None] = field(repr=False)
    _held: bool = field(default=True, repr=False)

    def release(self) -> None:
        """Clear the record first, then unlock, so a record never outlives a live lock."""
        if not self._held:
            return
        self._held = False
        try:
            self._clear_record()
        finally:
            self._unlock()


def _parse_holder(data: bytes) -> HolderInfo | None:
    if not data.strip():
        return None  # empty record: nobody holds the board
    try:
        return HolderInfo(**json.loads(data))
    except (ValueError, TypeError):
        return None


def _read_holder(path: Path) -> HolderInfo | None:
    try:
        return _parse_holder(path.read_bytes())
    except OSError:
        return None


class LeaseManager:
    """Leases boards using lock files in ``lock_dir``."""

    def __init__(self, lock_dir: Path) -> None:
        self.lock_dir = Path(lock_dir)
        self._lock_fds: dict[str, int] = {}
        self._records: dict[str, int] = {}
        self._held: set[str] = set()

    def _paths(self, board_id: str) -> tuple[Path, Path]:
        return self.lock_dir / f"{board_id}.lock", self.lock_dir / f"{board_id}.holder.json"

    def _lock_fd(self, board_id: str) -> int:
        fd = self._lock_fds.get(board_id)
        if fd is None:
            self.lock_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._paths(board_id)[0], os.O_RDWR | os.O_CREAT, 0o644)
            self._lock_fds[board_id] = fd
        return fd

    def _unlock_cached(self, board_id: str) -> None:
        fcntl.flock(self._lock_fds[board_id], fcntl.LOCK_UN)
        self._held.discard(board_id)

    def try_acquire(self, board_id: str, holder: HolderInfo, waited_s: float = 0.0) -> Lease | None:
        """Take ``board_id`` if it is free right now, else None."""
        if board_id in self._held:
            return None  # flock on our own descriptor would succeed again: not a second lease
        fd = self._lock_fd(board_id)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        self._held.add(board_id)
        return self._grant(board_id, holder, waited_s, partial(self._unlock_cached, board_id))

    def _grant(
        self, board_id: str, holder: HolderInfo, waited_s: float, unlock: Callable[[], None]
    ) -> Lease:
        granted = time.monotonic()
        fd = self._record_fd(board_id)
        stale = _parse_holder(os.pread(fd, 4096, 0))
        if stale is not None:
            log.warning(
                "board %s: reclaimed lease left by dead holder %s", board_id, stale.describe()
            )
        # The record file stays; it is rewritten in place (empty = free). Creating and deleting
        # a file per lease cost more than the whole rest of a hand-over.
        data = json.dumps(vars(holder)).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        return Lease(
            board_id, holder, waited_s, stale, granted, unlock, partial(os.ftruncate, fd, 0)
        )

    def _record_fd(self, board_id: str) -> int:
        fd = self._records.get(board_id)
        if fd is None:
            fd = os.open(self._paths(board_id)[1], os.O_RDWR | os.O_CREAT, 0o644)
            self._records[board_id] = fd
        return fd

    def acquire(self, board_ids: Sequence[str], holder: HolderInfo, timeout_s: float) -> Lease:
        """First free board of ``board_ids``; BoardBusyError naming the holders on timeout.

        A sweep of non-blocking attempts takes any free board at once; when all are busy the
        caller sleeps in the kernel on all of them and gets whichever frees first.
        """
        if not board_ids:
            raise ValueError("acquire needs at least one board id")
        start = time.monotonic()
        for board_id in board_ids:
            lease = self.try_acquire(board_id, holder)
            if lease is not None:
                return lease
        paths = {b: self._paths(b)[0] for b in board_ids}
        won = wait_for_any(paths, timeout_s - (time.monotonic() - start))
        waited = time.monotonic() - start
        if won is None:
            raise self._busy_error(board_ids, waited)
        board_id, fd = won
        return self._grant(board_id, holder, waited, partial(unlock_fd, fd))

    def _busy_error(self, board_ids: Sequence[str], waited_s: float) -> BoardBusyError:
        held = []
        for board_id in board_ids:
            info = _read_holder(self._paths(board_id)[1])
            held.append(f"{board_id} held by {info.describe() if info else 'an unknown holder'}")
        names = ", ".join(f"'{b}'" for b in board_ids)
        return BoardBusyError(
            f"board {names} busy: {'; '.join(held)}; waited {waited_s:.1f} s; "
            "raise --farm-lease-timeout or see 'farm leases'",
            board=board_ids[0] if len(board_ids) == 1 else None,
        )

    @contextmanager
    def lease(
        self, board_ids: Sequence[str], holder: HolderInfo, timeout_s: float
    ) -> Iterator[Lease]:
        """Context manager around :meth:`acquire` and :meth:`Lease.release`."""
        taken = self.acquire(board_ids, holder, timeout_s)
        try:
            yield taken
        finally:
            taken.release()

    def holders(self) -> list[tuple[str, HolderInfo, bool | None]]:
        """(board id, holder, alive) for every holder record in the lock dir."""
        found = []
        for record in sorted(self.lock_dir.glob("*.holder.json")):
            info = _read_holder(record)
            if info is not None:
                found.append((record.name.removesuffix(".holder.json"), info, info.is_alive()))
        return found
