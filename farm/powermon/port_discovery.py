"""Finding a monitor's serial port by USB VID/PID (and, on the V3PWR, its power interface)."""

from __future__ import annotations

from collections.abc import Callable

from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

STLINK_V3PWR_USB_ID = (0x0483, 0x3757)  # 0x3755 in loader mode: not a power monitor then
STLINK_V3PWR_POWER_INTERFACE = "ST-Link VCP-PWR Ctrl"
LPM01A_USB_ID = (0x0483, 0x5740)  # ST's generic CDC PID, shared with other gadgets
_WINDOWS_POWER_DESCRIPTION = "STLink Virtual COM Port PWR"


def is_v3pwr_power_port(info: ListPortInfo) -> bool:
    """The V3PWR's power VCP (interface 4), never its target UART VCP (interface 1)."""
    if (info.vid, info.pid) != STLINK_V3PWR_USB_ID:
        return False
    if info.interface is not None:
        return info.interface == STLINK_V3PWR_POWER_INTERFACE
    if _WINDOWS_POWER_DESCRIPTION in (info.description or ""):
        return True
    return (info.location or "").endswith(".4")  # Linux without interface strings: if04


def is_lpm01a_port(info: ListPortInfo) -> bool:
    """ST's generic CDC VID/PID; confirm the identity with ``powershield`` after opening."""
    return (info.vid, info.pid) == LPM01A_USB_ID


def find_ports(
    match: Callable[[ListPortInfo], bool], serial_number: str | None = None
) -> list[str]:
    """Device paths of the attached ports ``match`` recognises, optionally one serial number."""
    found = []
    for info in list_ports.comports():
        if not match(info):
            continue
        if (
            serial_number is not None
            and (info.serial_number or "").upper() != serial_number.upper()
        ):
            continue
        found.append(info.device)
    return sorted(found)
