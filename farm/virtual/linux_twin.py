"""Start the virtual twin of a Linux board from its inventory entry.

Used by the ``ssh`` backend when a board carries the ``virtual`` tag: the farm starts an SSH
server on 127.0.0.1 for it (see :mod:`farm.virtual.ssh_server`) and connects to that server
with the same client code as to a real board. The twin's address, client key and host key are
only known once it runs, so they come from the server, not from the inventory; the host key is
still checked (pinned to the key the farm just generated).
"""

from __future__ import annotations

import logging
from pathlib import Path

from farm.virtual.ssh_server import VirtualSshServer, start_virtual_linux_board
from farm.virtual.sysfs import TWIN_POWER_MODELS, RailPowerModel

log = logging.getLogger(__name__)

DEFAULT_MODEL = RailPowerModel(idle_w=3.0, active_w=6.0)


def start_linux_twin(board_id: str, target: str, power_type: str, workdir: Path,
                     missing_modules: tuple[str, ...] = ()) -> VirtualSshServer:  # fmt: skip
    """Start the twin of board ``board_id`` with a sandbox under ``workdir``.

    Args:
        board_id: Inventory id.
        target: Catalog target (picks the power model in ``TWIN_POWER_MODELS``).
        power_type: The inventory's ``power_monitor.type``: ``ina3221`` gives a fake sysfs,
            ``external`` a watts file read by a command, anything else no rail.
        workdir: The board's scratch directory; the sandbox is ``workdir/home``.
        missing_modules: Python distributions the twin's ``python3`` must not see.
    """
    model = TWIN_POWER_MODELS.get(target, DEFAULT_MODEL)
    kind = power_type if power_type in ("ina3221", "external") else None
    return start_virtual_linux_board(
        board_id,
        Path(workdir) / "home",
        power_model=model if kind else None,
        power_kind=kind or "ina3221",
        missing_modules=missing_modules,
    )
