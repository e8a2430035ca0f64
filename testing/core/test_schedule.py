"""Worker count for ``-n auto`` and the pool-aware hand-out order (farm.schedule)."""

from __future__ import annotations

from pathlib import Path

from farm.catalog import Catalog
from farm.inventory_loader import load_inventory
from farm.matrix import build_pools
from farm.schedule import Job, PoolQueue, auto_workers, host_cpu_bound
from testing.core.conftest import make_project

LAB = """\
  - {id: a1, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: u1}}
  - {id: a2, target: NUCLEO_L4R5ZI, backend: pyocd, probe: {uid: u2}}
  - {id: b1, target: NUCLEO_F767ZI, backend: pyocd, probe: {uid: u3}}
  - {id: orin, target: JETSON_ORIN_NANO, backend: ssh, ssh: {host: orin.lab}}
  - {id: q1, target: NUCLEO_G431RB, backend: qemu}
  - {id: q2, target: NUCLEO_U575ZI_Q, backend: qemu}
  - {id: q3, target: NUCLEO_L476RG, backend: qemu}
  - {id: pi, target: RPI5, backend: ssh, ssh: {host: 127.0.0.1, port: 2222}}
"""


def test_workers_follow_the_boards_and_twins_count_against_cores(tmp_path: Path) -> None:
    make_project(tmp_path, LAB)
    inventory = load_inventory(tmp_path / "inventory.yaml")
    pools = build_pools(inventory.boards, Catalog.load())
    cpu = {b.id for p in pools for b in p.boards if host_cpu_bound(b)}
    assert cpu == {"q1", "q2", "q3", "pi"}  # QEMU twins and the SSH board on this machine
    # 4 boards waiting on hardware + the 4 host-CPU boards limited to the cores
    assert auto_workers(pools, cores=2, max_workers=32) == 4 + 2
    assert auto_workers(pools, cores=16, max_workers=32) == 8
    assert auto_workers(pools, cores=16, max_workers=5) == 5
    hardware_only = [p for p in pools if not any(host_cpu_bound(b) for b in p.boards)]
    assert auto_workers(hardware_only, cores=1, max_workers=32) == 4


def _drain(queue: PoolQueue, workers: list[str]) -> list[tuple[str, str | None]]:
    order = []
    for _ in range(len(queue)):
        for worker in workers:
            job = queue.next_for(worker)
            if job is not None:
                order.append((worker, job.pool))
    return order


def test_heaviest_pool_per_board_starts_first_and_workers_keep_their_pool() -> None:
    jobs = [Job(i, "light", 1.0) for i in range(4)]
    jobs += [Job(10 + i, "heavy2", 3.0) for i in range(4)]  # 12 s on 2 boards: 6 s per board
    jobs += [Job(20 + i, "heavy1", 2.0) for i in range(4)]  # 8 s on 1 board
    queue = PoolQueue(jobs, {"light": 1, "heavy2": 2, "heavy1": 1})
    assert queue.work_per_board("heavy1") == 8.0 and queue.work_per_board("heavy2") == 6.0
    first = [queue.next_for(w) for w in ("w1", "w2", "w3", "w4")]
    # heavy1 (8 s/board) first, then both boards of heavy2, then light: one worker per board
    assert [j.pool for j in first if j] == ["heavy1", "heavy2", "heavy2", "light"]
    # A worker stays on its pool while it has work, so it keeps its board.
    assert [queue.next_for("w1").pool for _ in range(3)] == ["heavy1"] * 3


def test_no_worker_joins_a_full_pool_while_another_has_a_free_board() -> None:
    jobs = [Job(i, "p", 1.0) for i in range(6)] + [Job(10 + i, "q", 1.0) for i in range(2)]
    queue = PoolQueue(jobs, {"p": 1, "q": 1})
    assert queue.next_for("w1").pool == "p"
    assert queue.next_for("w2").pool == "q"  # p's one board is taken
    assert queue.next_for("w2").pool == "q"
    # q is empty: w2 may only share p's board now (it will wait on the lease).
    assert queue.next_for("w2").pool == "p"


def test_boardless_jobs_fill_in_and_longest_jobs_go_first() -> None:
    jobs = [Job(0, "p", 1.0), Job(1, "p", 5.0), Job(2, None, 0.1), Job(3, "p", 3.0)]
    queue = PoolQueue(jobs, {"p": 1})
    assert queue.next_for("w1").index == 1  # longest first inside the pool
    assert queue.next_for("w2").pool is None  # p's board is taken: a test without a board
    assert [queue.next_for("w1").index, queue.next_for("w1").index] == [3, 0]
    assert queue.next_for("w1") is None and len(queue) == 0


def test_a_crashed_workers_jobs_come_back() -> None:
    queue = PoolQueue([Job(0, "p", 1.0), Job(1, "p", 2.0)], {"p": 1})
    taken = queue.next_for("w1")
    queue.release("w1")
    queue.put_back(taken)
    assert queue.next_for("w2") == taken  # the longest again, and p has room after release


def test_measured_durations_correct_a_wrong_estimate() -> None:
    # Both pools are planned at 1 s per test; "slow" really takes 3 s per test.
    jobs = [Job(i, "slow", 1.0) for i in range(6)] + [Job(10 + i, "fast", 1.0) for i in range(8)]
    queue = PoolQueue(jobs, {"slow": 1, "fast": 1})
    assert queue.work_per_board("fast") > queue.work_per_board("slow")
    queue.observe(queue.next_for("w1"), 1.0)  # fast first, as planned: 1 s
    queue.observe(queue.next_for("w2"), 3.0)  # slow: 3 s, not 1
    assert queue.work_per_board("slow") == 3.0 * 5 and queue.work_per_board("fast") == 7.0
