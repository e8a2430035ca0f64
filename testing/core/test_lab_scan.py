"""`farm inventory scan`: power monitors recognised by USB ids, nothing connected -> exit 0."""

from __future__ import annotations

from serial.tools.list_ports_common import ListPortInfo

from farm.lab_scan import FoundProbe, ScanResult, classify_port, render_scan
from testing.core.conftest import run_farm


def _port(
    device: str, vid: int, pid: int, interface: str = "", serial: str = "SN1"
) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid, info.interface, info.serial_number = vid, pid, interface, serial
    return info


def test_classifies_power_ports() -> None:
    v3pwr = classify_port(_port("/dev/ttyACM1", 0x0483, 0x3757, "ST-Link VCP-PWR Ctrl"))
    assert v3pwr is not None and (v3pwr.type, v3pwr.serial_number) == ("stlink-v3pwr", "SN1")
    assert classify_port(_port("/dev/ttyACM0", 0x0483, 0x3757, "ST-Link VCP Ctrl")) is None
    lpm = classify_port(_port("/dev/ttyACM2", 0x0483, 0x5740))
    assert lpm is not None and lpm.type == "lpm01a"
    assert classify_port(_port("/dev/ttyUSB0", 0x0403, 0x6001)) is None


def test_render_pairs_probe_and_monitor() -> None:
    result = ScanResult(
        probes=[FoundProbe("0670FF505055877267052441", "STLINK-V3")],
        monitors=[classify_port(_port("/dev/ttyACM1", 0x0483, 0x3757, "ST-Link VCP-PWR Ctrl"))],
    )
    text = render_scan(result)
    assert "    probe: {uid: 0670FF505055877267052441}" in text
    assert "power_monitor: {type: stlink-v3pwr, serial_number: SN1, voltage_mv: 3300}" in text


def test_nothing_connected_exits_0() -> None:
    done = run_farm("inventory", "scan")
    assert done.returncode == 0, done.stderr
    assert "nothing connected" in done.stdout
