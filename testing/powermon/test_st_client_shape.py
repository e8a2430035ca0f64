"""The V3PWR emulator answers the way ST's own client reads it (x-cube-n6-ai-power-measurement
v2.0.0, ``stlinkpwr_cmd.py``): one command, ``read_until(b"\\r\\n\\r\\n")`` with a 1 s timeout,
``expected in reply``, then fields by position after a whitespace split. Read here with pyserial
the same way (ST's code itself runs in test_st_scripts.py when a local copy is present)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial
from typer.testing import CliRunner

from farm.cli import app
from farm.powermon.activity import ConstantSource
from farm.powermon.emulator import EmulatorHandle, start_emulator
from farm.powermon.emulator_device import EmulatedPowerShield
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.stlink_v3pwr_emulator import STLINK_V3PWR_TRAITS

UID = "0019003F3331510B33323639"


@pytest.fixture
def v3pwr() -> Iterator[EmulatorHandle]:
    """The V3PWR emulator with the CLI's default `volt` delay and a 0.3 s trigger stand-in."""
    with start_emulator(
        "stlink-v3pwr",
        ConstantSource(0.010),
        realtime=True,
        recalibration_s=0.3,
        trigger_after_s=0.3,
    ) as handle:
        yield handle


@pytest.fixture
def st_port(v3pwr: EmulatorHandle) -> Iterator[serial.Serial]:
    port = serial.Serial(v3pwr.port, baudrate=100000, timeout=0)
    yield port
    port.close()


def ask(port: serial.Serial, command: str, expected: str, timeout_s: float = 1.0) -> list[str]:
    """ST's ``_ask``: flush, write, read to the blank line within 1 s, check, split."""
    port.timeout = timeout_s
    port.reset_input_buffer()
    port.write(f"{command}\r\n".encode())
    reply = port.read_until(b"\r\n\r\n").decode()
    port.timeout = 0
    assert expected in reply, f"{command!r}: {reply!r}"
    return reply.split()


def test_identity_version_and_session(st_port: serial.Serial) -> None:
    assert ask(st_port, "powershield", "ack STLINK-V3PWR")[2] == UID
    version = ask(st_port, "version", "ack version")
    assert version[3] == "V3J15P5"  # ST prints responses[3] as the firmware version
    ask(st_port, "power_monitor", "ack power_monitor")


def test_volt_ack_waits_for_the_recalibration(st_port: serial.Serial) -> None:
    """On the wire the ack never comes early. How late it may come is judged on the device's
    own schedule below: a loaded host can stall the serving thread past ST's 1 s by itself."""
    ask(st_port, "power_monitor", "ack power_monitor")
    started = time.monotonic()
    ask(st_port, "volt 3300m", "ack volt", timeout_s=10.0)
    assert time.monotonic() - started >= 0.3


def test_volt_ack_is_scheduled_inside_st_timeout() -> None:
    """The emulator queues the ``volt`` ack at the recalibration delay the CLI allows (at most
    0.9 s), inside ST's 1 s read, and holds later commands behind it."""
    device = EmulatedPowerShield(
        STLINK_V3PWR_TRAITS, ConstantSource(0.010), fault=FaultInjection(),
        recalibration_s=0.9, realtime=True, uid=UID,
    )  # fmt: skip
    device.on_line("power_monitor")
    device.output.clear()
    before = time.monotonic()
    device.on_line("volt 3300m")
    after = time.monotonic()
    due, data = device.output[0]
    assert before + 0.9 <= due <= after + 0.9
    assert b"ack volt" in data and data.endswith(b"\r\n\r\n")
    assert device.busy()


def test_cli_refuses_a_volt_delay_st_would_time_out_on() -> None:
    refused = CliRunner().invoke(
        app, ["power", "emulate", "--device", "stlink-v3pwr", "--recalibration-s", "1.0"]
    )
    assert refused.exit_code == 2
    assert "--recalibration-s" in refused.output and "0.9" in refused.output


def test_temperatures_by_position(st_port: serial.Serial) -> None:
    ask(st_port, "power_monitor", "ack power_monitor")
    assert float(ask(st_port, "temp degc", "ack temp degc")[3]) == 25.0
    assert float(ask(st_port, "temp degf", "ack temp degf")[3]) == 77.0
    assert float(ask(st_port, "temp refresh pcb", "ack temp refresh pcb")[4]) == 31.5


def test_target_power(st_port: serial.Serial, v3pwr: EmulatorHandle) -> None:
    ask(st_port, "power_monitor", "ack power_monitor")
    assert not v3pwr.target_powered
    assert ask(st_port, "pwr on", "ack pwr")[2] == "on"  # ST checks field 2
    assert v3pwr.target_powered
    assert ask(st_port, "pwr get", "ack pwr get")[3] == "on"
    assert ask(st_port, "pwr off", "ack pwr")[2] == "off"
    assert not v3pwr.target_powered


def test_trigger_after_arming(st_port: serial.Serial) -> None:
    """``--trigger-after``: the stream begins that long after ``start`` armed ``trigsrc hw``."""
    for command in ("power_monitor", "format bin_hex", "acqtime inf", "freq 100000",
                    "trigsrc hw", "trigdelay 0m"):  # fmt: skip
        ask(st_port, command, "ack " + command.split()[0])
    st_port.timeout = 2
    st_port.write(b"start\r\n")
    armed = time.monotonic()
    assert st_port.read_until(b"\r\n\r\n") == b"ack start\r\n\r\n"
    first = st_port.read(2)
    waited = time.monotonic() - armed
    st_port.write(b"stop\r\n")
    assert first == b"\xf0\xf3"  # the stream opens with a timestamp frame
    assert 0.3 <= waited < 3.0  # generous: a loaded machine delays the first read
