"""Narrow tests of the reply matching and port selection (bytes fed directly, no device)."""

from __future__ import annotations

import pytest
import serial
from serial.tools.list_ports_common import ListPortInfo

from farm.errors import PowerMonitorError
from farm.powermon.command_link import CommandLink
from farm.powermon.port_discovery import is_lpm01a_port, is_v3pwr_power_port


def _link(prefill: bytes) -> CommandLink:
    port = serial.serial_for_url("loop://", timeout=0.05)
    port.write(prefill)  # what the device sent before: read back before the answer
    return CommandLink(port, "loop/test", board="b1")


def test_ack_matched_on_exact_tokens_through_noise() -> None:
    link = _link(
        b"\x00stlp > ack nostatus\r\n\r\nPowerShield > ack stop\r\n\r\n"
        b"\r\nPowerShield > ack status ok\r\n\r\n"
    )
    assert link.command("status", timeout_s=1) == ["ok"]


def test_multi_line_data_and_alias() -> None:
    link = _link(
        b"stlp > ack STLINK-V3PWR 123ABC\r\n\r\nstlp > ack version\r\nfw 1\r\napi 2\r\n\r\n"
    )
    assert link.command("powershield", timeout_s=1, ack_prefixes=("STLINK",)) == [
        "STLINK-V3PWR 123ABC"
    ]
    assert link.command("version", timeout_s=1) == ["fw 1", "api 2"]


def test_error_reply_carries_the_device_words() -> None:
    link = _link(b"PowerShield > error freq 3k\r\nError detail: not supported\r\n\r\n")
    with pytest.raises(
        PowerMonitorError, match="'freq 3k' refused: error freq 3k / Error detail: not supported"
    ) as info:
        link.command("freq 3k", timeout_s=1)
    assert info.value.board == "b1"


def test_no_reply_times_out_with_advice() -> None:
    with pytest.raises(
        PowerMonitorError, match="no reply to 'htc'; check that the monitor is powered"
    ):
        _link(b"").command("htc", timeout_s=0.2)


def _info(pid: int, interface: str | None, location: str = "1-2:1.4") -> ListPortInfo:
    info = ListPortInfo("/dev/ttyACM9")
    info.vid, info.pid, info.interface, info.location = 0x0483, pid, interface, location
    return info


def test_v3pwr_power_port_never_the_target_uart() -> None:
    assert is_v3pwr_power_port(_info(0x3757, "ST-Link VCP-PWR Ctrl"))
    assert not is_v3pwr_power_port(_info(0x3757, "ST-Link VCP Ctrl", "1-2:1.1"))
    assert is_v3pwr_power_port(_info(0x3757, None, "1-2:1.4"))
    assert not is_v3pwr_power_port(_info(0x3757, None, "1-2:1.1"))
    assert not is_v3pwr_power_port(_info(0x3755, "ST-Link VCP-PWR Ctrl"))  # loader mode
    assert is_lpm01a_port(_info(0x5740, None))


def test_ack_matched_by_command_word(caplog: pytest.LogCaptureFixture) -> None:
    """ST matches `ack <word>`: a word-only echo is accepted silently, other args with a warning."""
    link = _link(b"ack freq\r\n\r\nack acqtime 1s\r\n\r\n")
    with caplog.at_level("WARNING"):
        assert link.command("freq 100000", timeout_s=1) == []
        assert not caplog.records
        assert link.command("acqtime 1000m", timeout_s=1) == ["1s"]
    assert "the ack of 'acqtime 1000m' echoes 'acqtime 1s'" in caplog.text
