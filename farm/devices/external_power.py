"""``external`` power monitor: a command on the lab PC that prints watts.

Inventory form (``power_monitor``)::

    type: external
    command: "read-pi-rail --once"     # run with sh -c on the lab PC
    sample_rate_hz: 50                 # how often a one-shot command is re-run (capped at 200)

Output form: each line of the command's stdout is one sample, a number in watts. A command may
print one line and exit (it is re-run every ``1/sample_rate_hz`` s) or keep running and stream
lines; either way each value is stamped with the lab PC's ``time.monotonic()`` when it arrives.
The farm aligns the samples with the board's timed window by the ``@@phase`` markers the
remote runner streams over SSH, so the window edges are late by the one-way SSH latency
(sub-millisecond on a lab LAN); the method records this.

An STLINK-V3PWR on a Pi's rail would instead use the ``stlink-v3pwr`` driver of
``farm.powermon`` around the same window.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from typing import Any

from pydantic import Field, model_validator

from farm.devices.ina3221 import integrate_zoh, max_read_gap_s
from farm.errors import PowerMonitorError
from farm.powermon.registry import Reading, register_monitor_kind
from farm.powermon.section import MonitorSection, section_error

log = logging.getLogger(__name__)
trace = logging.getLogger(__name__ + ".trace")

MAX_RATE_HZ = 200.0


@register_monitor_kind("external", reading=Reading.LAB_COMMAND, energy_method="external-command")
class ExternalSection(MonitorSection):
    """A board's ``power_monitor`` section with ``type: external``."""

    kind = "external"

    command: str | None = None
    """The program that reads power (run with ``sh -c`` on the lab PC, prints watts)."""
    rail: str = "supply"
    """A name for the measured rail in rows."""
    sample_rate_hz: int = Field(int(MAX_RATE_HZ), gt=0)
    """How often a one-shot command is re-run (capped at MAX_RATE_HZ)."""

    @model_validator(mode="after")
    def _needs_command(self) -> ExternalSection:
        if not self.command:
            raise section_error("type external needs 'command' (the program that reads power)")
        return self


class ExternalCommandMonitor:
    """Samples a watts-printing command in a background thread while a run is in progress."""

    def __init__(self, name: str, command: str, *, sample_rate_hz: float = 50.0,
                 timeout_s: float = 5.0) -> None:  # fmt: skip
        self.name = name
        self.command = command
        self.interval_s = 1.0 / min(max(sample_rate_hz, 0.1), MAX_RATE_HZ)
        self.timeout_s = timeout_s
        self.samples: list[tuple[float, float]] = []  # (lab monotonic_s, watts)
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> ExternalCommandMonitor:
        """Start sampling; returns once the first sample arrived (or raises)."""
        self._thread = threading.Thread(target=self._loop, name=f"power-{self.name}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self.timeout_s
        while not self.samples and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.005)
        if not self.samples:
            self.stop()
            detail = self.errors[-1] if self.errors else "no output"
            raise PowerMonitorError(
                f"power monitor '{self.name}': command '{self.command}' gave no watts reading "
                f"within {self.timeout_s:.0f} s ({detail}); it must print one number (watts) "
                "per line",
                board=self.name,
            )
        return self

    def stop(self) -> list[tuple[float, float]]:
        """Stop sampling and return every sample taken."""
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 1)
        return list(self.samples)

    def __enter__(self) -> ExternalCommandMonitor:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self._run_once()
            delay = self.interval_s - (time.monotonic() - started)
            if delay > 0:
                self._stop.wait(delay)

    def _run_once(self) -> None:
        proc = subprocess.Popen(self.command, shell=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip
        self._proc = proc
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.monotonic()
            trace.debug("%s: %s", self.name, line.rstrip())
            try:
                self.samples.append((now, float(line.strip())))
            except ValueError:
                self.errors.append(f"not a number: {line.strip()[:60]!r}")
            if self._stop.is_set():
                proc.kill()
                break
        try:
            proc.wait(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.returncode not in (0, -9) and proc.stderr is not None:
            self.errors.append(f"exit {proc.returncode}: {proc.stderr.read().strip()[:200]}")


def board_marks_on_lab_clock(
    stderr_lines: list[tuple[float, str]],
) -> tuple[dict[str, float], float | None]:
    """Phase times of the board mapped onto the lab clock, and the offset used.

    Each ``@@phase <name> <t>`` / ``@@sync <t>`` line carries the board's clock and was stamped
    on arrival; the smallest difference is the clock offset plus the fastest delivery, so a
    mark that was delivered late (a busy link or host) does not move the window.
    """
    stamped: list[tuple[float, float, str]] = []
    for arrival, line in stderr_lines:
        parts = line.split()
        try:
            if len(parts) == 3 and parts[0] == "@@phase":
                stamped.append((arrival, float(parts[2]), parts[1]))
            elif len(parts) == 2 and parts[0] == "@@sync":
                stamped.append((arrival, float(parts[1]), ""))
        except ValueError:
            continue
    if not stamped:
        return {}, None
    offset = min(arrival - board for arrival, board, _ in stamped)
    return {name: board + offset for _, board, name in stamped if name}, offset


def window_energy(samples: list[tuple[float, float]], t0: float, t1: float,
                  baseline_t0: float | None = None) -> dict[str, Any]:  # fmt: skip
    """Energy over ``[t0, t1]`` (lab clock) and the mean power of ``[baseline_t0, t0]``."""
    times = [t for t, _ in samples]
    watts = [w for _, w in samples]
    energy_j = integrate_zoh(times, watts, t0, t1)
    baseline_w = None
    if baseline_t0 is not None and t0 > baseline_t0:
        baseline_w = integrate_zoh(times, watts, baseline_t0, t0) / (t0 - baseline_t0)
    inside = [(t - t0, w) for t, w in samples if t0 <= t <= t1]
    first = baseline_t0 if baseline_t0 is not None else t0
    shown = [(t - t0, w) for t, w in samples if first <= t <= t1]
    return {
        "energy_j": energy_j,
        "mean_power_w": energy_j / (t1 - t0) if t1 > t0 else 0.0,
        "baseline_power_w": baseline_w,
        "sample_rate_hz": len(inside) / (t1 - t0) if t1 > t0 else 0.0,
        "max_gap_s": max_read_gap_s(times, t0, t1) or (t1 - t0),
        "trace": shown,  # baseline and window, relative to t0
    }


def external_measurement(command: str, stderr_lines: list[tuple[float, str]],
                         samples: list[tuple[float, float]], window: dict[str, Any], *,
                         monitor: str = "external", rail: str = "supply",
                         extra_method: dict[str, Any] | None = None) -> Any:  # fmt: skip
    """A :class:`~farm.devices.linux_result.PowerMeasurement` from lab-side samples.

    ``stderr_lines`` are the runner's stderr lines stamped on arrival; the ``@@phase`` markers
    among them give the window on the lab PC's clock. ``window`` is the runner's own
    ``window`` section (board clock), kept in the method for comparison. Any lab-side
    monitor uses it: ``monitor`` names it (``external``, ``stlink-v3pwr``...).
    """
    import numpy as np

    from farm.devices.linux_result import PowerMeasurement, edge_uncertainty_uj

    marks, offset_s = board_marks_on_lab_clock(stderr_lines)
    if "timed" not in marks or "done" not in marks:
        raise PowerMonitorError(
            f"power monitor '{command}': the runner's window markers were not received; "
            "the remote runner is too old or its stderr was lost",
        )
    energy = window_energy(samples, marks["timed"], marks["done"], marks.get("baseline"))
    inferences = int(window["inferences"])
    baseline_w = energy["baseline_power_w"]
    return PowerMeasurement(
        monitor=monitor,
        rails=(rail,),
        window_s=marks["done"] - marks["timed"],
        inferences=inferences,
        energy_uj=energy["energy_j"] * 1e6,
        energy_per_inference_uj=energy["energy_j"] * 1e6 / max(inferences, 1),
        mean_power_mw=energy["mean_power_w"] * 1000.0,
        baseline_power_mw=None if baseline_w is None else baseline_w * 1000.0,
        energy_uncertainty_uj=edge_uncertainty_uj(
            energy["mean_power_w"] * 1000.0,
            None if baseline_w is None else baseline_w * 1000.0,
            energy["max_gap_s"],
            inferences,
        ),
        sample_rate_hz=energy["sample_rate_hz"],
        trace_t_s=np.asarray([t for t, _ in energy["trace"]], dtype=np.float64),
        trace_mw=np.asarray([w * 1000.0 for _, w in energy["trace"]], dtype=np.float64),
        method={
            "power_source": "external command on the lab PC, one watts value per line"
            if monitor == "external"
            else f"{monitor} on the lab PC, free-running capture",
            "command": command,
            "monitor_method": extra_method or {},
            "window_alignment": "board clock mapped to the lab clock by the smallest "
            "(arrival - board stamp) of the @@phase/@@sync marks streamed over SSH; edges late "
            "by at most that minimum one-way latency",
            "clock_offset_s": offset_s,
            "max_sample_gap_s": energy["max_gap_s"],
            "board_window_s": window["end_s"] - window["start_s"],
            "integration": "zero-order hold of each sample over the window",
        },
    )
