"""Boards are exclusive and kept busy: 8 xdist workers, 400 short tests, 3 boards (two share
a target); then a second pytest process competing with a first one for the same boards."""

from __future__ import annotations

import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest

from testing.core.conftest import make_project
from testing.plugin.conftest import argv_for_pytest, clean_env, run_pytest

BOARDS = """\
  - {id: s1, target: NUCLEO_L4R5ZI, backend: qemu}
  - {id: s2, target: NUCLEO_L4R5ZI, backend: qemu}
  - {id: s3, target: NUCLEO_G431RB, backend: qemu}
"""

# The two-board pool holds twice as long as the one-board pool, so both pools have the same
# work per board and busy/wall can approach 1.
HOLD_TEST = """
import os
import time
from pathlib import Path

import pytest

OUT = Path(__file__).parent / "intervals"
HOLD_S = {{"nucleo_l4r5zi": 0.010, "s3": 0.005}}


GATE = {gate!r}


@pytest.mark.parametrize("i", range({n}))
def test_hold(i, board, board_pool, farm):
    start = board.lease.acquired_monotonic  # from the moment the lock was granted
    if GATE and i == 0:  # hold a board until the competing run has started
        deadline = time.monotonic() + 60
        while not Path(GATE).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    time.sleep(HOLD_S[board_pool.id])
    end = time.monotonic()
    OUT.mkdir(exist_ok=True)
    with (OUT / f"{{farm.run_id}}-{{os.getpid()}}.txt").open("a") as fh:
        fh.write(f"{{board.id}} {{start:.6f}} {{end:.6f}} {{farm.run_id}}\\n")
"""

Interval = tuple[str, float, float, str]


def _intervals(root: Path) -> list[Interval]:
    found = []
    for path in (root / "intervals").glob("*.txt"):
        for line in path.read_text().splitlines():
            board, start, end, run_id = line.split()
            found.append((board, float(start), float(end), run_id))
    return found


def _assert_no_overlap(intervals: list[Interval]) -> dict[str, list[Interval]]:
    per_board: dict[str, list[Interval]] = defaultdict(list)
    for interval in intervals:
        per_board[interval[0]].append(interval)
    for board, spans in per_board.items():
        spans.sort(key=lambda s: s[1])
        for before, after in zip(spans, spans[1:], strict=False):
            assert before[2] <= after[1], f"board {board}: {before} overlaps {after}"
    return per_board


def _longest_idle_s(spans: list[Interval]) -> float:
    """The longest time a board sat free between two of its leases (spans sorted by start)."""
    return max((b[1] - a[2] for a, b in zip(spans, spans[1:], strict=False)), default=0.0)


# With 8 workers queued on 3 boards a released board is handed to a waiter by the kernel at
# once; an idle gap this long means a waiter slept through the release (a lost wake-up), not
# a slow machine: pytest's per-test overhead on a loaded 2-core box is tens of milliseconds.
MAX_IDLE_S = 5.0


def _project(root: Path, n: int, gate: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    make_project(root, BOARDS, settings="lease_timeout_s = 120\n")
    (root / "test_hold.py").write_text(HOLD_TEST.format(n=n, gate=gate))
    return root


@pytest.mark.slow
def test_eight_workers_400_tests_never_share_a_board(tmp_path: Path) -> None:
    _project(tmp_path, 200)  # 200 x 2 pools
    done = run_pytest(tmp_path, "-n", "8", "-q", "-p", "no:randomly", timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "400 passed" in done.stdout
    intervals = _intervals(tmp_path)
    assert len(intervals) == 400
    per_board = _assert_no_overlap(intervals)
    counts = {board: len(spans) for board, spans in per_board.items()}
    # s3 is a pool of its own; s1 and s2 form one pool and both must take a share of it.
    assert counts["s3"] == 200 and counts["s1"] + counts["s2"] == 200, counts
    assert min(counts["s1"], counts["s2"]) >= 40, f"one board of the pool sat unused: {counts}"
    idle = {board: _longest_idle_s(spans) for board, spans in per_board.items()}
    assert max(idle.values()) < MAX_IDLE_S, f"a board sat free while tests waited: {idle}"
    busy = {b: sum(end - start for _, start, end, _ in spans) for b, spans in per_board.items()}
    wall = max(i[2] for i in intervals) - min(i[1] for i in intervals)
    ratio = sum(busy.values()) / (len(busy) * wall)
    # A figure for the reader, not a limit: it depends on the machine's load.
    print(
        f"lease stress: 400 tests, 8 workers, 3 boards, wall {wall:.2f} s, busy/wall {ratio:.2f},"
        f" longest idle {max(idle.values()) * 1000:.0f} ms, per board {counts}"
    )


@pytest.mark.slow
def test_second_process_waits_and_never_overlaps(tmp_path: Path) -> None:
    gate = tmp_path / "second-started"
    first_dir = _project(tmp_path / "a", 60, gate=str(gate))
    second_dir = _project(tmp_path / "b", 20)
    (second_dir / "conftest.py").write_text(
        "from pathlib import Path\n\n\ndef pytest_sessionstart(session):\n"
        f"    Path({str(gate)!r}).touch()\n"
    )
    # Both projects must share one lock directory, as two runs on one lab PC do.
    shared = f"lock_dir = '{tmp_path / 'locks'}'\n"
    for root in (first_dir, second_dir):
        text = (root / "pyproject.toml").read_text().splitlines(keepends=True)
        (root / "pyproject.toml").write_text("".join([text[0], shared, *text[2:]]))
    first = subprocess.Popen(
        argv_for_pytest("-n", "2", "-q"),
        cwd=first_dir,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (first_dir / "intervals").is_dir() and time.monotonic() < deadline:
            time.sleep(0.02)
        second = run_pytest(second_dir, "-q", timeout=120)
        first_out, _ = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, first_out[-3000:]
    assert second.returncode == 0, second.stdout[-3000:]
    a, b = _intervals(first_dir), _intervals(second_dir)
    assert (len(a), len(b)) == (120, 40)
    assert len({i[3] for i in a} | {i[3] for i in b}) == 2  # two runs, two run ids
    assert min(i[1] for i in b) < max(i[2] for i in a)  # the second ran while the first did
    _assert_no_overlap(a + b)
