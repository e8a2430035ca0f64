"""Farm-core figures: lease cost, hand-over latency between processes, and board busy/wall
of 8 xdist workers running 400 short tests on 3 boards (two share a target).

Run: ``.venv/bin/python -m testing.benchmarks.bench_core``. Prints figures, asserts nothing.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path

from farm.lease import HolderInfo, LeaseManager

HOLDER = HolderInfo.current("bench", "bench")


def _uncontended(lock_dir: Path, n: int = 2000) -> float:
    leases = LeaseManager(lock_dir)
    start = time.perf_counter()
    for _ in range(n):
        leases.acquire(["b1"], HOLDER, timeout_s=5).release()
    return (time.perf_counter() - start) / n * 1e6


def _ping_pong(lock_dir: str, n: int, hold_s: float) -> None:
    leases = LeaseManager(Path(lock_dir))
    for _ in range(n):
        lease = leases.acquire(["b1"], HOLDER, timeout_s=30)
        time.sleep(hold_s)
        lease.release()


def _hand_over(lock_dir: Path, n: int = 300, hold_s: float = 0.002) -> float:
    """Mean idle time of the board per hand-over when two processes compete for it."""
    procs = [
        multiprocessing.Process(target=_ping_pong, args=(str(lock_dir), n, hold_s)) for _ in "ab"
    ]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.perf_counter() - start
    return (wall - 2 * n * hold_s) / (2 * n) * 1e3


def _stress() -> str:
    from testing.plugin.conftest import run_pytest
    from testing.plugin.test_lease_stress import _assert_no_overlap, _intervals, _project

    with tempfile.TemporaryDirectory() as tmp:
        root = _project(Path(tmp), 200)
        done = run_pytest(root, "-n", "8", "-q", timeout=600)
        intervals = _intervals(root)
        busy = _assert_no_overlap(intervals)
        wall = max(i[2] for i in intervals) - min(i[1] for i in intervals)
        ratio = sum(busy.values()) / (len(busy) * wall)
        return f"{len(intervals)} tests (rc {done.returncode}), wall {wall:.2f} s, busy/wall {ratio:.2f}"


def main() -> None:
    """Print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        print(f"lease acquire+release, uncontended: {_uncontended(Path(tmp)):.0f} us")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"board idle per hand-over, 2 processes: {_hand_over(Path(tmp)):.2f} ms")
    print(f"8 workers x 400 tests x 3 boards: {_stress()}")


if __name__ == "__main__":
    main()
