"""`farm inventory check` on broken files: exit 2 and file:line:column, via the real script."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.errors import InventoryError
from farm.inventory_loader import load_inventory
from testing.core.conftest import run_farm

VALID = Path(__file__).parents[1] / "data" / "inventories" / "valid.yaml"

BASE = """\
boards:
  - id: l4r5-01
    target: NUCLEO_L4R5ZI
    backend: pyocd
    probe: {uid: 0670FF505055877267052441}
"""

CASES = {
    "unknown key": (
        BASE + "    probes: {uid: x}\n",
        "6:5: board 'l4r5-01' unknown key 'probes'; allowed keys:",
        "(did you mean 'probe'?)",
    ),
    "duplicate id": (
        BASE + "  - id: l4r5-01\n    target: NUCLEO_L4R5ZI\n    backend: qemu\n",
        "6:9: board 'l4r5-01' id='l4r5-01' duplicate; ids must be unique",
        "(first defined at line 2)",
    ),
    "unknown target": (
        BASE.replace("NUCLEO_L4R5ZI", "NUCLEO_L4R5Z"),
        "3:13: board 'l4r5-01' target='NUCLEO_L4R5Z' unknown; known targets:",
        "(did you mean 'NUCLEO_L4R5ZI'?)",
    ),
    "pyocd without probe uid": (
        BASE.replace("uid: 0670FF505055877267052441", "frequency_hz: 1000000"),
        "5:12: board 'l4r5-01' probe.uid missing; the pyocd backend needs",
        "farm inventory scan",
    ),
    "voltage out of range": (
        BASE + "    power_monitor:\n      type: stlink-v3pwr\n      serial_number: X1\n"
        "      voltage_mv: 5000\n",
        "9:19: board 'l4r5-01' power_monitor.voltage_mv=5000 out of range;",
        "allowed 1600..3600 for stlink-v3pwr",
    ),
    "malformed yaml": (
        BASE + "    tags: [a, b\n",
        "7:1: malformed YAML:",
        "fix the syntax",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_inventory_exits_2_with_position(case: str, write_inventory) -> None:
    text, where_what, allowed = CASES[case]
    path = write_inventory(text)
    done = run_farm("inventory", "check", str(path))
    assert done.returncode == 2, done.stderr
    assert f"{path}:{where_what}" in done.stderr
    assert allowed in done.stderr
    assert "Traceback" not in done.stderr


def test_valid_inventory_exits_0() -> None:
    done = run_farm("inventory", "check", str(VALID))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{VALID}: ok, 5 boards (3 pyocd, 1 qemu, 1 ssh), 1 disabled"


def test_valid_inventory_values() -> None:
    inventory = load_inventory(VALID)
    first = inventory.board("l4r5-01")
    assert first.backend == "pyocd"
    assert first.power_monitor.type == "stlink-v3pwr"
    assert first.probe is not None and first.probe.pack == VALID.parent / "packs" / (
        "Keil.STM32L4xx_DFP.2.6.2.pack"
    )
    assert [b.id for b in inventory.enabled_boards] == [
        "l4r5-01",
        "l4r5-02",
        "f767-01",
        "u575-twin",
    ]


def test_all_problems_are_collected(write_inventory) -> None:
    path = write_inventory(
        BASE.replace("NUCLEO_L4R5ZI", "NUCLEO_L4R5Z")
        + "    power_monitor: {type: lpm01a, port: /dev/ttyACM1, voltage_mv: 3600, trigger: hw}\n"
        + "  - {id: Bad Id, target: RPI5, backend: ssh}\n"
    )
    with pytest.raises(InventoryError) as info:
        load_inventory(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: 4 problems"
    assert any(
        ":6:67: board 'l4r5-01' power_monitor.voltage_mv=3600 out of range;" in x for x in lines
    )
    assert any(
        "power_monitor.trigger='hw' not supported by lpm01a; allowed sw, d7" in x for x in lines
    )
    assert any(":7:10: board 'Bad Id' id='Bad Id' is not a slug" in x for x in lines)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        (
            "    kind: linux\n",
            "kind='linux' does not match target NUCLEO_L4R5ZI; its kind is 'mcu'",
        ),
        (
            "    console: {port: /dev/ttyACM0, url: 'socket://x:1'}\n",
            "console has both port and url",
        ),
        ("    probe: {uid: x, connect_mode: halted}\n", "(did you mean 'halt'?)"),
        ("    power_monitor: {type: stlink-v3pw}\n", "(did you mean 'stlink-v3pwr'?)"),
        ("    power_monitor: {type: external}\n", "needs 'command'"),
        (
            "    power_monitor: {type: lpm01a, port: p, sample_rate_hz: 3000}\n",
            "not a rate of lpm01a",
        ),
    ],
)
def test_field_rules(snippet: str, expected: str, write_inventory) -> None:
    text = BASE.replace("    probe: {uid: 0670FF505055877267052441}\n", "") + snippet
    if "probe:" not in snippet:
        text += "    probe: {uid: abc}\n"
    with pytest.raises(InventoryError) as info:
        load_inventory(write_inventory(text))
    assert expected in str(info.value)


def test_ssh_backend_needs_ssh_section(write_inventory) -> None:
    path = write_inventory("boards:\n  - {id: pi, target: RPI5, backend: ssh}\n")
    with pytest.raises(InventoryError, match=r":2:5: board 'pi' ssh missing"):
        load_inventory(path)


def test_top_level_must_have_boards(write_inventory) -> None:
    with pytest.raises(InventoryError, match="'boards:' list"):
        load_inventory(write_inventory("board: []\n"))
