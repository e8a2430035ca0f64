"""Hooks other areas implement (registered with ``pytest_addhooks``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from farm.discovery import FirmwareSpec, ModelSpec
    from farm.errors import InfraError
    from farm.inventory import BoardConfig
    from farm.matrix import BoardPool


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
