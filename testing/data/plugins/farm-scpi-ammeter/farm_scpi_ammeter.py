"""A bench ammeter speaking SCPI over a serial port, as a joulefarm power monitor.

The example of README's "Adding a power monitor": one module holding the config model and the
driver, registered with ``@register_powermon`` and named in the ``farm.powermon`` entry point.
The farm validates a board's ``power_monitor`` section with :class:`ScpiAmmeterConfig`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import numpy as np
import serial
from pydantic import BaseModel, ConfigDict, Field

from farm.errors import PowerMonitorError
from farm.powermon.protocols import (
    AcquisitionSettings,
    CaptureHandle,
    CurrentTrace,
    OutputMode,
)
from farm.powermon.registry import register_powermon


class ScpiAmmeterConfig(BaseModel):
    """A bench ammeter in series with the board's supply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    port: str = Field(description="pyserial port or URL of the meter.")
    range_a: Literal[0.01, 0.1, 1.0] = Field(0.1, description="Current range, amperes.")
    sample_rate_hz: int = Field(10, ge=1, le=50, description="Readings per second.")
    supply_mv: int = Field(3300, ge=1000, le=5000, description="Supply the board runs at.")


@register_powermon("scpi-ammeter", config=ScpiAmmeterConfig)
class ScpiAmmeterMonitor:
    """Polls ``MEAS:CURR:DC?`` at the configured rate; software start only."""

    capabilities: frozenset = frozenset()

    def __init__(self, name: str, config: ScpiAmmeterConfig, *, board: str | None = None) -> None:
        self.name = name
        self.config = config
        self.board = board
        self._port: serial.SerialBase | None = None
        self._readings: list[float] = []
        self._rate_hz = config.sample_rate_hz

    def open(self) -> None:
        self._port = serial.serial_for_url(self.config.port, timeout=1.0)
        self._ask(f"CONF:CURR:DC {self.config.range_a}")

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None

    def _ask(self, command: str) -> str:
        if self._port is None:
            raise PowerMonitorError(f"power monitor '{self.name}' is not open; call open()")
        self._port.write(command.encode() + b"\n")
        return self._port.readline().decode().strip() if command.endswith("?") else ""

    def identify(self) -> dict[str, str]:
        return {"idn": self._ask("*IDN?")}

    def configure(self, settings: AcquisitionSettings) -> None:
        self._rate_hz = min(settings.sample_rate_hz, self.config.sample_rate_hz)

    def start(self) -> None:
        self._readings = []

    def _poll(self, duration_s: float) -> None:
        end = time.monotonic() + duration_s
        while time.monotonic() < end:
            self._readings.append(float(self._ask("MEAS:CURR:DC?")))
            time.sleep(1.0 / self._rate_hz)

    def stop(self, timeout_s: float = 5.0) -> CurrentTrace:
        return CurrentTrace(
            samples=np.asarray(self._readings, dtype=np.float64),
            sample_rate_hz=float(self._rate_hz),
            voltage_mv=float(self.config.supply_mv),
            output=OutputMode.CURRENT,
            method={"power": "scpi-ammeter", "range_a": self.config.range_a},
        )

    def wait(self, timeout_s: float) -> CurrentTrace:
        self._poll(timeout_s)
        return self.stop()

    @contextmanager
    def capture_session(
        self, settings: AcquisitionSettings, timeout_s: float = 30.0
    ) -> Iterator[CaptureHandle]:
        handle = CaptureHandle()
        self.configure(settings)
        self.start()
        yield handle
        handle.set_trace(self.wait(settings.acquisition_time_s or 0.0))
