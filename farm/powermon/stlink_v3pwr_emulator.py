"""The STLINK-V3PWR power VCP as the emulator presents it (items marked unverified in the spec
follow the spec's best guess: identity ``STLINK-V3PWR <uid>``, data on lines after the ack)."""

from __future__ import annotations

from farm.powermon.binary_codec import STLINK_V3PWR_FRAME_LENGTHS
from farm.powermon.emulator_traits import DeviceTraits

STLINK_V3PWR_TRAITS = DeviceTraits(
    device="stlink-v3pwr",
    prompt="stlp > ",
    voltage_range_mv=(1600, 3600),
    trigger_sources=frozenset({"sw", "hw"}),
    formats={"ascii_dec": "ascii_dec", "bin_hexa": "bin_hexa", "bin_hex": "bin_hexa"},
    outputs=frozenset({"current"}),
    seconds_suffix=True,
    session_start="power_monitor",
    session_end=None,
    frame_lengths=STLINK_V3PWR_FRAME_LENGTHS,
    identity="STLINK-V3PWR {uid}",
    version=("STLINK-V3PWR", "firmware V3J15P5 (emulated)", "PowerShield API 1.0"),
    data_on_ack_line=False,
    leading_newline=False,
    extra_commands=frozenset({"power_monitor", "range", "apiver"}),
)
