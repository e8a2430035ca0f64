"""The emulators answer good and bad commands the way specs/powermon.md says (raw pyserial)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import serial

from farm.powermon.activity import ConstantSource
from farm.powermon.emulator import EmulatorHandle, start_emulator

SESSION = {"lpm01a": "htc", "stlink-v3pwr": "power_monitor"}
PROMPT = {"lpm01a": b"PowerShield > ", "stlink-v3pwr": b""}  # ST's client reads no prompt
BINARY = {"lpm01a": b"bin_hexa", "stlink-v3pwr": b"bin_hex"}  # ST's validator: bin_hex only
COMPLETED = {
    "lpm01a": "PowerShield > Acquisition completed",
    "stlink-v3pwr": "Acquisition completed",
}


@pytest.fixture
def raw(emulator: EmulatorHandle) -> Iterator[serial.Serial]:
    port = serial.Serial(emulator.port, timeout=0.05)
    yield port
    port.close()


def exchange(port: serial.Serial, line: bytes, settle_s: float = 10.0) -> bytes:
    """Send one line; return everything up to the blank line that ends the reply.

    Returns as soon as the reply is complete; ``settle_s`` only bounds a reply that never
    ends, so it is generous: on a loaded host the emulator thread may answer late."""
    port.write(line)
    data, deadline = b"", time.monotonic() + settle_s
    while time.monotonic() < deadline:
        data += port.read(4096)
        if data.rstrip(b"\x00").endswith(b"\r\n\r\n") and (b"ack" in data or b"error" in data):
            break
    return data


def test_ack_format(raw: serial.Serial, device: str) -> None:
    reply = exchange(raw, b"powershield\r\n")
    if device == "lpm01a":
        assert reply == b"\r\nPowerShield > ack powershield 0019003F3331510B33323639\r\n\r\n"
    else:
        assert reply == b"ack STLINK-V3PWR 0019003F3331510B33323639\r\n\r\n"
    assert exchange(raw, SESSION[device].encode() + b"\n").endswith(  # "\n" alone is accepted
        PROMPT[device] + b"ack " + SESSION[device].encode() + b"\r\n\r\n"
    )


def test_commands_need_the_session_start(raw: serial.Serial, device: str) -> None:
    reply = exchange(raw, b"freq 1k\r\n")
    assert PROMPT[device] + b"error freq 1k\r\nError detail: host has not taken control" in reply
    other = {"lpm01a": b"power_monitor", "stlink-v3pwr": b"htc"}[device]
    assert b"error " + other + b"\r\nError detail: unknown command" in exchange(
        raw, other + b"\r\n"
    )


BAD = [
    (b"flurb", "unknown command 'flurb'"),
    (b"freq 3k", "frequency '3k' not supported"),
    (b"freq", "expected 1 argument"),
    (b"acqtime 200", "acquisition time '200' out of range"),
    (b"acqtime 1x", "acquisition time '1x' is not a number"),
    (b"format bin", "format 'bin' not supported"),
    (b"output power", "output 'power' not supported"),
    (b"trigsrc ext", "trigger source 'ext' not supported"),
    (b"volt 5000m", "voltage '5000m' out of range"),
    (b"pwr maybe", "expected on|off|auto|get"),
    (b"temp kelvin", "expected no argument, 'degc', 'degf'"),
    (b"temp refresh", "expected no argument, 'degc', 'degf'"),
]


@pytest.mark.parametrize(("command", "detail"), BAD, ids=[c.decode() for c, _ in BAD])
def test_bad_commands_and_arguments(
    raw: serial.Serial, device: str, command: bytes, detail: str
) -> None:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    reply = exchange(raw, command + b"\r\n").decode()
    assert f"error {command.decode()}\r\nError detail: {detail}" in reply


@pytest.mark.parametrize(
    ("command", "ok_on"),
    [(b"trigsrc hw", "stlink-v3pwr"), (b"trigsrc d7", "lpm01a"), (b"output energy", "lpm01a"),
     (b"acqtime 1s", "stlink-v3pwr"), (b"volt 1700m", "stlink-v3pwr"), (b"volt 3500m", "stlink-v3pwr"),
     (b"eventsrc d7 fal", "lpm01a"), (b"format bin_hex", "stlink-v3pwr"), (b"apiver", "stlink-v3pwr"),
     (b"format bin_hexa", "lpm01a"), (b"temp refresh pcb", "stlink-v3pwr")],
)  # fmt: skip
def test_device_specific_arguments(
    raw: serial.Serial, device: str, command: bytes, ok_on: str
) -> None:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    reply = exchange(raw, command + b"\r\n")
    expected = b"ack " if device == ok_on else b"error "
    assert expected + command in reply


def test_volt_waits_for_recalibration(device: str) -> None:
    with start_emulator(
        device, ConstantSource(0.01), realtime=False, recalibration_s=0.3
    ) as handle:  # type: ignore[arg-type]
        port = serial.Serial(handle.port, timeout=0.05)
        exchange(port, SESSION[device].encode() + b"\r\n")
        started = time.monotonic()
        port.write(b"volt 3000m\r\nvolt get\r\n")
        reply = b""
        while b"3000-03" not in reply and time.monotonic() - started < 30:
            reply += port.read(4096)
        elapsed = time.monotonic() - started
        port.close()
    # The reply waited for the recalibration; the upper bound only says it came (a loaded
    # host may starve the emulator's thread for seconds).
    assert b"3000-03" in reply and elapsed >= 0.3
    assert reply.index(b"ack volt 3000m") < reply.index(b"3000-03")  # queued behind the ack


@pytest.mark.parametrize(
    ("rate", "acqtime", "ok"),
    [(b"5k", b"inf", True), (b"10k", b"1", True), (b"10k", b"2", False), (b"20k", b"500m", True),
     (b"20k", b"600m", False), (b"50k", b"10m", False)],
)  # fmt: skip
def test_ascii_rate_limits(
    raw: serial.Serial, device: str, rate: bytes, acqtime: bytes, ok: bool
) -> None:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    for line in (b"format ascii_dec", b"freq " + rate, b"acqtime " + acqtime):
        assert b"ack" in exchange(raw, line + b"\r\n")
    reply = exchange(raw, b"start\r\n", settle_s=2.0)  # returns at the reply; slack for load
    if ok:
        assert b"ack start" in reply
        exchange(
            raw, b"stop\r\n", settle_s=0.5
        )  # clean-up only: the stream may not end on a blank line
    else:
        assert (
            b"error start\r\nError detail: ascii_dec at" in reply or b"limited to 20 kHz" in reply
        )


def _acquire(raw: serial.Serial, device: str, fmt: bytes) -> bytes:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    for line in (b"freq 100k", b"acqtime 25m", b"format " + fmt):
        exchange(raw, line + b"\r\n")
    raw.write(b"start\r\n")
    data, deadline = b"", time.monotonic() + 60
    while b"Acquisition completed" not in data and time.monotonic() < deadline:
        data += raw.read(65536)
    return data


def test_binary_stream_layout(raw: serial.Serial, device: str) -> None:
    data = _acquire(raw, device, BINARY[device])
    body = data[data.index(b"ack start\r\n\r\n") + len(b"ack start\r\n\r\n") :]
    assert body[:2] == b"\xf0\xf3"  # the first item after start is a timestamp
    position, stamps = 0, []
    while body[position : position + 2] != b"\xf0\xf4":
        if body[position : position + 2] == b"\xf0\xf3":
            stamps.append(int.from_bytes(body[position + 2 : position + 6], "big"))
            assert body[position + 7 : position + 9] == b"\xff\xff"
            position += 9
        else:
            position += 2
    assert stamps == [0, 10, 20]  # every 1000 samples at 100 kHz
    assert body[position : position + 4] == b"\xf0\xf4\xff\xff"
    assert body.rstrip().endswith(COMPLETED[device].encode())
    if device == "stlink-v3pwr":  # the V3PWR's own end, not the LPM01A's prompt
        assert b"PowerShield >" not in body


def test_ascii_stream_layout(raw: serial.Serial, device: str) -> None:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    for line in (b"freq 1k", b"acqtime 1500m", b"format ascii_dec"):
        exchange(raw, line + b"\r\n")
    raw.write(b"start\r\n")
    data, deadline = b"", time.monotonic() + 60
    while b"Acquisition completed" not in data and time.monotonic() < deadline:
        data += raw.read(65536)
    lines = data.decode().split("\r\n")
    first = lines.index("TimeStamp: 000s 000ms, buff 00%")
    assert lines[first + 1] == "1000-05"
    assert lines[first + 1001] == "TimeStamp: 001s 000ms, buff 00%"
    assert lines[first + 1502] == "end"
    assert "summary" in lines and COMPLETED[device] in lines


def test_stop_when_idle_is_acked(raw: serial.Serial, device: str) -> None:
    exchange(raw, SESSION[device].encode() + b"\r\n")
    assert b"ack stop" in exchange(raw, b"stop\r\n")
