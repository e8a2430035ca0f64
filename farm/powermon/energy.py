"""Energy per inference from a trace, by either alignment method of specs/powermon.md.

* ``energy_from_windows`` (ST's V3PWR method): hardware trigger at t=0 plus the firmware's own
  timestamps; a time t maps to sample floor(t*f), the sample whose period (k/f, (k+1)/f]
  contains t, and every sample touching the window is summed.
* ``energy_from_events`` (MLPerf's LPM01A method): the samples between two event lines.

Either way the edge error is at most one sample per edge; it is reported, in uJ per inference.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from farm.errors import PowerMonitorError
from farm.powermon.protocols import CurrentTrace, OutputMode

_EPS = 1e-9  # t*f computed in floating point: 0.29*100 is 28.999999999999996


@dataclass(frozen=True)
class InferenceWindow:
    """A window of device time (seconds since the trigger) holding ``inferences`` inferences."""

    start_s: float
    end_s: float
    inferences: int = 1


@dataclass(frozen=True)
class EnergyResult:
    """Energy per inference (median over windows) with its method."""

    energy_uj: float
    window_energies_uj: tuple[float, ...]
    mean_power_mw: float
    peak_power_mw: float
    energy_uncertainty_uj: float
    n_inferences: int
    window_s: float
    method: dict[str, Any] = field(default_factory=dict)


def power_w(trace: CurrentTrace) -> np.ndarray:
    """Instantaneous power per sample (W), from amps or from joules per sample."""
    if trace.output is OutputMode.ENERGY:
        return trace.samples * trace.sample_rate_hz
    return trace.samples * (trace.voltage_mv / 1000.0)


def _window_figures(
    trace: CurrentTrace, power: np.ndarray, first: int, last: int
) -> dict[str, float]:
    """Energy, mean/peak power and edge error of samples first..last inclusive."""
    chunk = power[first : last + 1]
    f = trace.sample_rate_hz
    return {
        "energy_j": float(chunk.sum()) / f,
        "mean_w": float(chunk.mean()),
        "peak_w": float(chunk.max()),
        "edge_j": (abs(float(chunk[0])) + abs(float(chunk[-1]))) / f,
    }


def _result(
    trace: CurrentTrace,
    figures: list[dict[str, float]],
    counts: list[int],
    spans: list[float],
    extra: dict[str, Any],
) -> EnergyResult:
    per_inference = [fig["energy_j"] * 1e6 / n for fig, n in zip(figures, counts, strict=True)]
    edges = [fig["edge_j"] * 1e6 / n for fig, n in zip(figures, counts, strict=True)]
    method = dict(trace.method)
    method.update(
        {
            "sample_rate_hz": trace.sample_rate_hz,
            "voltage_mv": trace.voltage_mv,
            "output": trace.output.value,
            "windows": len(figures),
            "n": counts[0] if len(set(counts)) == 1 else counts,
            "window_s": statistics.median(spans),
            **extra,
        }
    )
    return EnergyResult(
        energy_uj=statistics.median(per_inference),
        window_energies_uj=tuple(per_inference),
        mean_power_mw=statistics.median(fig["mean_w"] for fig in figures) * 1e3,
        peak_power_mw=max(fig["peak_w"] for fig in figures) * 1e3,
        energy_uncertainty_uj=statistics.median(edges),
        n_inferences=counts[0],
        window_s=statistics.median(spans),
        method=method,
    )


def sample_index(t_s: float, sample_rate_hz: float) -> int:
    """The sample whose period (k/f, (k+1)/f] holds device time t: floor(t*f)."""
    return math.floor(t_s * sample_rate_hz + _EPS)


def energy_from_windows(trace: CurrentTrace, windows: Sequence[InferenceWindow]) -> EnergyResult:
    """V3PWR method: windows in device time since the hardware trigger.

    Raises:
        PowerMonitorError: No window, or a window outside the trace (acquisition too short).
    """
    if not windows:
        raise PowerMonitorError("energy: no inference window given; the firmware reported none")
    figures, counts, spans = [], [], []
    power = power_w(trace)
    for window in windows:
        first = sample_index(window.start_s, trace.sample_rate_hz)
        last = sample_index(window.end_s, trace.sample_rate_hz)
        if first < 0 or last >= len(power) or last < first or window.inferences < 1:
            raise PowerMonitorError(
                f"energy: window {window.start_s:.6f}..{window.end_s:.6f} s "
                f"(samples {first}..{last}, {window.inferences} inferences) is outside the trace "
                f"of {len(power)} samples; lengthen acquisition_time_s"
            )
        figures.append(_window_figures(trace, power, first, last))
        counts.append(window.inferences)
        spans.append(window.end_s - window.start_s)
    return _result(trace, figures, counts, spans, {"alignment": "hw-trigger+firmware-timestamps"})


def energy_from_events(
    trace: CurrentTrace, inferences: int, *, all_pairs: bool = False
) -> EnergyResult:
    """LPM01A method: sum between the last two event lines, divided by N (MLPerf Tiny).

    With ``all_pairs`` every pair of events (1st-2nd, 3rd-4th, ...) is a window and the result
    is the median over them.

    Raises:
        PowerMonitorError: Fewer than two event lines in the trace.
    """
    events = trace.event_indices
    if len(events) < 2 or inferences < 1:
        raise PowerMonitorError(
            f"energy: {len(events)} event line(s) in the trace, need 2 around the "
            f"{inferences} inferences; check the D7 wiring and 'eventsrc d7 fal'"
        )
    pairs = (
        list(zip(events[0::2], events[1::2], strict=False)) if all_pairs else [tuple(events[-2:])]
    )
    power = power_w(trace)
    figures, spans = [], []
    for begin, end in pairs:
        if end <= begin:
            raise PowerMonitorError(
                f"energy: empty window between events at samples {begin}, {end}"
            )
        figures.append(_window_figures(trace, power, begin, end - 1))
        spans.append((end - begin) / trace.sample_rate_hz)
    return _result(trace, figures, [inferences] * len(pairs), spans, {"alignment": "event-lines"})
