"""``-n auto`` starts one worker per board waiting on hardware, the pool-aware scheduler hands
out the tests, leases stay exclusive, and the summary tells how busy each board was."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.core.conftest import make_project
from testing.plugin.conftest import run_pytest
from testing.plugin.test_lease_stress import HOLD_TEST, _assert_no_overlap, _intervals

# Three "hardware" boards (probes; tests wait on them, not on the host CPU) in two pools.
BOARDS = """\
  - {id: s1, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: U1}}
  - {id: s2, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: U2}}
  - {id: s3, target: NUCLEO_G431RB, backend: pyocd, probe: {uid: U3}}
"""


@pytest.mark.slow
def test_auto_workers_follow_the_boards_and_leases_stay_exclusive(tmp_path: Path) -> None:
    make_project(tmp_path, BOARDS, settings="lease_timeout_s = 120\n")
    (tmp_path / "test_hold.py").write_text(HOLD_TEST.format(n=40, gate=""))
    done = run_pytest(tmp_path, "-n", "auto", "-v", "-p", "no:randomly", timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "created: 3/3 workers" in done.stdout  # one per board, whatever the cores
    assert "scheduling tests via PoolScheduling" in done.stdout
    assert "80 passed" in done.stdout
    intervals = _intervals(tmp_path)
    assert len(intervals) == 80
    busy = _assert_no_overlap(intervals)
    assert set(busy) == {"s1", "s2", "s3"}
    assert "farm: boards busy" in done.stdout and " s3 " in done.stdout
    plan = next((tmp_path / "reports").glob("*/schedule.json"))
    assert '"nucleo_l4r5zi": 2' in plan.read_text()


def test_max_workers_caps_auto_and_explicit_n_is_obeyed(tmp_path: Path) -> None:
    make_project(tmp_path, BOARDS, settings="lease_timeout_s = 120\n")
    (tmp_path / "test_hold.py").write_text(HOLD_TEST.format(n=2, gate=""))
    done = run_pytest(tmp_path, "-n", "auto", "-v", "--farm-max-workers=2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "created: 2/2 workers" in done.stdout
    done = run_pytest(tmp_path, "-n", "1", "-v")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "created: 1/1 worker" in done.stdout
    done = run_pytest(tmp_path, "-n", "auto", "--farm-max-workers=0")
    assert done.returncode == 4
    assert "option '--farm-max-workers': '0' is not valid; use a count >= 1" in done.stderr
