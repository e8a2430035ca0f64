"""What differs between the emulated devices, as data (no subclassing of devices)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceTraits:
    """Wire-visible facts of one device model (specs/powermon.md)."""

    device: str
    prompt: str
    voltage_range_mv: tuple[int, int]
    trigger_sources: frozenset[str]
    formats: dict[str, str]  # accepted token -> canonical format
    outputs: frozenset[str]
    seconds_suffix: bool  # time arguments may end in "s"
    session_start: str  # "htc" or "power_monitor"
    session_end: str | None  # "hrc" or None
    frame_lengths: dict[int, int]
    identity: str  # data of the `powershield` ack, "{uid}" replaced
    version: tuple[str, ...]
    data_on_ack_line: bool  # LPM01A: "ack volt get 3300-03"; V3PWR: data on the next lines
    leading_newline: bool  # LPM01A replies begin with "\r\n"
    extra_commands: frozenset[str]  # device-only commands: eventsrc, range, apiver, ...

    def ack(self, text: str, data: list[str]) -> bytes:
        """A success reply, ended by a blank line."""
        head = ("\r\n" if self.leading_newline else "") + f"{self.prompt}ack {text}"
        if self.data_on_ack_line:
            body = head + "".join(" " + item for item in data) + "\r\n"
        else:
            body = head + "\r\n" + "".join(item + "\r\n" for item in data)
        return (body + "\r\n").encode("ascii")

    def error(self, line: str, detail: str) -> bytes:
        """A failure reply: ``error <command>`` then ``Error detail:``, ended by a blank line."""
        head = ("\r\n" if self.leading_newline else "") + f"{self.prompt}error {line}\r\n"
        return (head + f"Error detail: {detail}\r\n\r\n").encode("ascii")
