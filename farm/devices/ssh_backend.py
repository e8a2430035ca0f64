"""Backend ``ssh``: a Linux board over SSH (:mod:`farm.devices.linux`).

Registered here, apart from the board class, so that checking an inventory does not import
asyncssh. One board may be reached from several lab PCs (leased fleet-wide).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from farm.devices.registry import BackendSpec, Problems, register_backend

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.inventory import BoardConfig


def _rules(config: BoardConfig, target: TargetSpec) -> Problems:
    if config.ssh is None:
        return [("", "ssh missing; the ssh backend needs ssh.host (and user, key)")]
    return []


SSH = register_backend(
    "ssh",
    BackendSpec(target_kind="linux", shareable=True, check=_rules),
    "farm.devices.linux:linux_board",
)
