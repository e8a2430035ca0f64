"""The power-monitor protocol the HIL suite uses, its settings and the trace it returns."""

from __future__ import annotations

import enum
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class Capability(enum.Enum):
    """Optional features; callers check them instead of catching NotImplementedError."""

    SET_SUPPLY_VOLTAGE = "set-supply-voltage"
    HW_TRIGGER = "hw-trigger"
    EVENT_LINES = "event-lines"
    ENERGY_OUTPUT = "energy-output"
    BINARY_FORMAT = "binary-format"
    TARGET_POWER = "target-power"  # the monitor supplies the target: set_target_power(on)


class SampleFormat(enum.Enum):
    """Wire format of the acquisition stream."""

    ASCII = "ascii_dec"
    BINARY = "bin_hexa"


class OutputMode(enum.Enum):
    """What each sample is: amps, or joules over one sample period (LPM01A)."""

    CURRENT = "current"
    ENERGY = "energy"


class TriggerSource(enum.Enum):
    """What starts the acquisition; with a hardware source ``start`` only arms."""

    SOFTWARE = "sw"
    HARDWARE = "hw"  # STLINK-V3PWR TGI pin
    D7 = "d7"  # LPM01A Arduino D7


#: Sample rates the devices accept, in Hz.
SAMPLE_RATES_HZ = (
    100000,
    50000,
    20000,
    10000,
    5000,
    2000,
    1000,
    500,
    200,
    100,
    50,
    20,
    10,
    5,
    2,
    1,
)


class AcquisitionSettings(BaseModel):
    """One acquisition's settings, validated by the driver against its device before use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    voltage_mv: int = Field(3300, ge=1600, le=3600, description="Supply voltage set on the rail.")
    sample_rate_hz: int = Field(100000, description="One of SAMPLE_RATES_HZ.")
    sample_format: SampleFormat = SampleFormat.BINARY
    output: OutputMode = OutputMode.CURRENT
    trigger: TriggerSource = TriggerSource.SOFTWARE
    acquisition_time_s: float | None = Field(
        None, gt=0, le=100, description="None: acquire until stop()."
    )
    event_lines: bool = Field(False, description="LPM01A: eventsrc d7 fal (event lines).")


@dataclass(frozen=True)
class SampleMark:
    """A mark placed at a sample index (the mark came before that sample)."""

    sample_index: int
    kind: str  # "timestamp" | "event"
    value: int  # elapsed ms for timestamps, event number for events
    detail: str = ""  # buffer load for timestamps, edge for events


@dataclass(frozen=True)
class CurrentTrace:
    """Samples of one acquisition. Sample k covers device time (k/f, (k+1)/f] after start."""

    samples: np.ndarray  # float64: amps (output current) or joules per sample (output energy)
    sample_rate_hz: float
    voltage_mv: float
    output: OutputMode
    marks: tuple[SampleMark, ...] = ()
    method: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """Device time covered by the samples."""
        return len(self.samples) / self.sample_rate_hz

    @property
    def event_indices(self) -> list[int]:
        """Sample indices of the event lines, in stream order."""
        return [m.sample_index for m in self.marks if m.kind == "event"]


class CaptureHandle:
    """What ``capture_session`` yields; ``trace`` is set when the block ends."""

    def __init__(self) -> None:
        self._trace: CurrentTrace | None = None

    @property
    def trace(self) -> CurrentTrace:
        """The finished trace (only after the ``with`` block)."""
        if self._trace is None:
            raise RuntimeError("capture trace is available only after the 'with' block ends")
        return self._trace

    def set_trace(self, trace: CurrentTrace) -> None:
        """Called by the driver when the acquisition has ended."""
        self._trace = trace


@runtime_checkable
class PowerMonitor(Protocol):
    """Samples the current on one supply rail of one board."""

    name: str
    capabilities: frozenset[Capability]

    def open(self) -> None: ...
    def close(self) -> None: ...
    def identify(self) -> dict[str, str]: ...
    def configure(self, settings: AcquisitionSettings) -> None: ...
    def start(self) -> None: ...
    def stop(self, timeout_s: float = 5.0) -> CurrentTrace: ...
    def wait(self, timeout_s: float) -> CurrentTrace: ...
    def capture_session(
        self, settings: AcquisitionSettings, timeout_s: float = 30.0
    ) -> AbstractContextManager[CaptureHandle]: ...
