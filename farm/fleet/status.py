"""``farm fleet status``: workers, queues, shared-board limits and running shards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from farm.fleet import FLOW_NAME, POOL


@dataclass
class FleetStatus:
    """A snapshot of the fleet on the Prefect server."""

    workers: list[dict[str, Any]] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    limits: list[dict[str, Any]] = field(default_factory=list)
    shards: list[dict[str, Any]] = field(default_factory=list)


def fleet_status() -> FleetStatus:
    """Read the pool's workers and queues, the farm's limits and unfinished shard runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    out = FleetStatus()
    with get_client(sync_client=True) as client:
        for w in client.read_workers_for_work_pool(POOL):
            out.workers.append({"name": w.name, "status": str(w.status.value),
                                "last_heartbeat": str(w.last_heartbeat_time)})  # fmt: skip
        for q in client.read_work_queues(work_pool_name=POOL):
            out.queues.append({"name": q.name, "paused": q.is_paused})
        for lim in client.read_global_concurrency_limits(limit=200):
            if lim.name.startswith("farm-"):
                out.limits.append({"name": lim.name, "limit": lim.limit,
                                   "active_slots": lim.active_slots})  # fmt: skip
        running = [StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=running))
            ),
        )
        for run in runs:
            out.shards.append({"name": run.name, "queue": run.work_queue_name,
                               "state": run.state.name if run.state else "?"})  # fmt: skip
    return out
