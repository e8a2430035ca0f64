"""A board's power monitor and how a capture finds the inference window: one path for every
MCU board, real or twin.

The firmware runs in MLPerf Tiny's energy mode: its timestamps are falling edges of its
timestamp pin (Arduino D7), wired to the monitor; it prints no time. The rig arms the monitor,
runs ``infer N W`` and stops the acquisition; warm-ups before the window and the result printing
after it are in the trace, and the window is found from what the monitor saw:

* a monitor with an event input (LPM01A, ``eventsrc d7``, MLPerf Tiny's method): the acquisition
  starts by software and the window lies between the two event lines of the pin's edges;
* a monitor with a hardware trigger (STLINK-V3PWR TGI, ST's method): the first edge starts the
  acquisition (t = 0) and the window's length is the firmware's read-out of its timed region
  (``cycles%``: core cycles, or a twin's instructions x the catalog factor).

The rig picks the method from the monitor's capabilities, never from its kind, and never knows
whether the device at the end of the serial port is real: on a twin the virtual lab wires the
firmware's own pin to an emulated monitor (``farm.virtual.power_bench``), which also offers the
ground truth the rig records next to the measurement (a :class:`GroundTruth`).

Faults end the test as infrastructure errors (:class:`EnergyWindowError`) naming the wiring or
the rate: a trigger that never came, missing or extra edges, a window of too few samples.
"""

from __future__ import annotations

import dataclasses
import logging
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from farm.errors import EnergyWindowError, PowerMonitorError
from farm.hil.energy_window import (
    MAX_WINDOW_INFERENCES,
    MIN_WINDOW_SAMPLES,
    WINDOW_RULES,
    WindowPlan,
    WindowRule,
    plan_window,
)
from farm.powermon.energy import (
    EnergyResult,
    InferenceWindow,
    energy_from_events,
    energy_from_windows,
)
from farm.powermon.protocols import (
    AcquisitionSettings,
    Capability,
    CurrentTrace,
    PowerMonitor,
    SampleFormat,
    TriggerSource,
)
from farm.step import step

if TYPE_CHECKING:
    from farm.devices.dut import DutSession
    from farm.devices.dut_answers import InferResult
    from farm.devices.protocols import BoardFacts
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)

__all__ = [
    "MAX_WINDOW_INFERENCES",
    "MIN_WINDOW_SAMPLES",
    "WINDOW_RULES",
    "Capture",
    "GroundTruth",
    "PowerRig",
    "WindowPlan",
    "WindowRule",
    "open_power_rig",
    "plan_window",
]

CAPTURE_TIMEOUT_S = 60.0
MIN_RESOLVED_SAMPLES = 10
"""Below this many samples a window is not measured (an edge alone would be >= 10 % of it)."""
# Worst relative rounding of one sample by the wire format: the V3PWR binary item keeps a 12-bit
# mantissa >= 256 after normalisation (half LSB 1/512), the LPM01A ASCII one 4 digits >= 1000.
RESOLUTION_REL = {SampleFormat.BINARY: 0.5 / 256, SampleFormat.ASCII: 0.5 / 1000}


class GroundTruth(Protocol):
    """What the virtual lab knows apart from the monitor: the energy the board really drew."""

    def truth_uj(self, voltage_mv: float, inferences: int) -> float | None: ...
    def describe(self) -> str: ...


@dataclass
class Capture:
    """One measurement: the last window's trace, the energy figures and the truth if known."""

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
        """What the measurement claims: reported edge uncertainty + sample rounding, relative."""
        if self.truth_uj is None:
            return None
        return self.energy.energy_uncertainty_uj / self.truth_uj + self.resolution_rel


@dataclass(frozen=True)
class _Window:
    trace: CurrentTrace
    span: tuple[float, float]
    energy: EnergyResult
    truth_uj: float | None


class PowerRig:
    """A monitor wired to a board's rail and timestamp pin; measures energy per inference.

    Args:
        monitor: the driver, open.
        settings: the inventory's acquisition settings (voltage, rate, format).
        board: board id, for messages.
        rule: window length and count.
        truth: the virtual lab's ground truth, when the board is a twin.
    """

    def __init__(
        self,
        monitor: PowerMonitor,
        settings: AcquisitionSettings,
        board: str,
        *,
        rule: WindowRule = WINDOW_RULES["samples"],
        truth: GroundTruth | None = None,
    ) -> None:
        self.monitor = monitor
        self.settings = settings
        self.board = board
        self.rule = rule
        self.truth = truth
        caps = monitor.capabilities
        self.events = (
            Capability.EVENT_LINES in caps and settings.sample_format is SampleFormat.ASCII
        )
        if not self.events and Capability.HW_TRIGGER not in caps:
            raise PowerMonitorError(
                f"power monitor '{monitor.name}' of board '{board}': neither an event input nor "
                "a hardware trigger; the energy window needs the firmware's pin on one of them",
                board=board,
            )

    @property
    def sample_rate_hz(self) -> float:
        """Sample rate the captures run at (from the inventory)."""
        return float(self.settings.sample_rate_hz)

    def alignment(self) -> str:
        """Where the window comes from, for the method text."""
        if self.events:
            return "window between the D7 events of the firmware's pin (software start)"
        return "TGI trigger from the firmware's pin + window length from its cycles% read-out"

    def plan_window(self, dut: DutSession, facts: BoardFacts, at_least: int = 1) -> WindowPlan:
        """N for a window this rig's rule accepts (see :func:`plan_window`)."""
        return plan_window(dut, facts, self.sample_rate_hz, at_least=at_least, rule=self.rule)

    @step("energy capture", args=("n", "warmup"))
    def capture(self, dut: DutSession, facts: BoardFacts, n: int, warmup: int) -> Capture:
        """``rule.windows`` acquisitions of ``infer n warmup``; the median energy of them.

        Raises:
            EnergyWindowError: The pin's edges did not give a window (wiring or rate).
        """
        taken = [self._window(dut, facts, n, warmup) for _ in range(self.rule.windows)]
        energy = _median(taken)
        truths = [w.truth_uj for w in taken if w.truth_uj is not None]
        truth_uj = statistics.median(truths) if len(truths) == len(taken) else None
        device = self.monitor.identify().get("device", self.monitor.name)
        method = f"{device} {self.alignment()}; {self.rule.describe()}"
        if self.truth is not None:
            method += f"; {self.truth.describe()}"
        capture = Capture(
            taken[-1].trace,
            [taken[-1].span],
            energy,
            method,
            truth_uj,
            RESOLUTION_REL[self.settings.sample_format],
        )
        note = f"energy: {energy.energy_uj:.6g} uJ/inference +- {energy.energy_uncertainty_uj:.3g}"
        if capture.truth_error is not None:
            note += f", ground truth {truth_uj:.6g} uJ, error {capture.truth_error:+.3%}"
        dut.console_log.note(f"{note} ({self.alignment()}, {self.sample_rate_hz:g} Hz, N={n})")
        return capture

    def _window(self, dut: DutSession, facts: BoardFacts, n: int, warmup: int) -> _Window:
        # Events: the acquisition starts by software, so the warm-ups are in the trace too.
        # Trigger: the monitor's hardware trigger input (the driver names it: TGI, D7).
        trigger = TriggerSource.SOFTWARE if self.events else TriggerSource.HARDWARE
        settings = self.settings.model_copy(
            update={"trigger": trigger, "event_lines": self.events, "acquisition_time_s": None}
        )
        self.monitor.configure(settings)
        self.monitor.start()
        try:
            result = dut.infer(n, warmup)
        except BaseException:
            try:
                self.monitor.stop(timeout_s=2.0)
            except PowerMonitorError as exc:
                log.warning("board %s: stopping after a failed infer: %s", self.board, exc)
            raise
        trace = self.monitor.stop(timeout_s=CAPTURE_TIMEOUT_S)
        if self.events:
            span, energy = self._from_events(trace, n)
        else:
            span, energy = self._from_trigger(trace, facts, result, n)
        truth = None if self.truth is None else self.truth.truth_uj(settings.voltage_mv, n)
        return _Window(trace, span, energy, truth)

    def _from_events(self, trace: CurrentTrace, n: int) -> tuple[tuple[float, float], EnergyResult]:
        events = trace.event_indices
        f = trace.sample_rate_hz
        if not events:
            raise EnergyWindowError(
                f"board '{self.board}': no edge of the firmware's timestamp pin reached the "
                f"monitor's D7 event input ({len(trace.samples)} samples, 0 events); check the "
                "wire from the timestamp pin to D7 and that the firmware runs in energy mode",
                board=self.board,
            )
        if len(events) != 2:
            raise EnergyWindowError(
                f"board '{self.board}': {len(events)} edges on the monitor's D7 event input "
                f"at samples {events} of {len(trace.samples)}, expected 2 (before and after "
                f"the {n} inferences); an "
                "unexpected edge: check the D7 wiring and the firmware's timestamps",
                board=self.board,
            )
        self._check_resolved(events[1] - events[0], n)
        return (events[0] / f, events[1] / f), energy_from_events(trace, n)

    def _from_trigger(
        self, trace: CurrentTrace, facts: BoardFacts, result: InferResult, n: int
    ) -> tuple[tuple[float, float], EnergyResult]:
        latency_us = facts.latency_us(result)
        if latency_us is not None:
            # A window shorter than a few sample periods may end before the first sample
            # after the trigger: that, not the wire, is then the cause of an empty trace.
            self._check_resolved(latency_us * n / 1e6 * trace.sample_rate_hz, n)
        if len(trace.samples) == 0:
            raise EnergyWindowError(
                f"board '{self.board}': the monitor's trigger never came (armed, 0 samples "
                "after the inferences); check the wire from the firmware's timestamp pin to "
                "the monitor's TGI trigger input and that the firmware runs in energy mode",
                board=self.board,
            )
        if latency_us is None:
            raise EnergyWindowError(
                f"board '{self.board}': no read-out of the window's length (cycles%); a "
                "hardware-trigger window needs it, or a monitor with an event input",
                board=self.board,
            )
        length_s = latency_us * n / 1e6
        if length_s > trace.duration_s:
            raise EnergyWindowError(
                f"board '{self.board}': the timed region ({length_s:.6g} s read out) ends after "
                f"the acquisition ({trace.duration_s:.6g} s from the trigger to stop): the "
                "trigger came late; check the wire from the timestamp pin to TGI",
                board=self.board,
            )
        energy = energy_from_windows(trace, [InferenceWindow(0.0, length_s, n)])
        return (0.0, length_s), energy

    def _check_resolved(self, samples: float, n: int) -> None:
        if samples < MIN_RESOLVED_SAMPLES:
            raise EnergyWindowError(
                f"board '{self.board}': the window of {n} inferences spans {samples:.3g} "
                f"samples at {self.sample_rate_hz:g} Hz, shorter than the monitor resolves "
                f"(>= {MIN_RESOLVED_SAMPLES}); raise the sample rate or N",
                board=self.board,
            )

    def close(self) -> None:
        """Release the monitor."""
        self.monitor.close()


def _median(taken: list[_Window]) -> EnergyResult:
    """One result from several windows: median energy and power, largest peak."""
    results = [w.energy for w in taken]
    if len(results) == 1:
        return results[0]
    per = tuple(r.energy_uj for r in results)
    method = dict(results[0].method)
    method["windows"] = len(results)
    return dataclasses.replace(
        results[0],
        energy_uj=statistics.median(per),
        window_energies_uj=per,
        mean_power_mw=statistics.median(r.mean_power_mw for r in results),
        peak_power_mw=max(r.peak_power_mw for r in results),
        energy_uncertainty_uj=statistics.median(r.energy_uncertainty_uj for r in results),
        window_s=statistics.median(r.window_s for r in results),
        method=method,
    )


def open_power_rig(
    config: BoardConfig,
    *,
    port: str | None = None,
    overrides: dict[str, object] | None = None,
    rule: WindowRule = WINDOW_RULES["samples"],
    truth: GroundTruth | None = None,
) -> PowerRig:
    """The rig of a board from its inventory entry, its monitor's driver opened.

    Args:
        config: the board's inventory entry.
        port: where the monitor is (None: the inventory's ``power_monitor.port`` or discovery);
            the virtual lab passes its emulator's pty.
        overrides: driver config fields the inventory does not hold (the virtual lab's
            emulator acks ``volt`` after its recalibration: no settle pause).
        rule: window length and count.
        truth: the virtual lab's ground truth for a twin.
    """
    from farm.powermon.from_inventory import monitor_for_board

    if port is not None:
        monitor_config = config.power_monitor.model_copy(update={"port": port})
        config = config.model_copy(update={"power_monitor": monitor_config})
    monitor, settings = monitor_for_board(config, overrides)
    monitor.open()
    try:
        return PowerRig(monitor, settings, config.id, rule=rule, truth=truth)
    except BaseException:
        monitor.close()
        raise
