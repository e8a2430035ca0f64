"""What is plugged in: ST-LINK probes (pyocd) and power-monitor serial ports (pyserial).

Power monitors are recognised as in specs/powermon.md: STLINK-V3PWR (VID 0x0483, PID 0x3757,
power VCP interface "ST-Link VCP-PWR Ctrl" or description "...PWR") and X-NUCLEO-LPM01A
(0x0483:0x5740, ST's generic CDC PID, so it is only a candidate until `powershield` answers).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

ST_VID = 0x0483
V3PWR_PID = 0x3757
LPM01A_PID = 0x5740


@dataclass(frozen=True)
class FoundProbe:
    """A connected debug probe."""

    uid: str
    description: str


@dataclass(frozen=True)
class FoundPowerMonitor:
    """A serial port that looks like a power monitor."""

    type: str
    port: str
    serial_number: str | None


@dataclass
class ScanResult:
    """Everything found."""

    probes: list[FoundProbe] = field(default_factory=list)
    monitors: list[FoundPowerMonitor] = field(default_factory=list)
    other_ports: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def classify_port(port: object) -> FoundPowerMonitor | None:
    """Return the power monitor a pyserial ``ListPortInfo`` is, or None."""
    vid, pid = getattr(port, "vid", None), getattr(port, "pid", None)
    device = str(getattr(port, "device", ""))
    serial = getattr(port, "serial_number", None)
    interface = getattr(port, "interface", None) or ""
    description = getattr(port, "description", None) or ""
    if vid != ST_VID:
        return None
    if pid == V3PWR_PID and ("VCP-PWR" in interface or "PWR" in description.upper()):
        return FoundPowerMonitor("stlink-v3pwr", device, serial)
    if pid == LPM01A_PID:
        return FoundPowerMonitor("lpm01a", device, serial)
    return None


def scan_lab() -> ScanResult:
    """Probe USB; never raises for missing tools, it records a note instead."""
    result = ScanResult()
    try:
        from pyocd.core.helpers import ConnectHelper

        for probe in ConnectHelper.get_all_connected_probes(
            blocking=False, print_wait_message=False
        ):
            result.probes.append(FoundProbe(probe.unique_id, probe.description))
    except Exception as exc:  # pyocd raises many kinds when USB backends are missing
        log.debug("pyocd probe scan failed: %s", exc)
        result.notes.append(f"pyocd could not list probes: {exc}")
    from serial.tools import list_ports

    for port in list_ports.comports():
        found = classify_port(port)
        if found is not None:
            result.monitors.append(found)
        elif getattr(port, "vid", None) is not None:
            result.other_ports.append(f"{port.device} ({port.description})")
    return result


def render_scan(result: ScanResult) -> str:
    """Ready-to-paste YAML (or a sentence saying nothing is connected)."""
    lines = [f"# {note}" for note in result.notes]
    if not result.probes and not result.monitors:
        lines.append("nothing connected: no ST-LINK probe and no power monitor found")
        lines.extend(f"# other serial port: {p}" for p in result.other_ports)
        return "\n".join(lines)
    lines.append("boards:")
    monitors = list(result.monitors)
    for n, probe in enumerate(result.probes, start=1):
        lines += [
            f"  - id: board-{n:02d}           # {probe.description}",
            "    target: NUCLEO_L4R5ZI      # set the board's target (farm config: catalog names)",
            "    backend: pyocd",
            f"    probe: {{uid: {probe.uid}}}",
        ]
        if monitors:
            m = monitors.pop(0)
            key = f"serial_number: {m.serial_number}" if m.serial_number else f"port: {m.port}"
            lines.append(f"    power_monitor: {{type: {m.type}, {key}, voltage_mv: 3300}}")
    for m in monitors:
        lines.append(f"# unassigned power monitor: {m.type} on {m.port} (serial {m.serial_number})")
    lines.extend(f"# other serial port: {p}" for p in result.other_ports)
    return "\n".join(lines)
