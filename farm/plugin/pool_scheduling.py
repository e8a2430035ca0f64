"""``PoolScheduling``: xdist's load scheduling, but each worker gets the test a
:class:`~farm.schedule.PoolQueue` picks for it, one at a time (see :mod:`farm.plugin.schedule`).

It extends ``LoadScheduling`` so collection checks, crash handling and a collection without
board tests behave exactly as xdist's own; only the hand-out differs. The attributes of
``LoadScheduling`` it uses are not xdist's documented API: ``XDIST_NAMES`` lists them, and
testing/plugin/test_pool_scheduling_xdist.py checks them for the xdist range of pyproject.toml.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScheduling

from farm.schedule import Job, PoolQueue

# A worker runs a test only once it holds the next one. Three per worker (one running, two
# queued) let it start the next test the moment one ends, without a round trip to the
# controller while its board idles; more would commit a worker to a pool long before it
# gets there.
PER_WORKER = 3

# What this module uses of LoadScheduling beyond the scheduler hooks xdist documents.
XDIST_NAMES = (
    "collection", "pending", "nodes", "node2collection", "node2pending",
    "_check_nodes_have_same_collection", "log",
)  # fmt: skip


class PoolScheduling(LoadScheduling):
    """Hands out tests pool by pool, longest work per board first."""

    def __init__(self, config: pytest.Config, log: Any, plan_path: Path) -> None:
        super().__init__(config, log)
        self.plan_path = plan_path
        self.queue: PoolQueue | None = None
        self.jobs: dict[int, Job] = {}

    def schedule(self) -> None:
        """First call: read the plan; without board tests fall back to ``LoadScheduling``."""
        if self.collection is None and self.queue is None:
            if not self._check_nodes_have_same_collection():
                self.log("**Different tests collected, aborting run**")
                return
            collection = next(iter(self.node2collection.values()))
            self.queue = load_plan(self.plan_path, collection)
            if self.queue is not None:
                self.collection = collection
                self.pending[:] = range(len(collection))
                self.jobs = {j.index: j for j in self.queue.jobs}
        if self.queue is None:
            super().schedule()
            return
        for node in self.nodes:
            self.check_schedule(node)

    def check_schedule(self, node: Any, duration: float = 0) -> None:
        """Top the worker up to ``PER_WORKER`` tests; shut it down when nothing is left."""
        if self.queue is None:
            super().check_schedule(node, duration)
            return
        if node.shutting_down:
            return
        pending = self.node2pending[node]
        send = []
        while len(pending) + len(send) < PER_WORKER:
            job = self.queue.next_for(node)
            if job is None:
                break
            send.append(job.index)
        if send:
            for index in send:
                self.pending.remove(index)
            pending.extend(send)
            node.send_runtest_some(send)
        if not len(self.queue):
            node.shutdown()

    def mark_test_complete(self, node: Any, item_index: int, duration: float = 0) -> None:
        """Learn from the test's duration, then top the worker up."""
        if self.queue is not None and item_index in self.jobs:
            self.queue.observe(self.jobs[item_index], duration)
        super().mark_test_complete(node, item_index, duration)

    def mark_test_pending(self, item: str) -> None:
        """A test to run again (xdist's rerun of a crashed worker's test)."""
        if self.queue is None or self.collection is None:
            super().mark_test_pending(item)
            return
        index = self.collection.index(item)
        self.pending.insert(0, index)
        self.queue.put_back(self.jobs[index])
        for node in self.nodes:
            self.check_schedule(node)

    def remove_pending_tests_from_node(self, node: Any, indices: Sequence[int]) -> None:
        raise NotImplementedError()

    def remove_node(self, node: Any) -> str | None:
        """A worker went away: its unstarted tests go back to the queue."""
        if self.queue is None:
            return super().remove_node(node)
        self.queue.release(node)
        pending = self.node2pending.pop(node)
        if not pending:
            return None
        assert self.collection is not None
        crashitem = self.collection[pending.pop(0)]
        for index in pending:
            self.pending.append(index)
            self.queue.put_back(self.jobs[index])
        for other in self.nodes:
            self.check_schedule(other)
        return crashitem


def load_plan(path: Path, collection: list[str]) -> PoolQueue | None:
    """The queue for ``collection`` from the plan file; None when no test leases a board."""
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    items = plan.get("items", {})
    jobs = []
    for index, nodeid in enumerate(collection):
        pool, cost = items.get(nodeid, (None, 0.1))
        jobs.append(Job(index, pool, float(cost)))
    if not any(j.pool is not None for j in jobs):
        return None
    return PoolQueue(jobs, dict(plan.get("pools", {})))
