"""Power monitor kinds reach the inventory only through the registry.

Our kinds are registered by their own modules through this package's ``farm.powermon`` entry
points, exactly as a third-party one is; the inventory validates each board's section with the
model its kind registered and keeps the file:line:column, allowed values and did-you-mean.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from farm.errors import InventoryError
from farm.inventory import PowerMonitorConfig
from farm.inventory_loader import load_inventory
from farm.powermon.from_inventory import has_driven_monitor, monitor_for_board
from farm.powermon.protocols import TriggerSource
from farm.powermon.registry import (
    Reading,
    get_powermon,
    powermon_kinds,
    register_monitor_kind,
    register_powermon,
)
from farm.powermon.section import MonitorSection

ROOT = Path(__file__).parents[2]

BOARD = """\
boards:
  - id: l4r5-01
    target: NUCLEO_L4R5ZI
    backend: qemu
    power_monitor:
      type: {kind}
      {option}
"""


def test_our_kinds_are_this_packages_entry_points() -> None:
    ours = {e.name: e for e in entry_points(group="farm.powermon") if e.dist.name == "joulefarm"}
    assert set(ours) == {"none", "stlink-v3pwr", "lpm01a", "ina3221", "external"}
    for kind, entry in ours.items():
        registered = get_powermon(kind)
        assert entry.load() in (registered.driver, registered.section)
        # the section model lives with its kind, not in a core module
        assert registered.section.__module__ == entry.module, kind


@pytest.mark.parametrize(
    ("kind", "reading", "driven"),
    [
        ("stlink-v3pwr", Reading.LAB_DRIVER, True),
        ("lpm01a", Reading.LAB_DRIVER, True),
        ("ina3221", Reading.ON_BOARD, False),
        ("external", Reading.LAB_COMMAND, False),
        ("none", Reading.NOTHING, False),
    ],
)
def test_each_kind_says_how_it_is_read(kind: str, reading: Reading, driven: bool) -> None:
    entry = get_powermon(kind)
    assert entry.reading is reading
    assert (entry.driver is not None) is driven


def test_typo_in_our_kinds_option_names_position_keys_and_suggestion(
    write_inventory: Callable[[str], Path],
) -> None:
    path = write_inventory(BOARD.format(kind="lpm01a", option="volatge_mv: 3000"))
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:7:7: board 'l4r5-01' unknown key 'power_monitor.volatge_mv'; allowed keys: "
        "format, port, sample_rate_hz, serial_number, trigger, type, voltage_mv "
        "(did you mean 'voltage_mv'?)"
    )


def test_kind_rules_come_from_the_kinds_model(write_inventory: Callable[[str], Path]) -> None:
    # the same key, two kinds, two ranges: each kind's own section model decides
    v3pwr = BOARD.format(kind="stlink-v3pwr", option="voltage_mv: 3500")
    assert load_inventory(write_inventory(v3pwr)).boards[0].power_monitor.voltage_mv == 3500
    path = write_inventory(BOARD.format(kind="lpm01a", option="voltage_mv: 3500"))
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:7:19: board 'l4r5-01' power_monitor.voltage_mv=3500 out of range; allowed "
        "1800..3300 for lpm01a"
    )
    # a key only another kind has is an unknown key here
    path = write_inventory(BOARD.format(kind="ina3221", option="trigger: hw"))
    with pytest.raises(InventoryError, match=r":7:7: .*unknown key 'power_monitor.trigger'; "
                       r"allowed keys: rail, type$"):  # fmt: skip
        load_inventory(path)


def test_unknown_type_lists_registered_kinds(write_inventory: Callable[[str], Path]) -> None:
    path = write_inventory(BOARD.format(kind="ina3212", option=""))
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    assert str(info.value) == (
        f"{path}:6:13: board 'l4r5-01' power_monitor.type='ina3212' not allowed; allowed "
        f"{', '.join(powermon_kinds())} (did you mean 'ina3221'?)"
    )


def test_python_callers_are_validated_by_the_kind_too() -> None:
    with pytest.raises(ValidationError, match="out of range; allowed 1800..3300 for lpm01a"):
        PowerMonitorConfig(type="lpm01a", voltage_mv=3600)
    with pytest.raises(ValidationError, match="not supported by stlink-v3pwr; allowed sw, hw"):
        PowerMonitorConfig(type="stlink-v3pwr", trigger=TriggerSource.D7)
    config = PowerMonitorConfig(type="ina3221")
    assert config.rail == "VDD_IN"  # the kind's default
    assert config.values() == {"rail": "VDD_IN"}


class _BenchMeterSection(MonitorSection):
    kind = "test-bench-meter"
    command: str = "read-meter"
    shunt_mohm: float = Field(100.0, gt=0)


class _LabMeterConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    port: str
    gain: int = Field(1, ge=1, le=8)


class _LabMeter:
    capabilities: frozenset = frozenset()

    def __init__(self, name: str, config: _LabMeterConfig, *, board: str | None = None) -> None:
        self.name, self.config, self.board = name, config, board


def test_a_kind_registered_anywhere_is_named_validated_and_driven(
    write_inventory: Callable[[str], Path],
) -> None:
    """No core edit: registering is all a kind needs (here in-process, for a driverless kind
    and a lab-driver kind whose section is its driver config)."""
    register_monitor_kind("test-bench-meter", reading=Reading.LAB_COMMAND)(_BenchMeterSection)
    register_powermon("test-lab-meter", config=_LabMeterConfig)(_LabMeter)

    text = BOARD.format(kind="test-bench-meter", option="shunt_mohm: 50")
    pm = load_inventory(write_inventory(text)).boards[0].power_monitor
    assert (pm.type, pm.command, pm.options) == (
        "test-bench-meter",
        "read-meter",
        {"shunt_mohm": 50},
    )
    path = write_inventory(BOARD.format(kind="test-bench-meter", option="shunt_mhom: 50"))
    with pytest.raises(InventoryError, match=r":7:7: .*allowed keys: command, shunt_mohm, type "
                       r"\(did you mean 'shunt_mohm'\?\)"):  # fmt: skip
        load_inventory(path)

    text = BOARD.format(kind="test-lab-meter", option="port: /dev/ttyUSB7\n      gain: 4")
    board = load_inventory(write_inventory(text)).boards[0]
    assert has_driven_monitor(board)
    monitor, settings = monitor_for_board(board)
    assert isinstance(monitor, _LabMeter)
    assert monitor.config == _LabMeterConfig(port="/dev/ttyUSB7", gain=4)
    assert (monitor.name, monitor.board) == ("l4r5-01/test-lab-meter", "l4r5-01")


CORE_MODULES = (
    "farm/inventory.py",
    "farm/inventory_loader.py",
    "farm/powermon/registry.py",
    "farm/powermon/section.py",
    "farm/powermon/from_inventory.py",
    "farm/powermon/target_power.py",
    "farm/hil/power_rig.py",
    "farm/hil/row_fields.py",
    "farm/devices/linux.py",
    "farm/plugin/hil.py",
    "farm/lab_scan.py",
    "farm/cli/power.py",
)


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_modules_name_no_monitor_kind(module: str) -> None:
    kinds = set(powermon_kinds()) - {"none"}
    tree = ast.parse((ROOT / module).read_text())
    named = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in kinds
    }
    assert not named, f"{module} names {sorted(named)}; ask the registry instead"
