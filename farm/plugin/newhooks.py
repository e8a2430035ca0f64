"""Hooks other areas implement (registered with ``pytest_addhooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from farm.build.cache import RemoteBuildCache
    from farm.discovery import FirmwareSpec, ModelSpec
    from farm.errors import InfraError
    from farm.inventory import BoardConfig
    from farm.lease import LeaseManager
    from farm.matrix import BoardPool
    from farm.plugin.session import FarmSession


@pytest.hookspec(firstresult=True)
def pytest_farm_item_status(
    model: ModelSpec, pool: BoardPool, firmware: FirmwareSpec | None
) -> tuple[str, str] | None:
    """Decide whether a matrix item runs, called at collection for items the farm would run.

    Return ``("skip", "<reason>")`` to collect the item as skipped with that reason (for
    instance "does not fit: 412 KB > 320 KB RAM"), ``("n/a", "<reason>")`` when it can never
    run (not collected, counted in the summary), or None to let it run. The first non-None
    result wins.
    """


@pytest.hookspec(firstresult=True)
def pytest_farm_reset_board(board: BoardConfig, error: InfraError) -> bool | None:
    """Bring ``board`` back to a known state after an infrastructure error.

    Called while the test still holds the board's lease, before the test is retried. Return
    True when handled. The farm's own implementation (trylast) runs the board's
    ``hooks.reset`` shell command when there is one.
    """


@pytest.hookspec(firstresult=True)
def pytest_farm_leases(farm: FarmSession) -> LeaseManager | None:
    """The lease manager the ``board`` fixture acquires from (None: ``farm.leases``, the local
    file locks). ``farm fleet`` shards return one that also takes a fleet-wide slot for boards
    several lab PCs reach. It must offer ``acquire(board_ids, holder, timeout_s) -> Lease``."""


@pytest.hookspec(firstresult=True)
def pytest_farm_build_remote(farm: FarmSession) -> RemoteBuildCache | None:
    """A second tier for the firmware build cache (None: local cache only). ``farm fleet``
    shards return the result store, so each image is compiled once for the whole fleet."""
