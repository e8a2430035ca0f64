"""Power models of the test twins and a client board pinned to a twin's host key."""

from __future__ import annotations

from farm.devices.linux import LinuxBoard, LinuxPower
from farm.devices.linux_hostkeys import HostKeyPolicy
from farm.devices.linux_ssh import SshTarget
from farm.virtual.ssh_server import VirtualSshServer
from farm.virtual.sysfs import RailPowerModel

JETSON_MODEL = RailPowerModel(idle_w=4.5, active_w=7.0, update_interval_ms=5.0, voltage_mv=5000)
PI_MODEL = RailPowerModel(idle_w=2.7, active_w=6.0, update_interval_ms=5.0, voltage_mv=5100)


def board_for(server: VirtualSshServer, *, power: LinuxPower | None = None,
              policy: HostKeyPolicy | None = None, **target: object) -> LinuxBoard:  # fmt: skip
    """A client board for ``server`` with its host key pinned (as the inventory would)."""
    policy = policy or HostKeyPolicy(board=server.name, host=server.host, port=server.port,
                                     known_host_key=server.host_key_line,
                                     user_known_hosts=None)  # fmt: skip
    ssh = SshTarget(
        board=server.name,
        host=server.host,
        port=server.port,
        user="farm",
        key_path=server.client_key_path,
        host_keys=policy,
        **target,
    )  # type: ignore[arg-type]
    if power is None and server.rail is not None:
        if server.sysfs_root is not None:
            power = LinuxPower(type="ina3221", rail="VDD_IN")
        else:
            power = LinuxPower(type="external", command=server.power_command, sample_rate_hz=100)
    sysfs = str(server.sysfs_root) if server.sysfs_root is not None else "/sys"
    return LinuxBoard(server.name, ssh, python="python3", sysfs_root=sysfs, power=power)
