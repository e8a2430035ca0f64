"""A Pi whose rail is measured by an STLINK-V3PWR on the lab PC (farm.powermon's driver, here
talking to its emulator on a pty), aligned with the board's window by the runner's marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.devices.linux import open_linux_board
from farm.hil.row_fields import linux_energy_fields
from farm.inventory import BoardConfig
from farm.powermon.activity import ConstantSource
from farm.powermon.emulator import start_emulator
from farm.virtual.ssh_server import start_virtual_linux_board
from testing.linux.tiny_models import int8_inputs

CURRENT_A = 0.8
VOLTAGE_MV = 3300


def test_stlink_v3pwr_on_a_pi_rail(tmp_path: Path, tflite_model: Path) -> None:
    with (
        start_virtual_linux_board("rpi5-v3pwr", tmp_path / "pi") as pi,
        start_emulator("stlink-v3pwr", ConstantSource(CURRENT_A), realtime=True) as emulator,
    ):
        config = BoardConfig.model_validate({
            "id": "rpi5-v3pwr", "target": "RPI5", "backend": "ssh",
            "ssh": {"host": pi.host, "port": pi.port, "user": "farm",
                    "key": str(pi.client_key_path), "known_host_key": pi.host_key_line},
            "power_monitor": {"type": "stlink-v3pwr", "port": emulator.port,
                              "voltage_mv": VOLTAGE_MV, "sample_rate_hz": 1000},
        })  # fmt: skip
        with open_linux_board(config, known_hosts=tmp_path / "state" / "ssh_known_hosts") as board:
            result = board.run_model(tflite_model, int8_inputs(1), warmup=1, iterations=10)
    power = result.power
    assert power is not None and power.monitor == "stlink-v3pwr"
    watts = CURRENT_A * VOLTAGE_MV / 1000.0
    assert power.mean_power_mw == pytest.approx(watts * 1000, rel=0.01)
    assert power.energy_uj == pytest.approx(watts * power.window_s * 1e6, rel=0.01)
    assert power.window_s == pytest.approx(result.window_end_s - result.window_start_s, abs=0.02)
    assert power.sample_rate_hz == pytest.approx(1000, rel=0.2)
    assert linux_energy_fields(result)["energy_method"].startswith("stlink-v3pwr rails ")
    assert power.method["monitor_method"]  # the driver's own method record travels along
