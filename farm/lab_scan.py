"""What is plugged in: ST-LINK probes (pyocd) and power-monitor serial ports (pyserial).

Power monitors are recognised by their registered kinds (``recognises``: USB ids and
interface, as in specs/powermon.md); a port no kind claims is listed as another port.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from farm.powermon.registry import kinds_at_port

if TYPE_CHECKING:
    from serial.tools.list_ports_common import ListPortInfo

log = logging.getLogger(__name__)


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


def classify_port(port: ListPortInfo) -> FoundPowerMonitor | None:
    """The power monitor a pyserial ``ListPortInfo`` is (the first registered kind that
    recognises it), or None."""
    kinds = kinds_at_port(port)
    if not kinds:
        return None
    return FoundPowerMonitor(kinds[0], str(port.device), port.serial_number)


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
