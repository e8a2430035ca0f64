"""Command interpreter and acquisition state of an emulated PowerShield-family monitor.

Strict on purpose (drivers must be tolerant, emulators must follow specs/powermon.md): every
malformed command or argument is answered ``error <command>`` + ``Error detail:``.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from farm.powermon.activity import CurrentSource, source_clock_s
from farm.powermon.binary_codec import fixed_frame, text_frame
from farm.powermon.emulator_faults import FaultInjection
from farm.powermon.emulator_stream import AcquisitionStream, StreamSettings
from farm.powermon.emulator_traits import DeviceTraits
from farm.powermon.numbers import format_ascii_sample, parse_number
from farm.powermon.protocols import SAMPLE_RATES_HZ

log = logging.getLogger(__name__)

FREE_COMMANDS = frozenset({"powershield", "version", "help", "status", "htc", "power_monitor"})
DURING_ACQUISITION = frozenset({"stop", "targrst", "status"})
BINARY_CHUNK_SAMPLES = 8192
ASCII_CHUNK_SAMPLES = 1000
TEMP_DEGC = 25.0  # die temperature the emulator reports
TEMP_PCB_DEGC = 31.5  # board (PCB) temperature, `temp refresh pcb`
STOP_CATCH_UP_S = 5.0
"""Longest a ``stop`` waits for a live board's reports to catch up with it (the board asleep,
reports after the stop) before it fixes the stream's end at what is known; then also the
longest the stream may stand still on its way to that end (on a loaded host it moves slowly,
and cutting it would lose measured samples)."""
START_CATCH_UP_S = 1.0
"""Longest a ``start`` waits for a live board's reports to catch up (the board asleep, reports
after the start) before it arms: well under the host's 5 s wait for the ack."""
RATE_LIST = " ".join(f"{r // 1000}k" if r >= 1000 else str(r) for r in SAMPLE_RATES_HZ)


@dataclass
class _Stopping:
    """A ``stop`` waiting for a live board: its line, the source's progress when it came, the
    wall-clock deadline, the sample the stream ends at (once fixed) and the samples sent."""

    line: str
    since: int
    deadline: float
    end: int | None = None
    sent: int = 0


@dataclass
class _Starting:
    """A ``start`` waiting for a live board's reports: its line, the source's progress when it
    came, the wall-clock deadline, and whether the reports caught up (it arms on the next
    turn, after the edges reported before are handled)."""

    line: str
    since: int
    deadline: float
    ready: bool = False


class ArgumentError(Exception):
    """A command's arguments are wrong; the text becomes the ``Error detail:`` line."""


class EmulatedPowerShield:
    """Interprets command lines and produces the reply and stream bytes, in order."""

    def __init__(
        self,
        traits: DeviceTraits,
        source: CurrentSource,
        *,
        fault: FaultInjection,
        recalibration_s: float,
        realtime: bool,
        uid: str,
        trigger_after_s: float | None = None,
    ) -> None:
        self.traits = traits
        self.source = source
        self.fault = fault
        self.recalibration_s = recalibration_s
        self.realtime = realtime
        self.uid = uid
        self.trigger_after_s = trigger_after_s
        self.target_powered = False
        self.output: collections.deque[tuple[float, bytes]] = collections.deque()
        self.session = False
        self.voltage_mv = 3300.0
        self.rate_hz = 1000
        self.acq_samples_s: float | None = None
        self.format = "ascii_dec"
        self.out_mode = "current"
        self.trigsrc = "sw"
        self.eventsrc = False
        self.error_state: str | None = None
        self.state = "idle"  # idle | armed | running
        self.stream: AcquisitionStream | None = None
        self.started_at = 0.0
        self.scheduled_edges: list[float] = []
        self.close_requested = False
        self.stopping: _Stopping | None = None
        self.starting: _Starting | None = None
        self._handlers: dict[str, Callable[[list[str]], list[str]]] = {
            "powershield": self._powershield, "version": self._version, "help": self._help,
            "status": self._status, "htc": self._session, "power_monitor": self._session,
            "hrc": self._end_session, "volt": self._volt, "freq": self._freq,
            "acqtime": self._acqtime, "format": self._format, "output": self._output,
            "trigsrc": self._trigsrc, "trigdelay": self._time_arg, "eventsrc": self._eventsrc,
            "pwr": self._pwr, "pwrend": self._on_off, "targrst": self._time_arg,
            "temp": self._temp, "range": lambda a: ["auto"], "apiver": lambda a: ["1.0"],
        }  # fmt: skip

    # --- output ----------------------------------------------------------------------------

    def emit(self, data: bytes, delay_s: float = 0.0) -> None:
        """Queue bytes; with a delay they (and everything after them) wait."""
        self.output.append((time.monotonic() + delay_s, data))

    def busy(self) -> bool:
        """True while a delayed reply (recalibration) or a start is pending: commands wait."""
        if self.starting is not None:
            return True
        return bool(self.output) and self.output[0][0] > time.monotonic()

    def _binary_running(self) -> bool:
        return self.state == "running" and self.format == "bin_hexa"

    def _reply_error(self, line: str, detail: str) -> None:
        if self._binary_running():
            self.emit(text_frame(0xF1, f"error {line}: {detail}"))
        else:
            self.emit(self.traits.error(line, detail))

    # --- commands --------------------------------------------------------------------------

    def on_line(self, line: str) -> None:
        """Handle one command line as received (without its line end)."""
        line = " ".join(line.split())
        if not line:
            return
        name, args = line.split()[0], line.split()[1:]
        allowed = name in self.traits.extra_commands or name not in {
            "htc", "hrc", "eventsrc", "power_monitor", "range", "apiver",
        }  # fmt: skip
        if (name not in self._handlers and name not in ("start", "stop")) or not allowed:
            self._reply_error(line, f"unknown command '{name}'; send 'help' for the list")
        elif self.state != "idle" and name not in DURING_ACQUISITION:
            self._reply_error(line, "acquisition running; send 'stop' first")
        elif name == "start":
            self._start(line)
        elif name == "stop":
            self._stop(line)
        elif not self.session and name not in FREE_COMMANDS:
            detail = f"host has not taken control; send '{self.traits.session_start}' first"
            self._reply_error(line, detail)
        else:
            self._run_handler(line, name, args)

    def _run_handler(self, line: str, name: str, args: list[str]) -> None:
        try:
            data = self._handlers[name](args)
        except ArgumentError as exc:
            self._reply_error(line, str(exc))
            return
        if name == "powershield":
            self.emit(self.traits.ack(data[0], [], whole=True))  # the identity is data
        elif name == "targrst" and self._binary_running():
            self.emit(fixed_frame(0xF6, b"", self.traits.frame_lengths))
        elif name == "volt" and args and args[-1] != "get":
            self.emit(self.traits.ack(line, data), delay_s=self.recalibration_s)
        else:
            self.emit(self.traits.ack(line, data))
        if self.fault.nul_bytes and not self._binary_running():
            self.emit(b"\x00")

    @staticmethod
    def _expect(args: list[str], count: int) -> None:
        if len(args) != count:
            raise ArgumentError(f"expected {count} argument(s), got {len(args)}")

    def _powershield(self, args: list[str]) -> list[str]:
        self._expect(args, 0)
        return [self.traits.identity.format(uid=self.uid)]

    def _version(self, args: list[str]) -> list[str]:
        self._expect(args, 0)
        return list(self.traits.version)

    def _help(self, args: list[str]) -> list[str]:
        return [" ".join(sorted(set(self._handlers) | {"start", "stop"}))]

    def _status(self, args: list[str]) -> list[str]:
        state, self.error_state = self.error_state, None  # status clears the error state
        return ["ok"] if state is None else [f"error: {state}"]

    def _session(self, args: list[str]) -> list[str]:
        self._expect(args, 0)
        self.session = True
        return []

    def _end_session(self, args: list[str]) -> list[str]:
        self._expect(args, 0)
        self.session = False
        return []

    def _number(self, token: str, low: float, high: float, what: str) -> float:
        try:
            value = parse_number(token, allow_seconds_suffix=self.traits.seconds_suffix)
        except ValueError as exc:
            raise ArgumentError(f"{what} '{token}' is not a number like 3300m or 1k") from exc
        if not low <= value <= high:
            raise ArgumentError(f"{what} '{token}' out of range {low:g}..{high:g}")
        return value

    def _volt(self, args: list[str]) -> list[str]:
        if self.traits.device == "stlink-v3pwr" and args[:1] in (["vout"], ["vaux"]):
            args = args[1:]
        self._expect(args, 1)
        if args[0] == "get":
            return [format_ascii_sample(self.voltage_mv / 1000.0)]
        low, high = self.traits.voltage_range_mv
        self.voltage_mv = self._number(args[0], low / 1000, high / 1000, "voltage") * 1000
        return []

    def _freq(self, args: list[str]) -> list[str]:
        self._expect(args, 1)
        value = self._number(args[0], 1, 100000, "frequency")
        if value not in SAMPLE_RATES_HZ:
            raise ArgumentError(f"frequency '{args[0]}' not supported; one of {RATE_LIST}")
        self.rate_hz = int(value)
        return []

    def _acqtime(self, args: list[str]) -> list[str]:
        self._expect(args, 1)
        if args[0] in ("0", "inf"):
            self.acq_samples_s = None
        else:
            self.acq_samples_s = self._number(args[0], 100e-6, 100.0, "acquisition time")
        return []

    def _choice(self, args: list[str], allowed: set[str] | frozenset[str], what: str) -> str:
        self._expect(args, 1)
        if args[0] not in allowed:
            raise ArgumentError(f"{what} '{args[0]}' not supported; one of {sorted(allowed)}")
        return args[0]

    def _format(self, args: list[str]) -> list[str]:
        self.format = self.traits.formats[self._choice(args, set(self.traits.formats), "format")]
        return []

    def _output(self, args: list[str]) -> list[str]:
        self.out_mode = self._choice(args, self.traits.outputs, "output")
        return []

    def _trigsrc(self, args: list[str]) -> list[str]:
        self.trigsrc = self._choice(args, self.traits.trigger_sources, "trigger source")
        return []

    def _eventsrc(self, args: list[str]) -> list[str]:
        if args == ["none"]:
            self.eventsrc = False
        elif len(args) == 2 and args[0] == "d7" and args[1] in ("fal", "ris"):
            self.eventsrc = True
        else:
            raise ArgumentError("event source must be 'd7 fal', 'd7 ris' or 'none'")
        return []

    def _time_arg(self, args: list[str]) -> list[str]:
        self._expect(args, 1)
        self._number(args[0], 0.0, 100.0, "time")
        return []

    def _on_off(self, args: list[str]) -> list[str]:
        self._choice(args, {"on", "off"}, "state")
        return []

    def _pwr(self, args: list[str]) -> list[str]:
        if self.traits.device == "stlink-v3pwr" and args[:1] == ["vout"]:
            args = args[1:]
        if not 1 <= len(args) <= 2 or args[0] not in ("on", "off", "auto", "get"):
            raise ArgumentError("expected on|off|auto|get [status|nostatus]")
        if len(args) == 2 and args[1] not in ("status", "nostatus"):
            raise ArgumentError(f"option '{args[1]}' not supported; one of status, nostatus")
        if args[0] == "get":
            return ["on" if self.target_powered else "off"]
        if args[0] in ("on", "off"):
            self.target_powered = args[0] == "on"
            log.info("emulated %s: target power %s", self.traits.device, args[0])
        return []

    def _temp(self, args: list[str]) -> list[str]:
        accepted = self.traits.temp_arguments
        if tuple(args) not in accepted:
            forms = [f"'{' '.join(a)}'" for a in accepted if a]
            raise ArgumentError(f"expected no argument, {', '.join(forms)}")
        if args == ["degf"]:
            return [f"{TEMP_DEGC * 9 / 5 + 32:.1f}"]
        if args[:1] == ["refresh"]:
            return [f"{TEMP_PCB_DEGC:.1f}"]
        return [f"{TEMP_DEGC:.1f}"]

    # --- acquisition -----------------------------------------------------------------------

    def _ascii_limit(self) -> str | None:
        if self.format != "ascii_dec" or self.rate_hz <= 5000:
            return None
        limit_s = {10000: 1.0, 20000: 0.5}.get(self.rate_hz)
        if limit_s is None:
            return f"ascii_dec is limited to 20 kHz; use the binary format at {self.rate_hz} Hz"
        if self.acq_samples_s is None or self.acq_samples_s > limit_s:
            return f"ascii_dec at {self.rate_hz} Hz is limited to acqtime {limit_s:g} s"
        return None

    def _start(self, line: str) -> None:
        if not self.session:
            detail = f"host has not taken control; send '{self.traits.session_start}' first"
            self._reply_error(line, detail)
            return
        if (problem := self._ascii_limit()) is not None:
            self._reply_error(line, problem)
            return
        progress = getattr(self.source, "progress", None)
        if progress is not None:
            # A live board's reports may still be on their way (a loaded host): a pin edge it
            # made before this start, reported late, must not trigger an acquisition a real
            # monitor armed now would never have seen. Arm once the reports caught up (it
            # sleeps, reports came after the start); edges until then are ignored (idle).
            self.starting = _Starting(line, progress(), time.monotonic() + START_CATCH_UP_S)
            return
        self._arm(line)

    def _arm(self, line: str) -> None:
        total = None if self.acq_samples_s is None else round(self.acq_samples_s * self.rate_hz)
        settings = StreamSettings(
            rate_hz=self.rate_hz,
            binary=self.format == "bin_hexa",
            energy_output=self.out_mode == "energy",
            voltage_mv=self.voltage_mv,
            total_samples=total,
            event_lines=self.eventsrc,
        )
        self.stream = AcquisitionStream(settings=settings, source=self.source, fault=self.fault)
        # A software start begins sampling at the board's present (a live source's horizon).
        self.stream.origin_s = source_clock_s(self.source) or 0.0
        for at_s in self.scheduled_edges:
            self.stream.add_event(at_s)
        self.scheduled_edges = []
        self.emit(self.traits.ack(line, []))
        self.state = "armed" if self.trigsrc != "sw" else "running"
        self.started_at = time.monotonic()

    def _stop(self, line: str) -> None:
        if self.state == "idle":
            self.emit(self.traits.ack(line, []))
            return
        progress = getattr(self.source, "progress", None)
        if self.state == "running" and progress is not None:
            # A stream fed by a live board: before ending, sample all the board did until
            # now, as a real monitor has; its reports may still be on their way. The serving
            # loop keeps streaming what is known meanwhile (pump), so the reader never sees
            # a silence while samples are due.
            self.stopping = _Stopping(line, progress(), time.monotonic() + STOP_CATCH_UP_S)
            return
        self._finish(stop_line=line)

    def _stop_when_caught_up(self, known: int | None) -> None:
        """End a stopping stream at the board's time of the stop: once its reports caught up
        (it sleeps, reports came after the stop) the end is fixed at what is known then, and
        the stream ends when every sample up to it is out."""
        stopping, stream = self.stopping, self.stream
        assert stopping is not None and stream is not None
        now = time.monotonic()
        if stopping.end is None:
            settled = getattr(self.source, "settled", None)
            if (settled is not None and settled(stopping.since)) or now > stopping.deadline:
                # A board that runs ahead of the stream (an idle twin reports every tick) must
                # not keep the stream going: its later time was not asked for.
                stopping.end = known if known is not None else stream.next_sample
                stopping.deadline, stopping.sent = now + STOP_CATCH_UP_S, stream.next_sample
            return
        if stream.next_sample != stopping.sent:  # still moving: a slow host, not a stuck one
            stopping.deadline, stopping.sent = now + STOP_CATCH_UP_S, stream.next_sample
        if stream.next_sample >= stopping.end or now > stopping.deadline:
            self.stopping = None
            self._finish(stop_line=stopping.line)

    def _finish(self, stop_line: str | None) -> None:
        stream = self.stream
        assert stream is not None
        self.emit(b"\xf0\xf4\xff\xff" if stream.settings.binary else b"end\r\n")
        text = b"" if stop_line is None else self.traits.ack(stop_line, [])
        if self.traits.completion is not None:  # the summary belongs to the completion text
            text += "".join(f"{line}\r\n" for line in stream.charge_summary()).encode()
        self.emit(text + self.traits.end_text())
        if stream.error_text is not None:
            self.error_state = stream.error_text
        self.state, self.stream = "idle", None

    def on_edge(self, at_s: float | None) -> None:
        """A TGI / D7 edge at source time ``at_s`` (None: now).

        Armed: the acquisition starts at the edge. Running: an event line (with ``eventsrc``;
        a real device ignores further TGI edges). Idle: nothing (the input is not watched).
        """
        stream = self.stream
        if self.state == "armed" and stream is not None:
            self.state = "running"
            self.started_at = time.monotonic()
            if at_s is not None:
                stream.origin_s = at_s
        elif self.state == "running" and stream is not None:
            stream.add_event(None if at_s is None else at_s - stream.origin_s)
        else:
            log.debug("%s: edge at %s while idle ignored", self.traits.device, at_s)

    def schedule_edge(self, at_s: float) -> None:
        """An edge at device time ``at_s`` of the next (or running) acquisition."""
        if self.state == "idle" or self.stream is None:
            self.scheduled_edges.append(at_s)
        else:
            self.stream.add_event(at_s)

    def pump(self, backlog_bytes: int, horizon_s: float | None = None) -> None:
        """Generate more stream if running and the reader keeps up.

        ``horizon_s``: how far a live source is known (read before the pending edges were
        handled, so no edge before it can still arrive); samples stop there. Called once a
        turn of the serving loop, after that turn's requests (edges) were handled.
        """
        if self.starting is not None:
            starting = self.starting
            if starting.ready:
                # A turn has passed since the reports caught up: every edge the board reported
                # before them was handled (ignored) at the turn's start, as the wiring sends an
                # edge before its later reports.
                self.starting = None
                self._arm(starting.line)
                return
            settled = getattr(self.source, "settled", None)
            if (
                settled is not None and settled(starting.since)
            ) or time.monotonic() > starting.deadline:
                starting.ready = True
            return
        if (
            self.state == "armed"
            and self.trigger_after_s is not None
            and time.monotonic() - self.started_at >= self.trigger_after_s
        ):
            log.info("emulated %s: trigger edge %g s after arming", self.traits.device,
                     self.trigger_after_s)  # fmt: skip
            edge_at = self.started_at + self.trigger_after_s
            self.on_edge(None)
            # The edge came at its time, however late this thread (starved on a loaded host)
            # saw it: a real-time stream starts there and catches up.
            self.started_at = edge_at
        stream = self.stream
        if self.state != "running" or stream is None:
            return
        known = None
        if horizon_s is not None:
            known = int((horizon_s - stream.origin_s) * stream.settings.rate_hz + 1e-6)
        if backlog_bytes <= 65536:
            budget = BINARY_CHUNK_SAMPLES if stream.settings.binary else ASCII_CHUNK_SAMPLES
            if self.realtime:
                due = int((time.monotonic() - self.started_at) * stream.settings.rate_hz)
                budget = min(budget, due - stream.next_sample)
            if known is not None:
                budget = min(budget, known - stream.next_sample)
            if self.stopping is not None and self.stopping.end is not None:
                budget = min(budget, self.stopping.end - stream.next_sample)
            if budget > 0:
                self.emit(stream.generate(budget))
        if stream.close_port:
            self.close_requested = True
        elif stream.finished:
            self.stopping = None
            self._finish(stop_line=None)
        elif self.stopping is not None:
            self._stop_when_caught_up(known)
