"""Current sources for the emulators: amps as a function of device time since the trigger.

A source is any callable ``source(t) -> amps`` on numpy arrays. The emulators report the mean
current over each sample period when the source offers ``mean_a(t0, t1)`` (as a real monitor
integrates between samples); otherwise they sample the middle of the period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

CurrentSource = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ConstantSource:
    """A constant current (``farm power emulate --current-ma X``)."""

    current_a: float

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.full(np.shape(t), self.current_a, dtype=np.float64)

    def mean_a(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """Mean current over each interval [t0, t1]."""
        return np.full(np.shape(t0), self.current_a, dtype=np.float64)

    def energy_j(self, start_s: float, end_s: float, voltage_v: float) -> float:
        """Exact energy over [start_s, end_s] at ``voltage_v``."""
        return voltage_v * self.current_a * (end_s - start_s)


@dataclass(frozen=True)
class ActivityProfile:
    """Idle current, with active current exactly during the given windows of device time.

    The virtual lab builds one per measurement: the active current is the catalog's run current
    (uA/MHz x the twin's clock), the windows are the inference windows the firmware reports.
    """

    idle_current_a: float
    active_current_a: float
    windows: Sequence[tuple[float, float]] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for start, end in self.windows:
            if end < start:
                raise ValueError(f"activity window ({start}, {end}) ends before it starts")

    def __call__(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        active = np.zeros(t.shape, dtype=bool)
        for start, end in self.windows:
            active |= (t >= start) & (t < end)
        return np.where(active, self.active_current_a, self.idle_current_a)

    def _active_time(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        overlap = np.zeros(np.shape(t0), dtype=np.float64)
        for start, end in self.windows:
            overlap += np.clip(np.minimum(t1, end) - np.maximum(t0, start), 0.0, None)
        return overlap

    def mean_a(self, t0: np.ndarray, t1: np.ndarray) -> np.ndarray:
        """Exact mean current over each interval [t0, t1] (t1 > t0)."""
        t0 = np.asarray(t0, dtype=np.float64)
        t1 = np.asarray(t1, dtype=np.float64)
        active = self._active_time(t0, t1)
        span = t1 - t0
        delta = self.active_current_a - self.idle_current_a
        return self.idle_current_a + delta * active / span

    def energy_j(self, start_s: float, end_s: float, voltage_v: float) -> float:
        """Ground truth: V x integral of I dt over [start_s, end_s], computed exactly."""
        active = float(self._active_time(np.array([start_s]), np.array([end_s]))[0])
        charge = self.idle_current_a * (end_s - start_s)
        charge += (self.active_current_a - self.idle_current_a) * active
        return voltage_v * charge


def sample_means(
    source: CurrentSource, first: int, count: int, rate_hz: float, origin_s: float = 0.0
) -> np.ndarray:
    """Values of samples ``first .. first+count-1``: sample k covers (k/f, (k+1)/f] after the
    acquisition start, which is source time ``origin_s``."""
    k = np.arange(first, first + count, dtype=np.float64)
    mean = getattr(source, "mean_a", None)
    if mean is not None:
        t0, t1 = origin_s + k / rate_hz, origin_s + (k + 1) / rate_hz
        return np.asarray(mean(t0, t1), dtype=np.float64)
    return np.asarray(source(origin_s + (k + 0.5) / rate_hz), dtype=np.float64)


def source_clock_s(source: CurrentSource) -> float | None:
    """How far a source that follows a live board is known (its ``horizon_s``); None for a
    source known at all times (constant, profile)."""
    horizon = getattr(source, "horizon_s", None)
    return None if horizon is None else float(horizon)
