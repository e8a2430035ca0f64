"""A virtual supply rail for virtual Linux boards: fake INA3221 sysfs files or a watts file.

The rail follows a two-level power model: ``idle_w``, or ``active_w`` while any remote runner
in the board's sandbox is in its ``timed`` phase (the runner publishes its phase in
``~/.cache/joulefarm/runs/<id>/status`` on every board, real or virtual). A thread rewrites the
files every ``update_interval_ms``, as the INA3221 refreshes its registers once per conversion,
and keeps the published values with their times: that trace is the ground truth the measured
energy is compared with.

The Jetson twin's files follow the real hwmon layout (see ``farm.devices.ina3221``):
``<sysfs_root>/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3/in1_label`` = ``VDD_IN``,
``in1_input`` (mV), ``curr1_input`` (mA), so the board-side sampler reads them unchanged. The
Pi twin gets a plain ``power_w`` file that its ``external`` monitor command
(``farm.virtual.rail_reader``) streams.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HWMON_DIR = "bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3"
STATUS_GLOB = ".cache/joulefarm/runs/*/status"
# Orin Nano module rails on the 0x40 INA3221 (channel 1..3).
ORIN_NANO_LABELS = ("VDD_IN", "VDD_CPU_GPU_CV", "VDD_SOC")


@dataclass(frozen=True)
class RailPowerModel:
    """Two-level power model of a board's supply rail (ground truth of the twin)."""

    idle_w: float
    active_w: float
    update_interval_ms: float = 5.0
    voltage_mv: int = 5000


def _write_atomic(path: Path, text: str) -> None:
    # A reader opening the path sees the old or the new value, never half a number.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class VirtualRail:
    """Publishes a rail's power into files while watching the sandbox's runners."""

    def __init__(
        self,
        model: RailPowerModel,
        sandbox_dir: Path,
        *,
        sysfs_root: Path | None = None,
        watts_file: Path | None = None,
    ) -> None:
        self.model = model
        self.sandbox_dir = sandbox_dir
        self.sysfs_root = sysfs_root
        self.watts_file = watts_file
        self.trace: list[tuple[float, float]] = []  # (monotonic_s, watts) as published
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="virtual-rail", daemon=True)
        if sysfs_root is not None:
            self._make_hwmon_tree(sysfs_root / HWMON_DIR)

    def _make_hwmon_tree(self, hwmon: Path) -> None:
        hwmon.mkdir(parents=True, exist_ok=True)
        _write_atomic(hwmon / "name", "ina3221\n")
        _write_atomic(hwmon / "update_interval", f"{round(self.model.update_interval_ms)}\n")
        for channel, label in enumerate(ORIN_NANO_LABELS, start=1):
            _write_atomic(hwmon / f"in{channel}_label", label + "\n")
            _write_atomic(hwmon / f"in{channel}_input", f"{self.model.voltage_mv}\n")
            _write_atomic(hwmon / f"curr{channel}_input", "0\n")

    def start(self) -> VirtualRail:
        """Publish the idle value, then follow the model in a background thread."""
        self._publish(self._power_w())
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop updating the files (they keep their last value)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)

    def active(self) -> bool:
        """True while a live runner of this sandbox is in its timed phase."""
        for status in self.sandbox_dir.glob(STATUS_GLOB):
            try:
                phase, pid = status.read_text().split()
            except (OSError, ValueError):
                continue  # replaced or removed between glob and read
            # A killed runner leaves "timed" behind: only a live process draws power.
            if phase == "timed" and Path(f"/proc/{pid}").exists():
                return True
        return False

    def _power_w(self) -> float:
        return self.model.active_w if self.active() else self.model.idle_w

    def _publish(self, watts: float) -> None:
        visible = time.monotonic()
        if self.sysfs_root is not None:
            hwmon = self.sysfs_root / HWMON_DIR
            volts = self.model.voltage_mv / 1000.0
            dynamic = watts - self.model.idle_w
            parts = (watts, 0.3 + 0.8 * dynamic, 0.9)  # VDD_IN, CPU_GPU_CV, SOC
            currents_ma = [round(p / volts * 1000.0) for p in parts]
            _write_atomic(hwmon / "curr1_input", f"{currents_ma[0]}\n")  # VDD_IN first
            visible = time.monotonic()  # the moment a reader can see the new value
            for channel, current in enumerate(currents_ma[1:], start=2):
                _write_atomic(hwmon / f"curr{channel}_input", f"{current}\n")
            watts = currents_ma[0] * self.model.voltage_mv / 1e6  # what a reader computes
        if self.watts_file is not None:
            _write_atomic(self.watts_file, f"{watts:.6f}\n")
            visible = time.monotonic()
        with self._lock:
            self.trace.append((visible, watts))

    def _loop(self) -> None:
        period = self.model.update_interval_ms / 1000.0
        while not self._stop.wait(period):
            self._publish(self._power_w())

    def watts_between(self, t0: float, t1: float) -> list[float]:
        """The values published in ``[t0, t1]`` (monotonic seconds), with the one in force at t0."""
        with self._lock:
            trace = list(self.trace)
        before = [watts for start, watts in trace if start <= t0][-1:]
        return before + [watts for start, watts in trace if t0 < start <= t1]

    def energy_j(self, t0: float, t1: float) -> float:
        """Ground-truth energy over ``[t0, t1]`` (monotonic seconds) of the published values."""
        with self._lock:
            trace = list(self.trace)
        total = 0.0
        for i, (start, watts) in enumerate(trace):
            end = trace[i + 1][0] if i + 1 < len(trace) else max(t1, start)
            lo, hi = max(start, t0), min(end, t1)
            if hi > lo:
                total += watts * (hi - lo)
        return total


# Ground truth of the twins (virtual numbers, labelled so): a Jetson Orin Nano module idles
# around 4-5 W on VDD_IN and draws about 7 W with a CPU core busy (15 W mode ceiling); a Pi 5
# idles near 2.7 W and reaches about 6 W under single-core load at 5.1 V.
TWIN_POWER_MODELS: dict[str, RailPowerModel] = {
    "JETSON_ORIN_NANO": RailPowerModel(idle_w=4.5, active_w=7.0, voltage_mv=5000),
    "RPI5": RailPowerModel(idle_w=2.7, active_w=6.0, voltage_mv=5100),
    "RPI4": RailPowerModel(idle_w=2.9, active_w=5.1, voltage_mv=5100),
}
