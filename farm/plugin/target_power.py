"""The power monitor's side of a HIL run: the target's supply and the wire log.

* A real board whose monitor supplies it (``power_monitor.supplies_target``, default true for
  stlink-v3pwr) gets ``pwr on`` when the farm opens it, before flashing; the board is noted
  under ``<run_dir>/target_power/`` and, when the run ends, the controller (or the single
  process) takes each noted board's lease and sends ``pwr off``. A board another run holds
  then is left powered, with a warning.
* While a test uses the monitor, its wire log (commands, raw replies, stream head and tail) is
  copied into the test's console log, so a night on real hardware can be read back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from farm.devices.console_log import ConsoleLog, ConsoleLogHandler
from farm.errors import FarmError
from farm.inventory import BoardConfig
from farm.lease import HolderInfo
from farm.plugin.session import FARM_KEY, FarmSession
from farm.powermon.target_power import supplies_target, switch_target_power
from farm.powermon.wire_log import wire_log

log = logging.getLogger(__name__)

POWERED_DIR = "target_power"
OFF_LEASE_TIMEOUT_S = 30.0
"""How long the end of the run waits for a noted board's lease before leaving it powered."""


@contextmanager
def wire_log_into(console_log: ConsoleLog | None) -> Iterator[None]:
    """Copy the ``farm.powermon.wire`` log into ``console_log`` for the ``with`` block."""
    if console_log is None:
        yield
        return
    handler = ConsoleLogHandler(console_log)
    previous = wire_log.level
    wire_log.addHandler(handler)
    wire_log.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        wire_log.removeHandler(handler)
        wire_log.setLevel(previous)


def power_on_target(board: BoardConfig, device: Any, farm: FarmSession) -> None:
    """Before flashing a real board: switch its supply on if its monitor provides it."""
    if device.facts.virtual or not supplies_target(board):
        return
    console_log: ConsoleLog | None = getattr(device, "console_log", None)
    if console_log is not None:
        console_log.note("target power on through the power monitor (supplies_target)")
    with wire_log_into(console_log):
        switch_target_power(board, on=True)
    marker = farm.run_dir / POWERED_DIR / board.id
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """End of the run: ``pwr off`` to every board this run switched on."""
    farm = session.config.stash.get(FARM_KEY, None)
    if farm is None or farm.is_worker:
        return
    folder = farm.resolved.values.reports_dir / farm.run_id / POWERED_DIR
    if not folder.is_dir():
        return
    for marker in sorted(folder.iterdir()):
        power_off_target(farm, marker.name)


def power_off_target(farm: FarmSession, board_id: str) -> bool:
    """Take the board's lease and switch its supply off; False (and a warning) if not done."""
    holder = HolderInfo.current(farm.run_id, "end of run: target power off")
    try:
        board = farm.inventory.board(board_id)
        with farm.leases.lease([board_id], holder, OFF_LEASE_TIMEOUT_S):
            switch_target_power(board, on=False)
    except (FarmError, KeyError) as exc:
        log.warning("board %s: target left powered at the end of the run: %s", board_id, exc)
        return False
    log.info("board %s: target power off at the end of the run", board_id)
    return True
