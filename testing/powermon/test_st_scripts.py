"""ST's own STLINK-V3PWR client (x-cube-n6-ai-power-measurement v2.0.0, ``Utilities/pwr_scripts``)
runs unchanged, but for its port lookup, against ``farm power emulate``.

ST's code is not ours to ship: point ``FARM_ST_PWR_SCRIPTS`` at a local copy of that folder
(and ``FARM_ST_PYTHON`` at an interpreter with its requirements: pyserial, pyyaml, numpy,
matplotlib; default: this one). The copy is taken into a temporary directory where only
``get_port_name_by_serial`` is replaced, to return the emulator's pty.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FARM = str(Path(sys.executable).with_name("farm"))
SCRIPTS = os.environ.get("FARM_ST_PWR_SCRIPTS")
ST_PYTHON = os.environ.get("FARM_ST_PYTHON", sys.executable)
CONFIG = """devices:
  - {type: stlink_pwr_ctrl, name: VDDCORE, vdd: 3.3, efficiency: 0.87, serial: 003B00243432511939383236}
"""
PORT_LOOKUP = (
    "    ports = get_stlink_pwr_devices()",
    "    ports = [port for port in ports if port.serial_number == serial]",
    "",
    '    return "" if len(ports) == 0 else ports[0].device',
)

pytestmark = pytest.mark.skipif(
    SCRIPTS is None, reason="set FARM_ST_PWR_SCRIPTS to a local copy of ST's pwr_scripts folder"
)


@pytest.fixture
def st_copy(tmp_path: Path) -> Path:
    """ST's scripts with the port lookup patched to read ST_PWR_PORT (nothing else changed)."""
    assert SCRIPTS is not None
    folder = tmp_path / "pwr_scripts"
    shutil.copytree(SCRIPTS, folder)
    capture = folder / "capture.py"
    text = capture.read_bytes().decode()
    newline = "\r\n" if "\r\n" in text else "\n"
    old = newline.join(PORT_LOOKUP)
    assert old in text, "capture.py is not v2.0.0: its port lookup differs"
    patched = '    import os\n    return os.environ["ST_PWR_PORT"]'.replace("\n", newline)
    capture.write_bytes(text.replace(old, patched).encode())
    (folder / "config.yml").write_text(CONFIG)
    return folder


@pytest.fixture
def emulator_port() -> Iterator[str]:
    command = [FARM, "power", "emulate", "--device", "stlink-v3pwr", "--current-ma", "10",
               "--trigger-after", "0.5"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    yield process.stdout.readline().strip()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


def _st(folder: Path, port: str, *args: str) -> str:
    done = subprocess.run(
        [ST_PYTHON, "capture.py", *args],
        cwd=folder,
        env={**os.environ, "ST_PWR_PORT": port, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # ST logs every metadata frame (F3 timestamps) at FATAL level: that is not an error.
    problems = [line for line in output.splitlines() if "error" in line.lower()]
    assert not problems, output
    return done.stdout


def test_st_power_on_capture_power_off(st_copy: Path, emulator_port: str) -> None:
    assert "Power interface on" in _st(st_copy, emulator_port, "power", "-c", "config.yml", "on")
    out = st_copy / "capture.csv"
    captured = _st(st_copy, emulator_port, "capture", "-c", "config.yml", "-f", "100000",
                   "-d", "1.0", "-w", str(out))  # fmt: skip
    assert "CAPTURE DONE" in captured
    assert "Power interface off" in _st(st_copy, emulator_port, "power", "-c", "config.yml", "off")
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["time", "VDDCORE"]
    watts = [float(row[1]) for row in rows[1:]]
    assert len(watts) >= 99000
    expected_w = 0.010 * 3.3 * 0.87  # 10 mA x 3.3 V x ST's efficiency factor
    assert abs(statistics.mean(watts) - expected_w) <= 1e-3 * expected_w
