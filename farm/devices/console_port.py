"""Find a Nucleo's UART: the ST-LINK virtual COM port whose USB serial number is the probe uid.

An ST-LINK exposes the probe and its VCP on one USB device, so the device's serial number (the
pyocd unique id) names the port; ``/dev/ttyACM0`` is never guessed, since its number depends
on plug order. STLINK-V3 adds a second "bridge" VCP: the USB interface string tells them apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from serial.tools.list_ports_common import ListPortInfo

from farm.errors import SerialLinkError

log = logging.getLogger(__name__)

# Interface strings of the ST-LINK VCP that carries the target's UART (V2-1 and V3 firmware).
VCP_INTERFACE_MARKERS = ("vcp",)
NOT_VCP_MARKERS = ("bridge",)


def _interface_number(port: ListPortInfo) -> int:
    """USB interface number from ``location`` (``1-1.2:1.2`` -> 2); big when unknown."""
    location = port.location or ""
    try:
        return int(location.rsplit(".", 1)[1]) if ":" in location else 99
    except (IndexError, ValueError):
        return 99


def _is_target_vcp(port: ListPortInfo) -> bool:
    text = (port.interface or "").lower()
    return any(m in text for m in VCP_INTERFACE_MARKERS) and not any(
        m in text for m in NOT_VCP_MARKERS
    )


def find_vcp(probe_uid: str, board: str, ports: Iterable[ListPortInfo] | None = None) -> str:
    """Device path of the target UART of the ST-LINK with serial number ``probe_uid``.

    Args:
        probe_uid: the probe's unique id (USB serial number), from the inventory.
        board: board id, for messages.
        ports: ports to search (default: ``serial.tools.list_ports.comports()``).

    Raises:
        SerialLinkError: no port, or several candidates, carry that serial number.
    """
    if ports is None:
        from serial.tools import list_ports

        ports = list_ports.comports()
    ports = list(ports)
    mine = [p for p in ports if (p.serial_number or "").lower() == probe_uid.lower()]
    if not mine:
        seen = ", ".join(f"{p.device} (serial {p.serial_number})" for p in ports if p.serial_number)
        raise SerialLinkError(
            f"console of board '{board}': no serial port with USB serial number {probe_uid}; "
            f"ports seen: {seen or 'none'}; plug the ST-LINK in or set console.port",
            board=board,
        )
    vcps = [p for p in mine if _is_target_vcp(p)] or mine
    vcps.sort(key=_interface_number)
    if len(vcps) > 1 and not any(_is_target_vcp(p) for p in vcps):
        names = ", ".join(f"{p.device} ({p.interface or 'no interface name'})" for p in vcps)
        raise SerialLinkError(
            f"console of board '{board}': several ports of probe {probe_uid} and none is named "
            f"a VCP: {names}; set console.port in the inventory",
            board=board,
        )
    log.debug("board %s: console %s (%s)", board, vcps[0].device, vcps[0].interface)
    return vcps[0].device
