"""Fixtures: virtual Linux boards (real SSH servers on 127.0.0.1) and tiny models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from farm.devices.linux import LinuxBoard, LinuxPower
from farm.devices.linux_hostkeys import HostKeyPolicy
from farm.devices.linux_ssh import SshTarget
from farm.virtual.ssh_server import VirtualSshServer, start_virtual_linux_board
from farm.virtual.sysfs import RailPowerModel
from testing.linux.tiny_models import build_float_fc_onnx, build_int8_fc_tflite

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


@pytest.fixture(scope="module")
def jetson(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualSshServer]:
    """Jetson twin: INA3221 fake sysfs following JETSON_MODEL."""
    sandbox = tmp_path_factory.mktemp("boards") / "jetson-twin"
    with start_virtual_linux_board("jetson-twin", sandbox, power_model=JETSON_MODEL) as server:
        yield server


@pytest.fixture(scope="module")
def pi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualSshServer]:
    """Pi twin: external power command printing watts from PI_MODEL."""
    sandbox = tmp_path_factory.mktemp("boards") / "pi-twin"
    with start_virtual_linux_board("pi-twin", sandbox, power_model=PI_MODEL,
                                   power_kind="external") as server:  # fmt: skip
        yield server


@pytest.fixture(scope="session")
def tflite_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_int8_fc_tflite(tmp_path_factory.mktemp("models") / "tiny_fc_int8.tflite")


@pytest.fixture(scope="session")
def onnx_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_float_fc_onnx(tmp_path_factory.mktemp("models") / "tiny_fc.onnx")
