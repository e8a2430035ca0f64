"""Object keys of a fleet run in the result store (the same layout ``farm push`` uses).

Rows and artifacts of run R sit where a pushed run's would (``R/rows/...``, ``R/logs/...``), so
the merged run is a download of ``R/``; control files of the fleet live under ``R/fleet/``.
"""

from __future__ import annotations

FLEET_DIR = "fleet"
BUILDS = "builds"


def items_key(run_id: str, host: str) -> str:
    """The test ids the shard of ``host`` runs (JSON list)."""
    return f"{run_id}/{FLEET_DIR}/items-{host}.json"


def shard_key(run_id: str, host: str) -> str:
    """What the shard of ``host`` reported when it finished (JSON)."""
    return f"{run_id}/{FLEET_DIR}/shard-{host}.json"


def build_key(key: str, name: str) -> str:
    """One file of a shared build-cache entry."""
    return f"{BUILDS}/{key}/{name}"
