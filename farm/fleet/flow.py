"""The Prefect flow ``run-shard`` (deployed by ``farm fleet deploy``, run by a process worker).

Its parameters are the farm's, typed, so Prefect's own parameter schema refuses anything else
when a run is created, and :class:`~farm.fleet.request.ShardRequest` checks values (pytest
options against the allow-list) before pytest starts.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from farm.fleet import FLOW_NAME


@flow(name=FLOW_NAME, validate_parameters=True, persist_result=False)
def run_shard(
    run_id: str,
    host: str,
    models: str | None = None,
    boards: str | None = None,
    targets: str | None = None,
    firmware: str | None = None,
    pytest_options: list[str] | None = None,
    inventory_sha256: str | None = None,
) -> dict[str, Any]:
    """Run the matrix tests the dispatcher gave lab PC ``host`` for fleet run ``run_id``."""
    from pydantic import ValidationError

    from farm.fleet.request import ShardRequest
    from farm.fleet.shard import ShardRefusedError, result_dict, run_shard_here
    from farm.results.store import open_store
    from farm.store_config import load_store_config

    logger = get_run_logger()
    try:
        request = ShardRequest(
            run_id=run_id, host=host, models=models, boards=boards, targets=targets,
            firmware=firmware, pytest_options=tuple(pytest_options or ()),
            inventory_sha256=inventory_sha256,
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ShardRefusedError(
            f"shard request refused before pytest: {'.'.join(map(str, first['loc']))}: "
            f"{first['msg']}"
        ) from None
    result = run_shard_here(request, open_store(load_store_config()))
    logger.info(
        "shard %s on %s: pytest exit %d, %d rows, %d objects uploaded",
        run_id, host, result.exit_code, result.rows, result.uploaded,
    )  # fmt: skip
    return result_dict(result)
