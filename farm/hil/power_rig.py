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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm.errors import PowerMonitorError
from farm.powermon.energy import (
    EnergyResult,
    InferenceWindow,
    energy_from_events,
    energy_from_windows,
)
from farm.powermon.protocols import AcquisitionSettings, CurrentTrace, PowerMonitor

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.protocols import BoardFacts
    from farm.dut import DutSession
    from farm.inventory import BoardConfig
    from farm.powermon.emulator import EmulatorHandle

log = logging.getLogger(__name__)

LEAD_S = 0.002  # idle time captured before and after the window: edges stay inside the trace
CAPTURE_TIMEOUT_S = 60.0


@dataclass
class Capture:
    """One measured window: the trace, the energy figures and the ground truth if known."""

    trace: CurrentTrace
    windows: list[tuple[float, float]]
    energy: EnergyResult
    method: str
    truth_uj: float | None = None


def _analyse(trace: CurrentTrace, window: InferenceWindow, events: bool) -> EnergyResult:
    if events:
        return energy_from_events(trace, window.inferences)
    return energy_from_windows(trace, [window])


class MonitorRig:
    """A real monitor wired to a real board."""

    def __init__(self, monitor: PowerMonitor, settings: AcquisitionSettings, kind: str) -> None:
        self.monitor = monitor
        self.settings = settings
        self.kind = kind

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
        return Capture(trace, [(0.0, elapsed / 1e6)], energy, f"{self.kind} {_alignment(events)}")

    def close(self) -> None:
        self.monitor.close()


class EmulatedRig:
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

    def capture(self, dut: DutSession, facts: BoardFacts, n: int, warmup: int) -> Capture:
        """Run on the twin, then stream the window's current model through the emulator."""
        from farm.powermon.activity import ActivityProfile

        result = dut.infer(n, warmup)
        if result.cycles is None or not facts.cycles_per_instruction:
            raise PowerMonitorError(
                f"board '{facts.board_id}': the twin reported no instruction count (cycles%)",
                board=facts.board_id,
            )
        active_s = result.cycles * facts.cycles_per_instruction / facts.clock_hz
        run_ua = self.target.run_current_ua(facts.clock_hz) or 0.0
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
        method = (
            f"{self.kind} {_alignment(events)}; virtual: catalog current "
            f"{run_ua / 1000:.2f} mA run / {idle_ua / 1000:.3f} mA idle at "
            f"{facts.clock_hz / 1e6:g} MHz, window from QEMU instruction count"
        )
        return Capture(trace, [(start, end)], energy, method, truth_uj)

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
    from farm.powermon.emulator import start_emulator

    idle_a = (target.idle_current_ua or 0.0) * 1e-6
    handle = start_emulator(kind, ConstantSource(idle_a), realtime=False)  # type: ignore[arg-type]
    try:
        wired = replace_port(config, handle.port)
        monitor, settings = monitor_for_board(wired)
        monitor.open()
    except BaseException:
        handle.stop()
        raise
    log.info("board %s: emulated %s on %s", config.id, kind, handle.port)
    return EmulatedRig(monitor, settings, kind, handle, target)


def replace_port(config: BoardConfig, port: str) -> BoardConfig:
    """A copy of ``config`` whose power monitor is on ``port`` (frozen pydantic models)."""
    monitor = config.power_monitor.model_copy(update={"port": port})
    return config.model_copy(update={"power_monitor": monitor})
