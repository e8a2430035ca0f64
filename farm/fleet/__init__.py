"""``farm fleet``: one run over the boards of several lab PCs, on Prefect 3.

Everything Prefect-specific lives in this package behind the ``fleet`` extra; the core never
imports it. Modules that need Prefect import it inside functions, so ``farm --help`` and the
Prefect-free parts (request validation, planning, the store-backed build cache, the shard's pytest
plugin without fleet leases) work without the extra.

    dispatcher (farm fleet run)                 lab PC pc-a (prefect worker --work-queue pc-a)
      collect + plan per host  ── run_deployment(work_queue_name=pc-a) ──>  flow run-shard
      wait (flow states, worker heartbeats)                                   pytest -n auto
      merge rows from the store  <── rows, logs, traces as each test ends ──  (result store)
"""

from __future__ import annotations

from farm.errors import OptionError

POOL = "joulefarm"
"""The Prefect work pool (type ``process``); one work queue per lab PC."""
FLOW_NAME = "run-shard"
DEPLOYMENT_NAME = "shard"
DEPLOYMENT = f"{FLOW_NAME}/{DEPLOYMENT_NAME}"
HOST_ENV = "FARM_FLEET_HOST"
"""Set on every lab PC's worker: the inventory ``host`` it drives."""
PROJECT_ENV = "FARM_FLEET_PROJECT"
"""Checkout the shard runs ``pytest tests`` in (default: the one the ``farm`` package is in)."""


def board_limit(board_id: str) -> str:
    """Name of the Prefect global concurrency limit of a shared board."""
    return f"farm-board-{board_id}"


def build_limit(key: str) -> str:
    """Name of the global concurrency limit held while the fleet builds one cache key."""
    return f"farm-build-{key[:16]}"


def require_prefect() -> None:
    """OptionError naming the extra when Prefect is not installed."""
    try:
        import prefect  # noqa: F401
    except ImportError as exc:
        raise OptionError(
            "farm fleet: Prefect is not installed; install the extra: pip install 'joulefarm[fleet]'"
        ) from exc
