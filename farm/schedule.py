"""Keep every board busy: how many workers, and which test a free worker runs next.

Workers follow the boards. A board whose tests wait on hardware (a Nucleo behind a probe, a
Linux board across the network) needs a worker of its own but hardly any host CPU; a board that
burns host CPU (a QEMU twin, a Linux twin on this machine) counts against the cores. So
``-n auto`` starts ``hardware boards + min(host-CPU boards, cores)`` workers, at most
``max_workers``.

Which test next: :class:`PoolQueue` hands out tests one at a time. A worker stays on the pool of
its last test while that pool has work; when the pool is empty it moves to
the pool with the most remaining work per board among pools with a board nobody is bound to
(longest-processing-time first, and longest tests first inside a pool), so no worker waits on a
busy pool while a board of another pool is idle, and the pools that bound the night start
first. Tests that lease no board fill the gaps. Costs come from the previous run's durations
when it ran the same test, else from :func:`estimate_s`; as tests finish, each pool's remaining
work is corrected by how its finished tests compared with the plan.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from farm.catalog import TargetKind
from farm.devices.registry import is_twin
from farm.inventory import BoardConfig
from farm.matrix import BoardPool

# Rough costs, only used to rank pools when no previous run timed a test; a previous run's
# durations replace them. Per test: flash/handshake/SSH set-up; per MAC: cycles of the int8
# kernels on a Cortex-M (the twins run 2.6-5.7 instructions per MAC) and of a Linux runtime.
OVERHEAD_S = 1.0
CYCLES_PER_MAC = {TargetKind.MCU: 5.0, TargetKind.LINUX: 0.5}


def host_cpu_bound(board: BoardConfig) -> bool:
    """True when the board's work runs on this PC's CPU: a QEMU twin, or a Linux board whose
    SSH host is this machine (the virtual lab's twins run the model on the host)."""
    if is_twin(board):
        return True
    ssh = getattr(board, "ssh", None)
    host = getattr(ssh, "host", None) if ssh is not None else None
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auto_workers(pools: Iterable[BoardPool], cores: int, max_workers: int) -> int:
    """Workers for ``-n auto``: one per hardware board, host-CPU boards up to ``cores``."""
    boards = {b.id: b for pool in pools for b in pool.boards}
    cpu = sum(1 for b in boards.values() if host_cpu_bound(b))
    waiting = len(boards) - cpu
    return max(1, min(max_workers, waiting + min(cpu, max(cores, 1))))


def estimate_s(macs: int | None, pool: BoardPool, inferences: int) -> float:
    """Seconds a test of ``inferences`` inferences of a ``macs`` model holds a board (rough)."""
    per_mac = CYCLES_PER_MAC.get(pool.target.kind, 1.0)
    compute = (macs or 0) * per_mac * inferences / pool.target.max_clock_hz
    return OVERHEAD_S + compute


@dataclass(frozen=True)
class Job:
    """One test to hand out: its index in the collection, pool (None: leases no board), cost."""

    index: int
    pool: str | None
    cost_s: float


@dataclass
class PoolQueue:
    """The tests not handed out yet, by pool, and which pool each worker is bound to."""

    jobs: Sequence[Job]
    pool_sizes: dict[str, int]
    _left: dict[str | None, list[Job]] = field(default_factory=dict, init=False)
    _bound: dict[Hashable, str | None] = field(default_factory=dict, init=False)
    _seen: dict[str, list[float]] = field(default_factory=dict, init=False)
    """Per pool: [measured seconds, planned seconds] of its finished jobs."""

    def __post_init__(self) -> None:
        for job in self.jobs:
            self._left.setdefault(job.pool, []).append(job)
        for pool_jobs in self._left.values():
            # Longest first; pop() takes from the end.
            pool_jobs.sort(key=lambda j: (j.cost_s, -j.index))

    def __len__(self) -> int:
        return sum(len(v) for v in self._left.values())

    def work_per_board(self, pool: str) -> float:
        """Seconds of work not yet handed out, per board of ``pool``: the plan, corrected by
        how the pool's finished jobs compared with it (an estimate is only a guess)."""
        planned = sum(j.cost_s for j in self._left.get(pool, ()))
        measured, expected = self._seen.get(pool, (0.0, 0.0))
        ratio = measured / expected if expected > 0 else 1.0
        return planned * ratio / self.pool_sizes.get(pool, 1)

    def observe(self, job: Job, seconds: float) -> None:
        """``job`` finished in ``seconds``: correct the plan of its pool."""
        if job.pool is not None and job.cost_s > 0:
            seen = self._seen.setdefault(job.pool, [0.0, 0.0])
            seen[0] += seconds
            seen[1] += job.cost_s

    def _workers_on(self, pool: str) -> int:
        return sum(1 for p in self._bound.values() if p == pool)

    def next_for(self, worker: Hashable) -> Job | None:
        """The job ``worker`` runs after the one it has; None when nothing is left."""
        current = self._bound.get(worker)
        if current is not None and self._left.get(current):
            # Stay, even when a worker moving in from an emptied pool made the pool look
            # crowded: this worker holds a board of it now, the newcomer only later.
            return self._take(worker, current)
        self._bound.pop(worker, None)
        pools = [p for p, left in self._left.items() if p is not None and left]
        free = [p for p in pools if self._workers_on(p) < self.pool_sizes.get(p, 1)]
        if free:
            return self._take(worker, max(free, key=lambda p: (self.work_per_board(p), p)))
        if self._left.get(None):
            return self._take(worker, None)
        if pools:  # every pool has its boards' worth of workers: share the busiest
            crowd = {p: self._workers_on(p) + 1 for p in pools}
            busiest = max(pools, key=lambda p: (self.work_per_board(p) / crowd[p], p))
            return self._take(worker, busiest)
        return None

    def _take(self, worker: Hashable, pool: str | None) -> Job:
        job = self._left[pool].pop()
        self._bound[worker] = pool
        return job

    def put_back(self, job: Job) -> None:
        """Return a job a crashed worker did not run."""
        left = self._left.setdefault(job.pool, [])
        left.append(job)
        left.sort(key=lambda j: (j.cost_s, -j.index))

    def release(self, worker: Hashable) -> None:
        """``worker`` is gone: its pool has room again."""
        self._bound.pop(worker, None)
