"""Board leases: first free board, busy errors naming holders, reclaim after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from farm.errors import BoardBusyError, InfraError
from farm.lease import HolderInfo, LeaseManager
from testing.core.conftest import run_farm

HOLDER = HolderInfo.current("run-a", "test_x")


def test_takes_first_free_board(tmp_path: Path) -> None:
    leases = LeaseManager(tmp_path)
    first = leases.acquire(["b1", "b2"], HOLDER, timeout_s=1)
    second = leases.acquire(["b1", "b2"], HOLDER, timeout_s=1)
    assert (first.board_id, second.board_id) == ("b1", "b2")
    first.release()
    third = leases.acquire(["b1", "b2"], HOLDER, timeout_s=1)
    assert third.board_id == "b1" and third.reclaimed_from is None
    second.release()
    third.release()
    assert leases.holders() == []


def test_busy_pool_times_out_with_holders(tmp_path: Path) -> None:
    leases = LeaseManager(tmp_path)
    with leases.lease(["b1"], HOLDER, timeout_s=1):
        with pytest.raises(BoardBusyError) as info:
            leases.acquire(["b1"], HolderInfo.current("run-b", "test_y"), timeout_s=0.05)
    error = info.value
    assert isinstance(error, InfraError) and error.board == "b1"
    assert str(error).startswith(f"board 'b1' busy: b1 held by pid {os.getpid()}")
    assert "run run-a, test test_x" in str(error)


HOLD_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from farm.lease import HolderInfo, LeaseManager
    lease = LeaseManager(Path(sys.argv[1])).acquire(["b1"], HolderInfo.current("dead-run", "t"), 5)
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_sigkilled_holder_is_reclaimed(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        leases = LeaseManager(tmp_path)
        assert leases.try_acquire("b1", HOLDER) is None
        shown = run_farm("leases", env={"FARM_LOCK_DIR": str(tmp_path)})
        assert f"b1: pid {child.pid} on" in shown.stdout and "stale" not in shown.stdout
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    shown = run_farm("leases", env={"FARM_LOCK_DIR": str(tmp_path)})
    assert "[stale: holder is dead, next lease reclaims it]" in shown.stdout
    lease = LeaseManager(tmp_path).acquire(["b1"], HOLDER, timeout_s=1)
    assert lease.reclaimed_from is not None and lease.reclaimed_from.pid == child.pid
    lease.release()
    assert run_farm("leases", env={"FARM_LOCK_DIR": str(tmp_path)}).stdout.startswith(
        "no leases held"
    )
