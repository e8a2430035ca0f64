"""Finding the ST-LINK VCP from the probe uid (pyserial port records fed directly)."""

from __future__ import annotations

import pytest
from serial.tools.list_ports_common import ListPortInfo

from farm.devices.console_port import find_vcp
from farm.errors import SerialLinkError


def port(device: str, serial: str | None, interface: str | None, location: str) -> ListPortInfo:
    info = ListPortInfo(device, skip_link_detection=True)
    info.serial_number, info.interface, info.location = serial, interface, location
    return info


STLINK_V3 = [
    port("/dev/ttyACM0", "004A00213234510D33353533", "STLINK-V3PWR VCP", "1-1.1:1.3"),
    port("/dev/ttyACM1", "0671FF535155878281151932", "ST-Link VCP Ctrl", "1-1.2:1.1"),
    port("/dev/ttyACM2", "002F003A3133510B37363734", "ST-Link Bridge", "1-1.3:1.2"),
    port("/dev/ttyACM3", "002F003A3133510B37363734", "ST-Link VCP Ctrl", "1-1.3:1.1"),
    port("/dev/ttyS0", None, None, ""),
]


def test_vcp_is_found_by_serial_number_whatever_the_tty_number() -> None:
    assert find_vcp("0671FF535155878281151932", "l4r5-01", STLINK_V3) == "/dev/ttyACM1"
    assert find_vcp("0671ff535155878281151932", "l4r5-01", STLINK_V3) == "/dev/ttyACM1"


def test_bridge_port_of_a_v3_is_not_the_target_uart() -> None:
    assert find_vcp("002F003A3133510B37363734", "f767-01", STLINK_V3) == "/dev/ttyACM3"


def test_unnamed_interfaces_pick_the_lowest_interface_or_refuse() -> None:
    one = [port("/dev/ttyACM5", "ABC", None, "1-2:1.2")]
    assert find_vcp("ABC", "b", one) == "/dev/ttyACM5"
    two = [*one, port("/dev/ttyACM6", "ABC", None, "1-2:1.1")]
    with pytest.raises(SerialLinkError, match="several ports of probe ABC"):
        find_vcp("ABC", "b", two)


def test_unknown_uid_names_what_was_seen() -> None:
    with pytest.raises(SerialLinkError, match="no serial port with USB serial number NOPE") as info:
        find_vcp("NOPE", "g431-01", STLINK_V3)
    assert "/dev/ttyACM1 (serial 0671FF535155878281151932)" in str(info.value)
    assert info.value.board == "g431-01"
