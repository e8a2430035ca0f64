"""The virtual lab's power bench for one QEMU twin: its rail and its timestamp pin, wired to an
emulated monitor, as the real bench wires a Nucleo to an STLINK-V3PWR or an LPM01A.

The twin's firmware reports on its wire (``farm.devices.qemu_wire``) when the core sleeps and
wakes and when it pulls its timestamp pin, stamped in virtual ns (= instructions while running,
QEMU ``-icount shift=0``). Here those become the real target's time: a running stretch of I
instructions lasts ``I x cycles_per_instruction / clock`` (the cycle model's estimate for the
prepared image and model, or the catalog's flat factor as a labelled fallback), a sleeping stretch its
virtual duration (QEMU's idle virtual clock follows the host's). Then:

* the rail: an :class:`ActivityTimeline` at the catalog's run current while running and its idle
  current while sleeping, which the emulator samples as the board's time becomes known;
* the pin: each falling edge goes to the emulator's trigger/event input at the edge's time
  (TGI on the STLINK-V3PWR, D7 on the LPM01A), unless the inventory cut or delayed the wire;
* the ground truth: the energy the rail drew over the firmware's own timed region (reported
  after it, with the region's two cycle-counter readings), computed here, apart from the
  monitor, its driver and the analysis.
"""

from __future__ import annotations

import bisect
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from farm.devices.qemu_wire import TwinWire, WireRecord
from farm.errors import ConfigError
from farm.inventory import WireState
from farm.powermon.activity_timeline import ActivityTimeline
from farm.powermon.emulator import TRAITS as EMULATOR_TRAITS
from farm.powermon.emulator import EmulatorHandle, start_emulator

if TYPE_CHECKING:
    from farm.catalog import TargetSpec
    from farm.devices.protocols import BoardFacts
    from farm.inventory import BoardConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimedRegion:
    """The firmware's timed region in the target's time (seconds since the twin's boot)."""

    start_s: float
    end_s: float


class TwinTimebase:
    """Virtual ns of a twin's records -> the real target's seconds since boot."""

    def __init__(self, seconds_per_instruction: float) -> None:
        self.seconds_per_instruction = seconds_per_instruction
        self._ns: list[int] = [0]  # anchors: at each state change, virtual ns and target s
        self._s: list[float] = [0.0]
        self._running: list[bool] = [True]

    def reset(self) -> None:
        """A new boot: time 0, running."""
        self._ns, self._s, self._running = [0], [0.0], [True]

    def seconds(self, ns: int) -> float:
        """Target time of virtual time ``ns`` (also for a time before the last record)."""
        i = max(bisect.bisect_right(self._ns, ns) - 1, 0)
        rate = self.seconds_per_instruction if self._running[i] else 1e-9
        return self._s[i] + (ns - self._ns[i]) * rate

    def change(self, ns: int, running: bool) -> float:
        """The core starts running (or sleeping) at ``ns``; returns its target time."""
        ns = max(ns, self._ns[-1])
        seconds = self.seconds(ns)
        self._ns.append(ns)
        self._s.append(seconds)
        self._running.append(running)
        return seconds


class TwinPowerBench:
    """An emulated monitor on a pty, fed by one twin's wire.

    Args:
        wire: the twin's wire (``QemuBoard.wire``).
        facts: the twin's facts (clock and cycles-per-instruction of the real target).
        config: the board's inventory entry (monitor type, wire state and delay).
        target: the real target (run and idle current).

    Raises:
        ConfigError: The catalog has no run current for the target.
    """

    def __init__(
        self, wire: TwinWire, facts: BoardFacts, config: BoardConfig, target: TargetSpec
    ) -> None:
        run_ua = target.run_current_ua(facts.clock_hz)
        if not run_ua or not facts.cycles_per_instruction:
            raise ConfigError(
                f"target '{target.name}': no run_current_ua_per_mhz or cycles per instruction "
                "in the catalog; the virtual lab needs both to model a twin's supply current"
            )
        self.board = config.id
        self.run_ua = float(run_ua)
        self.idle_ua = float(target.idle_current_ua or 0.0)
        self.timeline = ActivityTimeline(self.idle_ua * 1e-6, self.run_ua * 1e-6)
        self.timebase = TwinTimebase(facts.cycles_per_instruction / facts.clock_hz)
        self.factor_source = (
            f"cycle model estimate, {facts.cycles_per_instruction:.3f} cycles/instr"
            if facts.cycle_estimate is not None
            else f"flat catalog factor, fallback: {facts.cycle_fallback or 'no cycle estimate'}"
        )
        qemu = config.qemu
        self.wire_state = qemu.timestamp_wire if qemu else WireState.CONNECTED
        self.delay_s = (qemu.timestamp_wire_delay_us if qemu else 0.0) * 1e-6
        kind = str(config.power_monitor.type)
        if kind not in EMULATOR_TRAITS:
            raise ConfigError(
                f"board '{config.id}': power_monitor.type '{kind}' has no emulator; "
                f"the virtual lab emulates {', '.join(EMULATOR_TRAITS)}"
            )
        self.kind = kind
        self.handle: EmulatorHandle = start_emulator(kind, self.timeline, realtime=False)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._begin: float | None = None
        self.regions: list[TimedRegion] = []
        self.edges_s: list[float] = []
        self._wire = wire
        wire.subscribe(self._on_record)

    @property
    def driver_overrides(self) -> dict[str, object]:
        """Driver settings for the emulator: it acks ``volt`` only after its recalibration, so
        the driver's settle pause for a real device is not needed."""
        from farm.powermon.registry import get_powermon

        config = get_powermon(self.kind).config
        fields = config.model_fields if config is not None else {}
        return {"volt_settle_s": 0.0} if "volt_settle_s" in fields else {}

    @property
    def port(self) -> str:
        """The emulated monitor's pty: the driver opens it as it opens a real monitor's VCP."""
        return self.handle.port

    def describe(self) -> str:
        """What models the current, for the energy method text."""
        wire = "" if self.wire_state is WireState.CONNECTED else f", wire {self.wire_state}"
        delay = f", wire delay {self.delay_s * 1e6:g} us" if self.delay_s else ""
        return (
            f"virtual: catalog current {self.run_ua / 1000:.2f} mA running / "
            f"{self.idle_ua / 1000:.4f} mA in WFI, twin time = instructions x "
            f"{self.timebase.seconds_per_instruction * 1e9:.4g} ns ({self.factor_source})"
            f"{wire}{delay}"
        )

    def _on_record(self, kind: WireRecord, ns: int) -> None:
        with self._lock:
            if kind is WireRecord.BOOT:
                self.timebase.reset()
                self.timeline.reset()
                self._begin = None
            elif kind in (WireRecord.SLEEP, WireRecord.WAKE):
                running = kind is WireRecord.WAKE
                self.timeline.record(self.timebase.change(ns, running), running)
            elif kind is WireRecord.FALL:
                at_s = self.timebase.seconds(ns)
                self.edges_s.append(at_s)
                if self.wire_state is WireState.CONNECTED:
                    self.handle.fire_trigger(at_s + self.delay_s)  # before the horizon moves
                self.timeline.advance(at_s)
            elif kind is WireRecord.REGION_BEGIN:
                self._begin = self.timebase.seconds(ns)
            elif kind is WireRecord.REGION_END and self._begin is not None:
                self.regions.append(TimedRegion(self._begin, self.timebase.seconds(ns)))
                self._begin = None
            else:
                self.timeline.advance(self.timebase.seconds(ns))

    def truth_uj(self, voltage_mv: float, inferences: int) -> float | None:
        """Energy per inference the rail drew over the last timed region (None: no region)."""
        with self._lock:
            if not self.regions:
                return None
            region = self.regions[-1]
        joules = self.timeline.energy_j(region.start_s, region.end_s, voltage_mv / 1000.0)
        return joules / inferences * 1e6

    def close(self) -> None:
        """Unplug from the twin and stop the emulator."""
        self._wire.unsubscribe(self._on_record)
        self.handle.stop()
