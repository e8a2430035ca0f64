"""Backend ``qemu``: a virtual twin of an MCU board (:mod:`farm.devices.qemu`).

Registered here, apart from the board class, so that checking an inventory does not import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from farm.devices.registry import BackendSpec, Problems, register_backend

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig


def _rules(config: BoardConfig, target: TargetSpec) -> Problems:
    if target.qemu_machine is None and not (config.qemu and config.qemu.machine):
        return [(
            "backend",
            f"backend='qemu' has no twin for {target.name}; set qemu.machine or use another "
            "backend",
        )]  # fmt: skip
    return []


QEMU = register_backend(
    "qemu", BackendSpec(target_kind="mcu", twin=True, check=_rules), "farm.devices.qemu:QemuBoard"
)
