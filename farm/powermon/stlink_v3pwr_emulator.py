"""The STLINK-V3PWR power VCP as the emulator presents it.

The reply shape follows what ST's own host scripts (x-cube-n6-ai-power-measurement v2.0.0,
``Utilities/pwr_scripts``) need: no prompt before ``ack`` (ST splits a reply on whitespace and
reads fields by position), ``ack STLINK-V3PWR <uid>`` to ``powershield``, the firmware version
as the fourth word of the ``version`` reply, ``temp degc|degf|refresh pcb`` with the value after
the echoed command, ``format bin_hex``. Still unconfirmed (see farm/powermon/README.md): data on
lines after the ack, the summary and ``Acquisition completed`` after the F4 frame.
"""

from __future__ import annotations

from farm.powermon.binary_codec import STLINK_V3PWR_FRAME_LENGTHS
from farm.powermon.emulator_traits import DeviceTraits

STLINK_V3PWR_TRAITS = DeviceTraits(
    device="stlink-v3pwr",
    prompt="",
    voltage_range_mv=(1600, 3600),
    trigger_sources=frozenset({"sw", "hw"}),
    formats={"ascii_dec": "ascii_dec", "bin_hex": "bin_hexa"},
    outputs=frozenset({"current"}),
    seconds_suffix=True,
    session_start="power_monitor",
    session_end=None,
    frame_lengths=STLINK_V3PWR_FRAME_LENGTHS,
    identity="STLINK-V3PWR {uid}",
    version=("STLINK-V3PWR V3J15P5", "PowerShield API 1.0 (emulated)"),
    data_on_ack_line=False,
    leading_newline=False,
    extra_commands=frozenset({"power_monitor", "range", "apiver"}),
    completion="Acquisition completed",
    temp_arguments=((), ("degc",), ("degf",), ("refresh", "pcb")),
)
