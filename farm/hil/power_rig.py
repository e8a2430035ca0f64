"""A board's power monitor and how a capture lines up with the inference window.

Two rigs share one interface, so the energy test never branches on real versus virtual:

* :class:`MonitorRig`, the real lab: the driver arms its hardware trigger, the firmware runs
  ``infer N W`` and pulls its timestamp pin at the start of the timed region (TGI on the
  STLINK-V3PWR, D7 on the LPM01A), the capture is stopped afterwards and the window is the
  firmware's own timestamps (ST's V3PWR method) or the event lines (MLPerf's LPM01A method).
* :class:`EmulatedRig`, the virtual lab: QEMU has no power model, so the board runs first and
  its instruction count gives the inference window in the real target's time; the emulator on
  the pty then streams the catalog's run current inside that window and the idle current
  outside it, and the same driver, codec and energy analysis measure it. Ground truth is known.

The window is long, as in MLPerf Tiny's energy mode, so the edge error vanishes:
:func:`plan_window` times one inference (``infer 1 0``) and picks N so the window spans at least
:data:`MIN_WINDOW_SAMPLES` samples (each edge costs at most one sample: <= ~1 % of the energy).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm.errors import ConfigError, PowerMonitorError
from farm.powermon.energy import (
    EnergyResult,
    InferenceWindow,
    energy_from_events,
    energy_from_windows,
)
from farm.powermon.protocols import (
    AcquisitionSettings,
    CurrentTrace,
    PowerMonitor,
    SampleFormat,
)
from farm.step import step

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.protocols import BoardFacts
    from farm.dut import DutSession
    from farm.inventory import BoardConfig
    from farm.powermon.emulator import EmulatorHandle

log = logging.getLogger(__name__)

LEAD_S = 0.002  # idle time captured before and after the window: edges stay inside the trace
CAPTURE_TIMEOUT_S = 60.0
MIN_WINDOW_SAMPLES = 200
"""Samples a window spans at least: two edges of one sample each are <= 1 % of its energy."""
MAX_WINDOW_INFERENCES = 2000
"""Cap on N, so a tiny model at a slow sample rate keeps the twin's run short."""
# Worst relative rounding of one sample by the wire format: the V3PWR binary item keeps a 12-bit
# mantissa >= 256 after normalisation (half LSB 1/512), the LPM01A ASCII one 4 digits >= 1000.
RESOLUTION_REL = {SampleFormat.BINARY: 0.5 / 256, SampleFormat.ASCII: 0.5 / 1000}


@dataclass(frozen=True)
class WindowPlan:
    """How many inferences one energy window holds, from a timed calibration inference."""

    n: int
    inference_s: float
    sample_rate_hz: float
    min_window_s: float
    capped: bool

    @property
    def window_s(self) -> float:
        """Expected window length: N x the calibrated inference time."""
        return self.n * self.inference_s

    def describe(self) -> str:
        """``N=9 x 23.8 ms = 0.214 s (>= 0.2 s: 200 samples at 1000 Hz)`` for the method text."""
        cap = f", capped at {MAX_WINDOW_INFERENCES}" if self.capped else ""
        return (
            f"N={self.n} x {self.inference_s * 1e3:.4g} ms = {self.window_s:.4g} s "
            f"(>= {self.min_window_s:g} s: {MIN_WINDOW_SAMPLES} samples at "
            f"{self.sample_rate_hz:g} Hz{cap})"
        )


def plan_window(
    dut: DutSession,
    facts: BoardFacts,
    sample_rate_hz: float,
    *,
    at_least: int = 1,
    min_samples: int = MIN_WINDOW_SAMPLES,
    max_n: int = MAX_WINDOW_INFERENCES,
) -> WindowPlan:
    """Time one inference (``infer 1 0``) and choose N for a window of >= ``min_samples``.

    The inference time is the board's own: the twin's instruction count x the catalog's cycles
    per instruction / the real target's clock, or a real board's timestamps.

    Raises:
        PowerMonitorError: The board gave no time for the calibration inference.
    """
    calibration = dut.infer(1, 0)
    latency_us = facts.latency_us(calibration)
    if latency_us is None or latency_us <= 0:
        raise PowerMonitorError(
            f"board '{facts.board_id}': the calibration inference (infer 1 0) gave no time; "
            "the firmware must answer cycles% (twin) or m-lap-us (real board)",
            board=facts.board_id,
        )
    inference_s = latency_us / 1e6
    min_window_s = min_samples / sample_rate_hz
    wanted = max(at_least, math.ceil(min_window_s / inference_s - 1e-9))
    plan = WindowPlan(
        n=min(wanted, max_n),
        inference_s=inference_s,
        sample_rate_hz=sample_rate_hz,
        min_window_s=min_window_s,
        capped=wanted > max_n,
    )
    dut.console_log.note(f"energy window: {plan.describe()}")
    log.info("board %s: energy window %s", facts.board_id, plan.describe())
    return plan


@dataclass
class Capture:
    """One measured window: the trace, the energy figures and the ground truth if known."""

    trace: CurrentTrace
    windows: list[tuple[float, float]]
    energy: EnergyResult
    method: str
    truth_uj: float | None = None
    resolution_rel: float = 0.0
    """Worst relative rounding of a sample by the monitor's wire format."""

    @property
    def truth_error(self) -> float | None:
        """Signed relative error of the measured energy against the ground truth (if known)."""
        if self.truth_uj is None:
            return None
        return (self.energy.energy_uj - self.truth_uj) / self.truth_uj

    @property
    def truth_bound(self) -> float | None:
        """What the measurement claims: reported edge uncertainty + sample rounding, relative.

        Each edge costs at most one sample; the reported uncertainty counts both edge samples,
        so a correct chain stays within it (plus the wire format's rounding of every sample).
        """
        if self.truth_uj is None:
            return None
        return self.energy.energy_uncertainty_uj / self.truth_uj + self.resolution_rel


def _analyse(trace: CurrentTrace, window: InferenceWindow, events: bool) -> EnergyResult:
    if events:
        return energy_from_events(trace, window.inferences)
    return energy_from_windows(trace, [window])


class _Rig:
    """What both rigs share: the driver, its settings and the window planning."""

    monitor: PowerMonitor
    settings: AcquisitionSettings
    kind: str

    @property
    def sample_rate_hz(self) -> float:
        """Sample rate the captures run at (from the inventory)."""
        return float(self.settings.sample_rate_hz)

    def plan_window(self, dut: DutSession, facts: BoardFacts, at_least: int = 1) -> WindowPlan:
        """N for a window long enough at this rig's sample rate (see :func:`plan_window`)."""
        return plan_window(dut, facts, self.sample_rate_hz, at_least=at_least)


class MonitorRig(_Rig):
    """A real monitor wired to a real board."""

    def __init__(self, monitor: PowerMonitor, settings: AcquisitionSettings, kind: str) -> None:
        self.monitor = monitor
        self.settings = settings
        self.kind = kind

    @step("energy capture", args=("n", "warmup"))
    def capture(self, dut: DutSession, facts: BoardFacts, n: int, warmup: int) -> Capture:
        """Arm, run ``infer n warmup``, stop; the window starts at the trigger edge."""
        events = self.kind == "lpm01a"
        settings = self.settings.model_copy(update={"event_lines": events})
        self.monitor.configure(settings)
        self.monitor.start()
        result = dut.infer(n, warmup)
        trace = self.monitor.stop(timeout_s=10.0)
        elapsed = result.elapsed_us
        if elapsed is None:
            raise PowerMonitorError(
                f"board '{facts.board_id}': the firmware gave no timestamps for the window",
                board=facts.board_id,
            )
        window = InferenceWindow(0.0, elapsed / 1e6, n)
        energy = _analyse(trace, window, events)
        method = f"{self.kind} {_alignment(events)}"
        resolution = RESOLUTION_REL[settings.sample_format]
        return Capture(trace, [(0.0, elapsed / 1e6)], energy, method, resolution_rel=resolution)

    def close(self) -> None:
        self.monitor.close()


class EmulatedRig(_Rig):
    """An emulated monitor (pty) fed with the board's activity in the real target's time."""

    def __init__(
        self,
        monitor: PowerMonitor,
        settings: AcquisitionSettings,
        kind: str,
        handle: EmulatorHandle,
        target: TargetSpec,
    ) -> None:
        self.monitor = monitor
        self.settings = settings
        self.kind = kind
        self.handle = handle
        self.target = target

    @step("energy capture", args=("n", "warmup"))
    def capture(self, dut: DutSession, facts: BoardFacts, n: int, warmup: int) -> Capture:
        """Run on the twin, then stream the window's current model through the emulator."""
        from farm.powermon.activity import ActivityProfile

        result = dut.infer(n, warmup)
        # The twin's time per inference: cycles% when the firmware has it, else its m-lap-us
        # read as a virtual instruction count (plain MLPerf Tiny firmware).
        per_inference_us = facts.latency_us(result) if facts.cycles_per_instruction else None
        if per_inference_us is None:
            raise PowerMonitorError(
                f"board '{facts.board_id}': the twin reported neither an instruction count "
                "(cycles%) nor m-lap-us timestamps",
                board=facts.board_id,
            )
        active_s = per_inference_us * n / 1e6
        window_from = "QEMU instruction count" if result.cycles is not None else "m-lap-us"
        run_ua = self.target.run_current_ua(facts.clock_hz)
        if not run_ua:
            raise ConfigError(
                f"target '{self.target.name}': no run_current_ua_per_mhz in the catalog; "
                "the virtual lab needs it to model the energy of an inference"
            )
        idle_ua = self.target.idle_current_ua or 0.0
        start, end = LEAD_S, LEAD_S + active_s
        profile = ActivityProfile(idle_ua * 1e-6, run_ua * 1e-6, [(start, end)])
        self.handle.set_source(profile)
        events = self.kind == "lpm01a"
        settings = self.settings.model_copy(
            update={"event_lines": events, "acquisition_time_s": _acqtime(end + LEAD_S)}
        )
        self.monitor.configure(settings)
        if events:  # the DUT's D7 pulses around the N inferences, at exact device times
            self.handle.schedule_edges([start, end])
        self.monitor.start()
        self.handle.fire_trigger()  # the DUT's pin at the start of the sequence
        trace = self.monitor.wait(CAPTURE_TIMEOUT_S)
        energy = _analyse(trace, InferenceWindow(start, end, n), events)
        volts = settings.voltage_mv / 1000.0
        truth_uj = profile.energy_j(start, end, volts) / n * 1e6
        error = (energy.energy_uj - truth_uj) / truth_uj
        method = (
            f"{self.kind} {_alignment(events)}; virtual: catalog current "
            f"{run_ua / 1000:.2f} mA run / {idle_ua / 1000:.3f} mA idle at "
            f"{facts.clock_hz / 1e6:g} MHz, window from {window_from}; "
            f"ground truth {truth_uj:.6g} uJ, error {error:+.3%}"
        )
        dut.console_log.note(
            f"energy: measured {energy.energy_uj:.6g} uJ/inference +- "
            f"{energy.energy_uncertainty_uj:.3g} uJ, ground truth {truth_uj:.6g} uJ, "
            f"error {error:+.3%} ({self.kind}, {settings.sample_rate_hz} Hz, N={n})"
        )
        resolution = RESOLUTION_REL[settings.sample_format]
        return Capture(trace, [(start, end)], energy, method, truth_uj, resolution)

    def close(self) -> None:
        try:
            self.monitor.close()
        finally:
            self.handle.stop()


def _alignment(events: bool) -> str:
    return "event lines (D7)" if events else "hw trigger + firmware timestamps"


def _acqtime(seconds: float) -> float:
    # acqtime takes whole microseconds on the wire; round up so the window stays inside.
    return max(1e-4, float(int(seconds * 1e6) + 1) / 1e6)


PowerRig = MonitorRig | EmulatedRig


def open_power_rig(config: BoardConfig, target: TargetSpec, virtual: bool) -> PowerRig:
    """The rig of a board from its inventory entry (an emulator on a pty for a virtual board)."""
    from farm.powermon.from_inventory import monitor_for_board

    kind = str(config.power_monitor.type.value)
    if not virtual:
        monitor, settings = monitor_for_board(config)
        monitor.open()
        return MonitorRig(monitor, settings, kind)
    from farm.powermon.activity import ConstantSource
    from farm.powermon.from_inventory import emulated_monitor_for_board

    idle_a = (target.idle_current_ua or 0.0) * 1e-6
    monitor, settings, handle = emulated_monitor_for_board(config, ConstantSource(idle_a))
    try:
        monitor.open()
    except BaseException:
        handle.stop()
        raise
    log.info("board %s: emulated %s on %s", config.id, kind, handle.port)
    return EmulatedRig(monitor, settings, kind, handle, target)
