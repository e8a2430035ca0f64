"""Models of a board's ``power_monitor`` inventory section that kinds build theirs from.

A kind's section model validates the keys beside ``type``; errors raised with
:func:`section_error` are shown verbatim after ``power_monitor.<field>=<value>`` by the
inventory loader, which adds the file position.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from farm.powermon.protocols import SAMPLE_RATES_HZ, TriggerSource
from farm.powermon.settings_rules import ASCII_FREE_RATE_HZ

# The inventory spells the drivers' SampleFormat by member name (``format: binary``); the
# enum's values are wire tokens.
SampleFormatName = Literal["ascii", "binary"]


def section_error(text: str) -> PydanticCustomError:
    """A validation error whose message is used verbatim after ``<field>=<value>``."""
    return PydanticCustomError("farm", "{text}", {"text": text})


class MonitorSection(BaseModel):
    """A kind's section: unknown keys are refused (the loader suggests the close one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = "?"
    """The type name, for messages (set by each kind)."""


class PowerShieldSection(MonitorSection):
    """A monitor with ST's PowerShield command set on a serial port of the lab PC: it sets the
    supply, samples at one of :data:`SAMPLE_RATES_HZ` in ascii or binary, and starts on the
    triggers its kind lists."""

    voltage_range_mv: ClassVar[tuple[int, int]] = (1600, 3600)
    triggers: ClassVar[tuple[TriggerSource, ...]] = (TriggerSource.SOFTWARE,)

    port: str | None = None
    """pyserial port or URL (or ``serial_number``)."""
    serial_number: str | None = None
    voltage_mv: int = 3300
    """Supply voltage the monitor sets, within the kind's range."""
    sample_rate_hz: int = 100_000
    format: SampleFormatName = "binary"
    """Acquisition stream format: ``binary`` (``bin_hexa`` on the wire) or ``ascii``."""
    trigger: TriggerSource = TriggerSource.SOFTWARE
    """What starts an acquisition: sw (``start``) or one of the kind's hardware inputs."""

    @field_validator("voltage_mv")
    @classmethod
    def _voltage_in_range(cls, value: int) -> int:
        low, high = cls.voltage_range_mv
        if not low <= value <= high:
            raise section_error(f"out of range; allowed {low}..{high} for {cls.kind}")
        return value

    @field_validator("sample_rate_hz")
    @classmethod
    def _known_rate(cls, value: int) -> int:
        if value not in SAMPLE_RATES_HZ:
            allowed = ", ".join(str(r) for r in SAMPLE_RATES_HZ)
            raise section_error(f"not a rate of {cls.kind}; allowed {allowed}")
        return value

    @field_validator("format")
    @classmethod
    def _ascii_rate(cls, value: str, info: ValidationInfo) -> str:
        rate = info.data.get("sample_rate_hz")
        if value == "ascii" and rate is not None and rate > ASCII_FREE_RATE_HZ:
            raise section_error(
                f"loses samples at sample_rate_hz={rate}; use format: binary or at most "
                f"{ASCII_FREE_RATE_HZ} Hz"
            )
        return value

    @field_validator("trigger")
    @classmethod
    def _trigger_of_kind(cls, value: TriggerSource) -> TriggerSource:
        if value not in cls.triggers:
            names = ", ".join(t.value for t in cls.triggers)
            raise section_error(f"not supported by {cls.kind}; allowed {names}")
        return value
