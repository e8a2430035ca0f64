"""``supplies_target``: the V3PWR switches the target on when the farm opens a real board and off
when the run ends, with every exchange in the test's console log (emulator on a pty)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from farm.cli import app
from farm.devices.console_log import ConsoleLog
from farm.errors import InventoryError, PowerMonitorError
from farm.inventory import Inventory
from farm.inventory_loader import load_inventory
from farm.lease import LeaseManager
from farm.plugin.target_power import POWERED_DIR, power_off_target, power_on_target
from farm.powermon.activity import ConstantSource
from farm.powermon.emulator import EmulatorHandle, start_emulator
from farm.powermon.target_power import supplies_target, switch_target_power


@pytest.fixture
def v3pwr() -> Iterator[EmulatorHandle]:
    with start_emulator("stlink-v3pwr", ConstantSource(0.01), realtime=False) as handle:
        yield handle


def _inventory(tmp_path: Path, monitor: str) -> Inventory:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "boards:\n  - id: l4r5-01\n    target: NUCLEO_L4R5ZI\n    backend: qemu\n"
        f"    power_monitor: {{{monitor}}}\n"
    )
    return load_inventory(path)


def test_default_true_for_v3pwr_only(tmp_path: Path, v3pwr: EmulatorHandle) -> None:
    port = f"port: {v3pwr.port}"
    assert supplies_target(_inventory(tmp_path, f"type: stlink-v3pwr, {port}").boards[0])
    off = f"type: stlink-v3pwr, {port}, supplies_target: false"
    assert not supplies_target(_inventory(tmp_path, off).boards[0])
    assert not supplies_target(_inventory(tmp_path, f"type: lpm01a, {port}").boards[0])
    # the LPM01A cannot power its target: its kind's section has no such key
    unknown = "unknown key 'power_monitor.supplies_target'; allowed keys: format, port, "
    with pytest.raises(InventoryError, match=re.escape(unknown)):
        _inventory(tmp_path, f"type: lpm01a, {port}, supplies_target: true")


def test_switch_refused_when_not_supplying(tmp_path: Path, v3pwr: EmulatorHandle) -> None:
    board = _inventory(tmp_path, f"type: stlink-v3pwr, port: {v3pwr.port}, supplies_target: false")
    with pytest.raises(PowerMonitorError, match="does not supply the target"):
        switch_target_power(board.boards[0], on=True)
    assert not v3pwr.target_powered


def test_on_at_open_off_at_end_of_run(tmp_path: Path, v3pwr: EmulatorHandle) -> None:
    inventory = _inventory(tmp_path, f"type: stlink-v3pwr, port: {v3pwr.port}, voltage_mv: 3000")
    board = inventory.boards[0]
    run_dir = tmp_path / "run"
    farm = SimpleNamespace(
        run_dir=run_dir, run_id="r1", inventory=inventory, leases=LeaseManager(tmp_path / "locks")
    )
    console = ConsoleLog(tmp_path / "test.log")
    device = SimpleNamespace(facts=SimpleNamespace(virtual=False), console_log=console)
    power_on_target(board, device, farm)  # type: ignore[arg-type]
    console.close()
    assert v3pwr.target_powered
    assert (run_dir / POWERED_DIR / "l4r5-01").exists()
    text = (tmp_path / "test.log").read_text()
    assert "# target power on through the power monitor" in text
    for wire in ("tx b'volt 3000m\\r\\n'", "tx b'pwr on\\r\\n'", "rx b'ack pwr on\\r\\n\\r\\n'"):
        assert wire in text, wire
    assert power_off_target(farm, "l4r5-01")  # type: ignore[arg-type]
    assert not v3pwr.target_powered


def test_virtual_board_is_not_switched(tmp_path: Path, v3pwr: EmulatorHandle) -> None:
    inventory = _inventory(tmp_path, f"type: stlink-v3pwr, port: {v3pwr.port}")
    farm = SimpleNamespace(run_dir=tmp_path / "run")
    device = SimpleNamespace(facts=SimpleNamespace(virtual=True))
    power_on_target(inventory.boards[0], device, farm)  # type: ignore[arg-type]
    assert not v3pwr.target_powered and not (tmp_path / "run").exists()


def test_power_cycle_hook_command(tmp_path: Path, v3pwr: EmulatorHandle) -> None:
    """``hooks.power_cycle: farm power target cycle --board <id>``."""
    _inventory(tmp_path, f"type: stlink-v3pwr, port: {v3pwr.port}")
    result = CliRunner().invoke(
        app, ["power", "target", "cycle", "--board", "l4r5-01", "--off-s", "0",
              "--inventory", str(tmp_path / "inventory.yaml")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "board l4r5-01: target power off",
        "board l4r5-01: target power on",
    ]
    assert v3pwr.target_powered
