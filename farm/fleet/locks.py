"""Fleet-wide build lock: a Prefect global concurrency limit per build-cache key.

Two PCs missing the same key at once would both compile it; the first to take the slot builds
and publishes, the second then finds the entry in the store. Limits are created on first use
(limit 1) and kept: there are few keys (firmware versions x targets).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from farm.fleet import build_limit

log = logging.getLogger(__name__)

BUILD_LEASE_S = 600.0


def ensure_limit(name: str, limit: int = 1) -> None:
    """Create global concurrency limit ``name`` unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=limit)
                )
            except ObjectAlreadyExists:
                pass


@contextlib.contextmanager
def build_lock(key: str) -> Iterator[None]:
    """Hold the fleet's build slot of ``key``."""
    from farm.fleet.board_leases import hold_slot

    name = build_limit(key)
    ensure_limit(name)
    with hold_slot(name, timeout_s=BUILD_LEASE_S * 3, lease_duration_s=BUILD_LEASE_S):
        yield
