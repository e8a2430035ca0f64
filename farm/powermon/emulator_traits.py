"""What differs between the emulated devices, as data (no subclassing of devices)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class DeviceTraits:
    """Wire-visible facts of one device model (specs/powermon.md)."""

    device: str
    prompt: str  # written before ``ack``/``error``; "" when the device writes none
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
    completion: str | None  # last line of an acquisition, after the summary (None: no text)
    temp_arguments: tuple[tuple[str, ...], ...]  # accepted `temp` argument lists
    echo_arguments: bool = True  # False: acks echo the command word only (`ack freq`)

    def ack(self, text: str, data: list[str], *, whole: bool = False) -> bytes:
        """A success reply, ended by a blank line (``whole``: ``text`` is data, never cut)."""
        echoed = text if self.echo_arguments or whole else text.split()[0]
        head = ("\r\n" if self.leading_newline else "") + f"{self.prompt}ack {echoed}"
        if self.data_on_ack_line:
            body = head + "".join(" " + item for item in data) + "\r\n"
        else:
            body = head + "\r\n" + "".join(item + "\r\n" for item in data)
        return (body + "\r\n").encode("ascii")

    def error(self, line: str, detail: str) -> bytes:
        """A failure reply: ``error <command>`` then ``Error detail:``, ended by a blank line."""
        head = ("\r\n" if self.leading_newline else "") + f"{self.prompt}error {line}\r\n"
        return (head + f"Error detail: {detail}\r\n\r\n").encode("ascii")

    def end_text(self) -> bytes:
        """The completion line that closes an acquisition's text tail (empty if none)."""
        if self.completion is None:
            return b""
        return f"{self.prompt}{self.completion}\r\n\r\n".encode("ascii")


class WireVariant(BaseModel):
    """Plausible alternatives for wire facts no reference confirms (specs/powermon.md).

    The default is the emulator's best guess; tests run the driver against the variants so it
    depends on none of these facts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    completion_text: bool = Field(
        True, description="False: nothing after the F4 frame / `end` but the `stop` ack."
    )
    ack_echo: Literal["full", "word"] = Field(
        "full", description="'word': acks echo the command word only (`ack freq`)."
    )

    def apply(self, traits: DeviceTraits) -> DeviceTraits:
        """``traits`` with this variant's differences."""
        return dataclasses.replace(
            traits,
            completion=traits.completion if self.completion_text else None,
            echo_arguments=self.ack_echo == "full",
        )
