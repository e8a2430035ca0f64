"""The X-NUCLEO-LPM01A (PowerShield firmware 1.0.7) as the emulator presents it."""

from __future__ import annotations

from farm.powermon.binary_codec import LPM01A_FRAME_LENGTHS
from farm.powermon.emulator_traits import DeviceTraits

LPM01A_TRAITS = DeviceTraits(
    device="lpm01a",
    prompt="PowerShield > ",
    voltage_range_mv=(1800, 3300),
    trigger_sources=frozenset({"sw", "d7"}),
    formats={"ascii_dec": "ascii_dec", "bin_hexa": "bin_hexa"},
    outputs=frozenset({"current", "energy"}),
    seconds_suffix=False,
    session_start="htc",
    session_end="hrc",
    frame_lengths=LPM01A_FRAME_LENGTHS,
    identity="powershield {uid}",
    version=("1.0.7",),
    data_on_ack_line=True,
    leading_newline=True,
    extra_commands=frozenset({"htc", "hrc", "eventsrc"}),
    completion="Acquisition completed",
    temp_arguments=((), ("degc",), ("degf",)),
)
