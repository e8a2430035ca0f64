"""Energy per inference on the virtual lab against the exact ground truth of the profile."""

from __future__ import annotations

import time

import numpy as np
import pytest

from farm.errors import PowerMonitorError
from farm.powermon.activity import ActivityProfile
from farm.powermon.emulator import start_emulator
from farm.powermon.energy import (
    InferenceWindow,
    energy_from_events,
    energy_from_windows,
    sample_index,
)
from farm.powermon.protocols import (
    AcquisitionSettings,
    CurrentTrace,
    OutputMode,
    SampleFormat,
    SampleMark,
    TriggerSource,
)
from farm.powermon.trace_store import load_trace, save_trace

from .conftest import make_driver

VOLTAGE_V = 3.0
INFERENCES = 10


def _measure_windows(device: str, profile: ActivityProfile, settings: AcquisitionSettings) -> float:
    """The lead's flow: arm on hw trigger, fire, energy from the firmware's window."""
    start, end = profile.windows[0]
    with start_emulator(device, profile, realtime=False) as handle:  # type: ignore[arg-type]
        with make_driver(handle) as monitor:
            monitor.configure(settings)
            monitor.start()
            handle.fire_trigger()
            trace = monitor.wait(timeout_s=10)
    result = energy_from_windows(trace, [InferenceWindow(start, end, INFERENCES)])
    truth_uj = profile.energy_j(start, end, VOLTAGE_V) * 1e6 / INFERENCES
    error = result.energy_uj / truth_uj - 1
    print(f"{device} {settings.sample_format.value} {settings.sample_rate_hz} Hz: "
          f"{result.energy_uj:.4f} uJ vs {truth_uj:.4f} uJ, error {error * 100:+.4f} %, "
          f"edge uncertainty {result.energy_uncertainty_uj:.4f} uJ")  # fmt: skip
    assert result.method["alignment"] == "hw-trigger+firmware-timestamps"
    assert result.method["device"] == device and result.method["n"] == INFERENCES
    assert abs(result.energy_uj - truth_uj) <= result.energy_uncertainty_uj + 0.005 * truth_uj
    return error


@pytest.mark.parametrize(
    ("sample_format", "rate_hz", "max_error"),
    [(SampleFormat.BINARY, 100000, 0.005), (SampleFormat.ASCII, 1000, 0.02)],
    ids=["binary-100k", "ascii-1k"],
)
@pytest.mark.parametrize("device", ["stlink-v3pwr", "lpm01a"])
def test_accuracy(
    device: str,
    sample_format: SampleFormat,
    rate_hz: int,
    max_error: float,
    profile: ActivityProfile,
) -> None:
    """Energy per inference within ``max_error`` of the truth (coarser at 1 kHz ASCII)."""
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=rate_hz, sample_format=sample_format,
        trigger=TriggerSource.HARDWARE, acquisition_time_s=0.15,
    )  # fmt: skip
    assert abs(_measure_windows(device, profile, settings)) < max_error


def test_accuracy_lpm01a_event_lines_energy_output(profile: ActivityProfile) -> None:
    """MLPerf's method: output energy, freq 1k, eventsrc d7 fal, sum between the two events."""
    start, end = profile.windows[0]
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=1000, sample_format=SampleFormat.ASCII,
        output=OutputMode.ENERGY, event_lines=True, acquisition_time_s=0.15,
    )  # fmt: skip
    with start_emulator("lpm01a", profile, realtime=False) as handle:
        handle.schedule_edges([start, end])  # the DUT's GPIO around the N inferences
        with make_driver(handle) as monitor, monitor.capture_session(settings) as cap:
            pass
    trace = cap.trace
    assert trace.event_indices == [sample_index(start, 1000), sample_index(end, 1000)]
    result = energy_from_events(trace, INFERENCES)
    truth_uj = profile.energy_j(start, end, VOLTAGE_V) * 1e6 / INFERENCES
    error = result.energy_uj / truth_uj - 1
    print(f"lpm01a events ascii 1000 Hz energy output: {result.energy_uj:.4f} uJ vs "
          f"{truth_uj:.4f} uJ, error {error * 100:+.4f} %")  # fmt: skip
    assert abs(error) < 0.02
    assert result.method["alignment"] == "event-lines"


def test_median_over_windows_and_power_figures() -> None:
    windows = [(0.010, 0.030), (0.050, 0.070), (0.090, 0.110)]
    profile = ActivityProfile(idle_current_a=0.0005, active_current_a=0.020, windows=windows)
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=100000, trigger=TriggerSource.HARDWARE,
        acquisition_time_s=0.12,
    )  # fmt: skip
    with start_emulator("stlink-v3pwr", profile, realtime=False) as handle:
        with make_driver(handle) as monitor:
            monitor.configure(settings)
            monitor.start()
            handle.fire_trigger()
            trace = monitor.wait(timeout_s=10)
    result = energy_from_windows(trace, [InferenceWindow(a, b, 4) for a, b in windows])
    assert len(result.window_energies_uj) == 3
    assert result.energy_uj == pytest.approx(3.0 * 0.020 * 0.020 * 1e6 / 4, rel=0.005)
    assert result.peak_power_mw == pytest.approx(60.0, rel=0.005)
    assert result.mean_power_mw == pytest.approx(60.0, rel=0.005)
    from farm.hil.row_fields import energy_fields

    row = energy_fields(result)
    assert row["energy_method"] == "stlink-v3pwr" and row["sample_rate_hz"] == 100000


def test_realtime_pacing_is_not_faster_than_the_rate() -> None:
    settings = AcquisitionSettings(
        voltage_mv=3000, sample_rate_hz=1000, sample_format=SampleFormat.ASCII,
        acquisition_time_s=0.2,
    )  # fmt: skip
    with start_emulator("stlink-v3pwr", ActivityProfile(0.001, 0.002), realtime=True) as handle:
        with make_driver(handle) as monitor:
            monitor.configure(settings)
            began = time.monotonic()
            monitor.start()
            trace = monitor.wait(timeout_s=5)
            elapsed = time.monotonic() - began
    assert len(trace.samples) == 200
    assert elapsed >= 0.19


def _synthetic(samples: np.ndarray, events: list[int] = ()) -> CurrentTrace:  # type: ignore[assignment]
    marks = tuple(SampleMark(i, "event", n + 1, "ris") for n, i in enumerate(events))
    return CurrentTrace(samples=samples, sample_rate_hz=100.0, voltage_mv=2000.0,
                        output=OutputMode.CURRENT, marks=marks, method={"device": "x"})  # fmt: skip


def test_window_alignment_is_floor_of_t_times_f() -> None:
    assert sample_index(0.29, 100) == 29  # 0.29 * 100 = 28.999999999999996 in floating point
    trace = _synthetic(np.arange(100, dtype=np.float64))
    result = energy_from_windows(trace, [InferenceWindow(0.105, 0.2, 1)])
    # Samples 10..20 touch the window; sample 10 (0.10, 0.11] counts half (0.105 is its
    # middle), sample 20 (0.20, 0.21] lies wholly after the end: 2 V x (145 - 5) / 100 Hz.
    assert result.energy_uj == pytest.approx(2.0 * (sum(range(10, 20)) - 10 * 0.5) / 100 * 1e6)
    # The edge uncertainty stays the two edge samples' full energy (per inference).
    assert result.energy_uncertainty_uj == pytest.approx(2.0 * (10 + 20) / 100 * 1e6)
    with pytest.raises(PowerMonitorError, match="outside the trace"):
        energy_from_windows(trace, [InferenceWindow(0.5, 1.5, 1)])


def test_event_method_needs_two_events() -> None:
    with pytest.raises(PowerMonitorError, match="1 event line"):
        energy_from_events(_synthetic(np.ones(100), [5]), 3)
    result = energy_from_events(_synthetic(np.ones(100), [1, 5, 10, 30]), 2)
    assert result.energy_uj == pytest.approx(2.0 * 20 / 100 / 2 * 1e6)  # last pair only
    both = energy_from_events(_synthetic(np.ones(100), [1, 5, 10, 30]), 2, all_pairs=True)
    assert both.window_energies_uj == pytest.approx(
        (2.0 * 4 / 100 / 2 * 1e6, 2.0 * 20 / 100 / 2 * 1e6)
    )


def test_trace_parquet_round_trip_and_report_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from farm.results.trace import read_trace

    trace = _synthetic(np.linspace(0.001, 0.002, 50), [3, 40])
    path = save_trace(trace, tmp_path / "t.parquet", windows=[(0.03, 0.4)])
    back = load_trace(path)
    assert np.array_equal(back.samples, trace.samples) and back.marks == trace.marks
    assert back.method == {"device": "x"}
    report_view = read_trace(path)
    assert report_view.windows == [(0.03, 0.4)]
    assert report_view.t_s[0] == pytest.approx(0.01)
