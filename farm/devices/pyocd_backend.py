"""Backend ``pyocd``: a real MCU board behind an ST-LINK probe (:mod:`farm.devices.nucleo`).

Registered here, apart from the board class, so that checking an inventory does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from farm.devices.registry import BackendSpec, Problems, register_backend
from farm.powermon.registry import Reading, get_powermon

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig


def _rules(config: BoardConfig, target: TargetSpec) -> Problems:
    problems: Problems = []
    if config.probe is None or not config.probe.uid:
        problems.append((
            "probe" if config.probe is not None else "",
            "probe.uid missing; the pyocd backend needs the probe's unique id (see 'farm "
            "inventory scan' or 'pyocd list')",
        ))  # fmt: skip
    pm = config.power_monitor
    if get_powermon(pm.type).reading is Reading.LAB_DRIVER and not (pm.port or pm.serial_number):
        problems.append((
            "power_monitor",
            f"power_monitor needs port or serial_number for type {pm.type}; see 'farm "
            "inventory scan'",
        ))  # fmt: skip
    return problems


PYOCD = register_backend(
    "pyocd", BackendSpec(target_kind="mcu", check=_rules), "farm.devices.nucleo:NucleoBoard"
)
