"""A board's power monitor and default acquisition settings from its inventory entry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from farm.devices.registry import get_backend
from farm.errors import InventoryError
from farm.powermon.protocols import AcquisitionSettings, PowerMonitor
from farm.powermon.registry import create_powermon, driven_kinds, get_powermon

if TYPE_CHECKING:
    from farm.inventory import BoardConfig
    from farm.powermon.activity import CurrentSource
    from farm.powermon.emulator import EmulatorHandle


def has_driven_monitor(board: BoardConfig) -> bool:
    """True when the farm drives ``board``'s monitor from the lab PC (its kind has a driver)."""
    return get_powermon(board.power_monitor.type).driver is not None


def monitor_for_board(
    board: BoardConfig, overrides: dict[str, object] | None = None
) -> tuple[PowerMonitor, AcquisitionSettings]:
    """Driver (not yet open) and default settings for ``board.power_monitor``.

    ``overrides`` are driver config fields the inventory does not hold (an emulator's own).

    Raises:
        InventoryError: The board has no monitor this package drives.
    """
    config = board.power_monitor
    kind = config.type
    entry = get_powermon(kind)
    if entry.driver is None or entry.config is None:
        raise InventoryError(
            f"board '{board.id}': power_monitor.type is '{kind}'; a capture needs one of "
            f"{', '.join(driven_kinds())}",
            field="power_monitor.type",
        )
    # The driver's config takes the section's keys of the same names; unset ones keep the
    # driver's defaults.
    driver_fields = entry.config.model_fields
    fields = {k: v for k, v in config.values().items() if k in driver_fields and v is not None}
    monitor = create_powermon(
        kind, f"{board.id}/{kind}", fields | (overrides or {}), board=board.id
    )
    settings = AcquisitionSettings(
        voltage_mv=config.voltage_mv,
        sample_rate_hz=config.sample_rate_hz,
        sample_format=config.sample_format,
        trigger=config.trigger,
    )
    return monitor, settings


def is_virtual_board(board: BoardConfig) -> bool:
    """True for a board of the virtual lab (tag ``virtual`` or a twin backend): no real monitor."""
    return "virtual" in board.tags or get_backend(board.backend).spec.twin


def emulated_monitor_for_board(
    board: BoardConfig, source: CurrentSource
) -> tuple[PowerMonitor, AcquisitionSettings, EmulatorHandle]:
    """An emulator of ``board``'s monitor on a new pty and the real driver (not yet open) on it.

    The caller owns both: open and close the monitor, then stop the handle.

    Raises:
        InventoryError: The board has no monitor this package drives (nothing to emulate).
    """
    from farm.powermon.emulator import start_emulator

    kind = board.power_monitor.type
    if not has_driven_monitor(board):
        monitor_for_board(board)  # raises the InventoryError naming the type
    handle = start_emulator(kind, source, realtime=False)  # type: ignore[arg-type]
    config = board.power_monitor.model_copy(update={"port": handle.port})
    # The emulator acks `volt` only once its recalibration is over: no settle pause needed.
    settles = "volt_settle_s" in get_powermon(kind).config.model_fields
    overrides: dict[str, object] = {"volt_settle_s": 0.0} if settles else {}
    monitor, settings = monitor_for_board(
        board.model_copy(update={"power_monitor": config}), overrides
    )
    return monitor, settings, handle
