"""The live current source of the virtual lab: states in the board's time, known up to a
horizon, and an emulator that samples only what is known and starts at the trigger's time."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from farm.powermon.activity_timeline import ActivityTimeline
from farm.powermon.emulator import start_emulator
from farm.powermon.protocols import AcquisitionSettings, SampleFormat, TriggerSource
from farm.powermon.stlink_v3pwr import StlinkV3PwrConfig, StlinkV3PwrMonitor

RUN_A, IDLE_A = 0.0132, 2.8e-6


# Both emulator tests arm a hardware-triggered 100 kHz binary capture on the twin's timeline.
HW_100K = AcquisitionSettings(
    voltage_mv=3300,
    sample_rate_hz=100_000,
    sample_format=SampleFormat.BINARY,
    trigger=TriggerSource.HARDWARE,
)


def _timeline() -> ActivityTimeline:
    """Running 0..1 ms, asleep 1..3 ms, running 3..4 ms, known until 4 ms."""
    timeline = ActivityTimeline(IDLE_A, RUN_A)
    timeline.record(0.001, running=False)
    timeline.record(0.003, running=True)
    timeline.advance(0.004)
    return timeline


def test_means_and_energy_are_exact() -> None:
    timeline = _timeline()
    means = timeline.mean_a(np.array([0.0, 0.0005, 0.002]), np.array([0.001, 0.0015, 0.0035]))
    # 2.0 .. 3.5 ms: 1 ms asleep, 0.5 ms running
    expected = [RUN_A, (RUN_A + IDLE_A) / 2, (IDLE_A * 1.0 + RUN_A * 0.5) / 1.5]
    assert means == pytest.approx(expected)
    # 2 ms running + 2 ms asleep at 3 V
    assert timeline.energy_j(0.0, 0.004, 3.0) == pytest.approx(3.0 * (2e-3 * RUN_A + 2e-3 * IDLE_A))
    assert timeline.horizon_s == pytest.approx(0.004)
    assert not timeline.running_at(0.002) and timeline.running_at(0.0035)
    timeline.reset()
    assert timeline.horizon_s == 0.0 and timeline.running_at(0.002)


def test_settled_needs_new_reports_and_sleep() -> None:
    """``stop`` catches up with a board that went to sleep; reports of a board that still
    runs may be on their way, so it is not settled yet."""
    timeline = _timeline()
    mark = timeline.progress()
    timeline.advance(0.005)
    timeline.advance(0.006)
    assert not timeline.settled(mark)  # two reports, but the board still runs
    timeline.record(0.007, running=False)
    assert timeline.settled(mark)
    assert not timeline.settled(timeline.progress())  # nothing new since


def test_emulator_samples_only_the_known_time_from_the_trigger() -> None:
    """Armed at 100 kHz; the edge at board time 1.5 ms starts the acquisition there; the stream
    stops at the horizon until the board's time moves on; an edge while idle is ignored."""
    timeline = _timeline()
    with start_emulator("stlink-v3pwr", timeline, realtime=False) as handle:
        handle.fire_trigger(0.0001)  # idle: not watched, must not trigger the next acquisition
        with StlinkV3PwrMonitor("t/v3pwr", StlinkV3PwrConfig(port=handle.port)) as monitor:
            monitor.configure(HW_100K)
            monitor.start()
            handle.fire_trigger(0.0015)
            time.sleep(0.2)
            timeline.advance(0.0045)  # the board's time moves on: 0.5 ms more is known
            time.sleep(0.2)
            # The board goes to sleep and reports twice more once the stop is on its way: the
            # stream ends with those reports (not before, not on a timeout).
            reports = [
                lambda: timeline.record(0.0046, running=False),
                lambda: timeline.advance(0.0047),
            ]
            threading.Timer(0.3, lambda: [report() for report in reports]).start()
            began = time.monotonic()
            trace = monitor.stop(timeout_s=5)
            assert time.monotonic() - began < 4.0
    # 1.5 .. 4.7 ms known after the trigger: 320 samples.
    assert len(trace.samples) == 320
    currents = trace.samples
    assert currents[:50] == pytest.approx(IDLE_A, rel=0.01)  # 1.5 .. 2.0 ms: asleep
    assert currents[150:310] == pytest.approx(RUN_A, rel=0.01)  # 3.0 .. 4.6 ms running
    assert currents[310:] == pytest.approx(IDLE_A, rel=0.01)  # 4.6 .. 4.7 ms asleep


def test_stop_waits_for_a_slow_stream_and_ends_at_the_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a loaded host the stream trickles out after the ``stop`` for longer than the catch-up
    time; while it moves the stop waits, so no measured sample is cut off. A board that runs
    on after the stop (an idle twin reports every tick) does not keep the stream going: it ends
    at the board's time of the stop."""
    import farm.powermon.emulator_device as emulator_device

    monkeypatch.setattr(emulator_device, "STOP_CATCH_UP_S", 0.3)
    monkeypatch.setattr(emulator_device, "BINARY_CHUNK_SAMPLES", 10)  # a slow stream
    timeline = _timeline()
    running_on = threading.Event()

    def board_runs_on() -> None:  # reports keep coming, the board never sleeps again
        t = 0.3
        while not running_on.wait(0.01):
            t += 0.01
            timeline.advance(t)

    with start_emulator("stlink-v3pwr", timeline, realtime=False) as handle:
        with StlinkV3PwrMonitor("t/v3pwr", StlinkV3PwrConfig(port=handle.port)) as monitor:
            monitor.configure(HW_100K)
            monitor.start()
            handle.fire_trigger(0.0015)
            timeline.record(0.25, running=False)  # the timed work ends, the board sleeps
            timeline.advance(0.3)  # and is known until 0.3 s: 29,850 samples after the edge
            reporter = threading.Thread(target=board_runs_on)
            reporter.start()
            try:
                trace = monitor.stop(timeout_s=60)
            finally:
                running_on.set()
                reporter.join()
    # At 10 samples a pump the 29,850 samples known at the stop take far longer than the
    # 0.3 s limit, and all of them arrive. The board's time after the stop was not asked for:
    # the end is fixed once its reports caught up (a few 10 ms reports), not followed forever.
    assert 29_850 <= len(trace.samples) < 29_850 + 20_000
    assert trace.samples[300:24_800] == pytest.approx(RUN_A, rel=0.01)  # 4.5 .. 249.5 ms
    assert trace.samples[24_900:29_850] == pytest.approx(IDLE_A, rel=0.01)  # asleep from 250 ms


def test_an_edge_reported_late_does_not_trigger_the_next_start() -> None:
    """On a loaded host the twin's reports lag: the pin edge of an earlier command can reach the
    emulator after the next ``start``. A real monitor armed then never saw that edge; the
    emulator arms once the board's reports caught up (it sleeps, reports came after the start),
    so the late edge is ignored and the next command's edge starts the acquisition."""
    timeline = _timeline()  # running from 3 ms: the board's later reports are on their way
    with start_emulator("stlink-v3pwr", timeline, realtime=False) as handle:
        with StlinkV3PwrMonitor("t/v3pwr", StlinkV3PwrConfig(port=handle.port)) as monitor:
            monitor.configure(HW_100K)

            def late_reports() -> None:
                time.sleep(0.2)
                handle.fire_trigger(0.0015)  # the earlier command's edge, reported late
                timeline.record(0.005, running=False)  # then the board went to sleep
                timeline.advance(0.006)
                timeline.advance(0.007)

            reporter = threading.Thread(target=late_reports)
            reporter.start()
            monitor.start()  # acked once the reports caught up (or at its 1 s limit)
            reporter.join()
            timeline.record(0.010, running=True)  # the next command
            handle.fire_trigger(0.010)  # its edge
            timeline.advance(0.012)
            reports = [
                lambda: timeline.record(0.012, running=False),
                lambda: timeline.advance(0.0125),
            ]
            threading.Timer(0.3, lambda: [report() for report in reports]).start()
            trace = monitor.stop(timeout_s=5)
    # From the second edge (10 ms) to the board's time at the stop (12.5 ms): 250 samples,
    # running to 12 ms. Triggered by the late edge, the trace would start at 1.5 ms, asleep.
    assert len(trace.samples) == 250
    assert trace.samples[:200] == pytest.approx(RUN_A, rel=0.01)
    assert trace.samples[200:] == pytest.approx(IDLE_A, rel=0.01)
