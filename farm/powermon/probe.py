"""Identify whatever PowerShield-family monitor answers on a port."""

from __future__ import annotations

import logging

import serial
from serial.tools import list_ports

from farm.errors import PowerMonitorError
from farm.powermon.command_link import ACK_TIMEOUT_S, CommandLink
from farm.powermon.registry import create_powermon, kinds_at_port

log = logging.getLogger(__name__)


def detect_kind(port: str) -> str:
    """``stlink-v3pwr`` or ``lpm01a`` from the answer to ``powershield``.

    Raises:
        PowerMonitorError: Nothing on that port answers ``powershield``.
    """
    try:
        handle = serial.serial_for_url(port, baudrate=100000, timeout=0.05, write_timeout=2.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PowerMonitorError(f"power monitor '{port}': cannot open ({exc})") from exc
    try:
        link = CommandLink(handle, port)
        link.drain()
        # The same wait as any command: a monitor served by a busy host may answer late, and
        # only a port with nothing on it pays the full wait.
        answer = link.command("powershield", timeout_s=ACK_TIMEOUT_S, ack_prefixes=("STLINK",))
    finally:
        handle.close()
    text = " ".join(answer).upper()
    return "stlink-v3pwr" if "STLINK" in text else "lpm01a"


def probe(port: str, kind: str | None = None) -> dict[str, str]:
    """Identity, version and present settings (voltage, status, temperature) of a monitor."""
    kind = kind or detect_kind(port)
    monitor = create_powermon(kind, port, {"port": port})
    with monitor:
        info = {"port": port, **monitor.identify()}
        for key, command in (("voltage", "volt get"), ("status", "status"), ("temp_degc", "temp")):
            try:
                info[key] = " ".join(monitor.query(command))  # type: ignore[attr-defined]
            except PowerMonitorError as exc:
                info[key] = f"({exc.message})"
    return info


def discover() -> list[tuple[str, str]]:
    """(port, kind) of every attached monitor a registered kind recognises (VID/PID...)."""
    found = [(info.device, kind) for info in list_ports.comports() for kind in kinds_at_port(info)]
    return sorted(found)
