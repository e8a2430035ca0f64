"""`farm power emulate | probe | capture` end to end (emulator in a subprocess, real pty)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from farm.catalog import Catalog
from farm.cli import app
from farm.powermon.trace_store import load_trace

FARM = str(Path(sys.executable).with_name("farm"))
INVENTORY = Path(__file__).resolve().parents[2] / "inventory.yaml"  # the virtual lab


@pytest.fixture(params=["stlink-v3pwr", "lpm01a"])
def emulate(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    command = [FARM, "power", "emulate", "--device", request.param, "--current-ma", "7",
               "--no-realtime", "--recalibration-s", "0.02"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = process.stdout.readline().strip()  # the pty path is the first line
    yield request.param, port
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_probe_and_capture(emulate: tuple[str, str], tmp_path: Path) -> None:
    device, port = emulate
    assert port.startswith("/dev/pts/")
    runner = CliRunner()
    probed = runner.invoke(app, ["power", "probe", port])
    assert probed.exit_code == 0, probed.output
    assert f"{port}: {device} id 0019003F3331510B33323639" in probed.output
    assert "voltage: 3300-03" in probed.output and "status: ok" in probed.output
    out = tmp_path / "cap.parquet"
    captured = runner.invoke(
        app, ["power", "capture", "--port", port, "--device", device, "--seconds", "0.05",
              "--out", str(out), "--rate", "1000"],
    )  # fmt: skip
    assert captured.exit_code == 0, captured.output
    assert "50 samples at 1000 Hz" in captured.output and "mean current 7.00" in captured.output
    assert len(load_trace(out).samples) == 50


def test_capture_by_board_from_inventory(emulate: tuple[str, str], tmp_path: Path) -> None:
    device, port = emulate
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "boards:\n  - id: l4r5-twin\n    target: NUCLEO_L4R5ZI\n    backend: qemu\n"
        f"    power_monitor: {{type: {device}, port: {port}, voltage_mv: 3000, "
        "sample_rate_hz: 1000, format: ascii}\n"
    )
    out = tmp_path / "board.parquet"
    result = CliRunner().invoke(
        app, ["power", "capture", "--board", "l4r5-twin", "--inventory", str(inventory),
              "--seconds", "0.1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    trace = load_trace(out)
    assert len(trace.samples) == 100 and trace.voltage_mv == 3000
    assert trace.method["format"] == "ascii_dec"


def test_bad_device_exits_2() -> None:
    result = subprocess.run(
        [FARM, "power", "emulate", "--device", "stlink-v3pw"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "option --device 'stlink-v3pw': unknown; one of stlink-v3pwr, lpm01a" in result.stderr
    assert "(did you mean 'stlink-v3pwr'?)" in result.stderr


@pytest.mark.parametrize(
    ("board", "rate_hz", "voltage_mv"),
    [("l4r5-twin-1", 100_000, 3300), ("l4r5-twin-2", 1000, 3000)],
)
def test_capture_virtual_board_of_default_inventory(
    board: str, rate_hz: int, voltage_mv: int, tmp_path: Path
) -> None:
    """A virtual board with no monitor port: its emulator streams the catalog's idle current."""
    out = tmp_path / "idle.parquet"
    result = CliRunner().invoke(
        app, ["power", "capture", "--board", board, "--inventory", str(INVENTORY),
              "--seconds", "0.5", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"board {board} is virtual: emulated" in result.output
    trace = load_trace(out)
    assert len(trace.samples) == rate_hz // 2
    assert (trace.sample_rate_hz, trace.voltage_mv) == (rate_hz, voltage_mv)
    idle_a = Catalog.load().get("NUCLEO_L4R5ZI").idle_current_ua * 1e-6  # type: ignore[operator]
    assert float(trace.samples.mean()) == pytest.approx(idle_a, rel=2e-3)


def test_capture_virtual_board_without_driven_monitor_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [FARM, "power", "capture", "--board", "jetson-twin", "--inventory", str(INVENTORY),
         "--seconds", "0.1", "--out", str(tmp_path / "x.parquet")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 2
    assert "board 'jetson-twin': power_monitor.type is 'ina3221'" in result.stderr
    assert not list(tmp_path.iterdir())


def test_driver_hardware_capture_on_the_acceptance_emulator() -> None:
    """Our driver against the emulator ST's scripts are run against (real time, TGI stand-in)."""
    from farm.powermon.protocols import AcquisitionSettings, TriggerSource
    from farm.powermon.stlink_v3pwr import StlinkV3PwrConfig, StlinkV3PwrMonitor

    command = [FARM, "power", "emulate", "--device", "stlink-v3pwr", "--current-ma", "10",
               "--trigger-after", "0.5"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        port = process.stdout.readline().strip()
        settings = AcquisitionSettings(
            sample_rate_hz=100000, trigger=TriggerSource.HARDWARE, acquisition_time_s=0.2
        )
        config = StlinkV3PwrConfig(port=port, volt_settle_s=0.0)
        with StlinkV3PwrMonitor("cli/v3pwr", config) as monitor:
            monitor.set_target_power(True)
            with monitor.capture_session(settings, timeout_s=20) as cap:
                pass
            monitor.set_target_power(False)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert len(cap.trace.samples) == 20000
    assert float(cap.trace.samples.mean()) == pytest.approx(0.010, rel=1e-3)
    assert cap.trace.method["timestamp_cadence_samples"] == 1000
