"""An STLINK-V3PWR or LPM01A (``farm.powermon``) on a Linux board's supply rail.

The monitor sits on the lab PC, so its capture runs around the whole remote run, on the lab
clock: sample ``i`` is taken at ``t_start + i / sample_rate_hz``, where ``t_start`` is when the
driver's ``start()`` returned (the acquisition's own start latency, milliseconds at most, is
recorded as part of the method). The runner's ``@@phase`` marks then cut the timed window out
of the capture exactly as for the ``external`` command monitor.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np

from farm.errors import PowerMonitorError

if TYPE_CHECKING:
    from farm.inventory import BoardConfig
    from farm.powermon.protocols import AcquisitionSettings, PowerMonitor

log = logging.getLogger(__name__)


class PowermonRailSampler:
    """Captures a ``farm.powermon`` monitor while a Linux board runs; samples in watts."""

    def __init__(self, name: str, monitor: PowerMonitor, settings: AcquisitionSettings) -> None:
        self.name = name
        self.monitor = monitor
        self.settings = settings
        self.command = f"{monitor.name} at {settings.sample_rate_hz} Hz, {settings.voltage_mv} mV"
        self.method: dict[str, object] = {}
        self._t_start: float | None = None

    @classmethod
    def for_board(cls, board: BoardConfig) -> PowermonRailSampler:
        """The monitor the inventory declares for ``board`` (``stlink-v3pwr`` / ``lpm01a``)."""
        from farm.powermon.from_inventory import monitor_for_board
        from farm.powermon.protocols import OutputMode

        monitor, settings = monitor_for_board(board)
        # A free-running capture (no trigger wire to a Linux board), in amps.
        settings = settings.model_copy(update={"acquisition_time_s": None,
                                               "output": OutputMode.CURRENT})  # fmt: skip
        return cls(board.id, monitor, settings)

    def start(self) -> PowermonRailSampler:
        """Open, configure and start the acquisition; sample 0 is stamped now."""
        self.monitor.open()
        try:
            self.monitor.configure(self.settings)
            self.monitor.start()
        except Exception:
            self.monitor.close()
            raise
        self._t_start = time.monotonic()
        return self

    def stop(self) -> list[tuple[float, float]]:
        """Stop the acquisition; samples as (lab monotonic_s, watts)."""
        if self._t_start is None:
            return []
        try:
            trace = self.monitor.stop()
        finally:
            self.monitor.close()
        if str(getattr(trace.output, "value", trace.output)) != "current":
            raise PowerMonitorError(
                f"power monitor '{self.monitor.name}': returned {trace.output} samples; a Linux "
                "board's capture needs output current",
                board=self.name,
            )
        self.method = dict(trace.method)
        volts = trace.voltage_mv / 1000.0
        times = self._t_start + np.arange(trace.samples.size) / trace.sample_rate_hz
        return list(zip(times.tolist(), (trace.samples * volts).tolist(), strict=True))
