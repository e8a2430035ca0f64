"""The dispatcher's side of Prefect: submit one flow run per lab PC, watch them, read workers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from farm.fleet import DEPLOYMENT, POOL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShardRun:
    """One submitted shard."""

    host: str
    flow_run_id: UUID


def submit(host: str, parameters: dict[str, Any], run_id: str) -> ShardRun:
    """Create the flow run of ``host``'s shard on its work queue; returns at once."""
    from prefect.deployments import run_deployment

    flow_run = run_deployment(
        DEPLOYMENT,
        parameters=parameters,
        work_queue_name=host,
        timeout=0,
        as_subflow=False,
        flow_run_name=f"{run_id}-{host}",
        tags=["joulefarm", f"run:{run_id}"],
    )
    log.info("fleet: shard of %s submitted as flow run %s", host, flow_run.id)
    return ShardRun(host, flow_run.id)


def states(runs: list[ShardRun]) -> dict[str, tuple[str, bool, str]]:
    """host -> (state name, final, message) of each shard's flow run."""
    from prefect.client.orchestration import get_client

    out = {}
    with get_client(sync_client=True) as client:
        for run in runs:
            state = client.read_flow_run(run.flow_run_id).state
            if state is None:
                out[run.host] = ("PENDING", False, "")
            else:
                out[run.host] = (state.name, state.is_final(), state.message or "")
    return out


def live_workers(grace_s: float) -> dict[str, bool]:
    """worker name -> alive (a heartbeat within max(3 intervals, ``grace_s``))."""
    from prefect.client.orchestration import get_client

    now = datetime.now(UTC)
    out = {}
    with get_client(sync_client=True) as client:
        for worker in client.read_workers_for_work_pool(POOL):
            beat = worker.last_heartbeat_time
            window = max(3 * (worker.heartbeat_interval_seconds or 30), grace_s)
            alive = beat is not None and (now - beat).total_seconds() <= window
            out[worker.name] = out.get(worker.name, False) or alive
    return out


def cancel(run: ShardRun, reason: str) -> None:
    """Mark a lost shard's flow run cancelled (its PC may never answer)."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        client.set_flow_run_state(run.flow_run_id, Cancelled(message=reason), force=True)
