"""``farm fleet deploy``: the work pool, a queue per lab PC, board limits and the deployment.

Idempotent: run it again after editing the inventory (a new PC, a newly shared board).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from farm.fleet import DEPLOYMENT_NAME, POOL, board_limit
from farm.fleet.plan import fleet_hosts
from farm.inventory import Inventory

log = logging.getLogger(__name__)


@dataclass
class DeployResult:
    """What ``deploy`` registered."""

    pool: str
    queues: list[str]
    limits: list[str]
    deployment_id: str


def _ensure_pool(client: object) -> None:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))  # type: ignore[attr-defined]
    except ObjectAlreadyExists:
        pass


def _ensure_queue(client: object, name: str) -> None:
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.create_work_queue(name=name, work_pool_name=POOL)  # type: ignore[attr-defined]
    except ObjectAlreadyExists:
        pass


def _ensure_limit(client: object, name: str) -> None:
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectNotFound

    try:
        client.read_global_concurrency_limit_by_name(name)  # type: ignore[attr-defined]
        client.update_global_concurrency_limit(  # type: ignore[attr-defined]
            name, GlobalConcurrencyLimitUpdate(limit=1, active=True)
        )
    except ObjectNotFound:
        client.create_global_concurrency_limit(  # type: ignore[attr-defined]
            GlobalConcurrencyLimitCreate(name=name, limit=1)
        )


def _refuse_unknown_parameters(deployment: object, deployment_id: object) -> None:
    """Make the server refuse a flow run with a parameter ``run_shard`` does not have.

    Prefect's schema for a flow lists its parameters but leaves ``additionalProperties`` open;
    its client model drops the key, so the schema is patched over the REST API directly.
    """
    from prefect.client.orchestration import get_client

    schema = deployment._parameter_openapi_schema.model_dump_for_openapi()  # type: ignore[attr-defined]
    schema["additionalProperties"] = False
    with get_client(sync_client=True) as client:
        response = client._client.patch(  # the public model would drop additionalProperties
            f"/deployments/{deployment_id}", json={"parameter_openapi_schema": schema}
        )
        response.raise_for_status()


def deploy(inventory: Inventory) -> DeployResult:
    """Register everything a fleet run needs on the Prefect server of ``PREFECT_API_URL``."""
    from prefect.client.orchestration import get_client
    from prefect.deployments.runner import EntrypointType

    from farm.fleet.flow import run_shard

    hosts = fleet_hosts(inventory)
    shared = sorted(b.id for b in inventory.enabled_boards if len(b.hosts) > 1)
    with get_client(sync_client=True) as client:
        _ensure_pool(client)
        for host in hosts:
            _ensure_queue(client, host)
        for board in shared:
            _ensure_limit(client, board_limit(board))
    deployment = run_shard.to_deployment(
        name=DEPLOYMENT_NAME,
        work_pool_name=POOL,
        entrypoint_type=EntrypointType.MODULE_PATH,
        enforce_parameter_schema=True,
        description="joulefarm: run one lab PC's share of a fleet run (pytest -n auto)",
    )
    deployment_id = deployment.apply(work_pool_name=POOL)
    _refuse_unknown_parameters(deployment, deployment_id)
    return DeployResult(POOL, hosts, [board_limit(b) for b in shared], str(deployment_id))
