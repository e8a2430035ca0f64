"""Switching a board's supply through the power monitor that feeds it.

An STLINK-V3PWR powers its target (``pwr on`` / ``pwr off``, as ST's ``capture.py power on|off``
sends): with ``power_monitor.supplies_target`` (default true for a monitor that can) the farm switches
the target on when it opens the board, before flashing, and off when the run ends. The supply
stays as set when the port closes: ST's own scripts switch it in one process and capture in
another.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from farm.errors import PowerMonitorError
from farm.powermon.from_inventory import has_driven_monitor, monitor_for_board
from farm.powermon.protocols import Capability

if TYPE_CHECKING:
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)


@runtime_checkable
class TargetPowerSwitch(Protocol):
    """A monitor with :attr:`Capability.TARGET_POWER`."""

    def set_target_power(self, on: bool) -> None: ...


def supplies_target(board: BoardConfig) -> bool:
    """True when the board's monitor powers the target (its driver has TARGET_POWER)."""
    if not has_driven_monitor(board):
        return False
    monitor, _ = monitor_for_board(board)
    return Capability.TARGET_POWER in monitor.capabilities


def switch_target_power(board: BoardConfig, on: bool) -> None:
    """Open the board's monitor, switch the target's supply, close the monitor.

    Raises:
        PowerMonitorError: The monitor does not supply the target, or the switch failed.
    """
    monitor, _ = monitor_for_board(board)
    if Capability.TARGET_POWER not in monitor.capabilities or not isinstance(
        monitor, TargetPowerSwitch
    ):
        raise PowerMonitorError(
            f"board '{board.id}': power_monitor does not supply the target; set "
            "power_monitor.supplies_target (a monitor that can) or power the board another way",
            board=board.id,
        )
    monitor.open()
    try:
        monitor.set_target_power(on)
    finally:
        monitor.close()
