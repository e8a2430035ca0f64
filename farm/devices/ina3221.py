"""INA3221 rail discovery and sampling on a Jetson, run *on the board* as a script.

Self-contained on purpose (stdlib only, Python >= 3.8, must not import ``farm``): the farm
uploads this file next to the remote runner, which loads it to start it as a separate process
(:class:`SamplerProcess`, so sampling never waits for the interpreter's GIL while an inference
runs) and to turn the samples into window energy (:func:`summarize`).

Sysfs layouts (verified against the kernel's ``Documentation/hwmon/ina3221.rst`` and Jetson
tools reading Orin rails):

* JetPack 5/6 (mainline ``ina3221`` hwmon driver; Orin Nano: I2C bus 1, address 0x40):
  ``<sysfs>/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon*/in1_label`` = ``VDD_IN``,
  ``in2_label`` = ``VDD_CPU_GPU_CV``, ``in3_label`` = ``VDD_SOC``; ``in<N>_input`` is the bus
  voltage in mV, ``curr<N>_input`` the current in mA, ``update_interval`` the conversion
  period in ms.
* JetPack 4 (NVIDIA ``ina3221x`` IIO driver): ``<sysfs>/bus/i2c/drivers/ina3221x/*/iio:device*/``
  with ``rail_name_<K>`` and ``in_power<K>_input`` in mW.

``<sysfs>`` is the sysfs mount point (``/sys`` on a real board), so a virtual board can point
the same code at a fake tree.

The sampler writes a JSON header line, then one line per read: ``<monotonic_s> <mW> [<mW>...]``
(one column per requested rail). The clock is ``time.monotonic()``, the same clock the runner
uses for its timed window, so both sides of the board agree without synchronisation.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import time

HWMON_GLOB = "bus/i2c/drivers/ina3221/*/hwmon/hwmon*"
IIO_GLOB = "bus/i2c/drivers/ina3221x/*/iio:device*"


class Rail:
    """One monitored supply rail and how to read its power."""

    def __init__(self, label: str, files: list[str], layout: str) -> None:
        self.label = label
        self.files = files  # hwmon: [voltage mV, current mA]; iio: [power mW]
        self.layout = layout

    def read_mw(self) -> float:
        """Instantaneous rail power in milliwatts."""
        if self.layout == "hwmon":
            return _read_number(self.files[0]) * _read_number(self.files[1]) / 1000.0
        return _read_number(self.files[0])


def _read_number(path: str) -> float:
    with open(path, "rb") as handle:
        return float(handle.read().strip() or b"0")


def _read_text(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read().strip()
    except OSError:
        return ""


def discover_rails(sysfs_root: str) -> dict[str, Rail]:
    """Every INA3221 rail found under ``sysfs_root``, keyed by its label."""
    rails: dict[str, Rail] = {}
    for hwmon in sorted(glob.glob(os.path.join(sysfs_root, HWMON_GLOB))):
        for channel in (1, 2, 3):
            label = _read_text(os.path.join(hwmon, f"in{channel}_label"))
            volt = os.path.join(hwmon, f"in{channel}_input")
            curr = os.path.join(hwmon, f"curr{channel}_input")
            if label and os.path.exists(volt) and os.path.exists(curr):
                rails.setdefault(label, Rail(label, [volt, curr], "hwmon"))
    for iio in sorted(glob.glob(os.path.join(sysfs_root, IIO_GLOB))):
        for channel in (0, 1, 2):
            label = _read_text(os.path.join(iio, f"rail_name_{channel}"))
            power = os.path.join(iio, f"in_power{channel}_input")
            if label and os.path.exists(power):
                rails.setdefault(label, Rail(label, [power], "iio"))
    return rails


def update_interval_ms(rail: Rail) -> float | None:
    """The sensor's conversion period when the driver exposes it (hwmon only)."""
    text = _read_text(os.path.join(os.path.dirname(rail.files[0]), "update_interval"))
    try:
        return float(text)
    except ValueError:
        return None


def auto_period_ms(update_ms: float | None) -> float:
    """Read period: 4 reads per sensor update, 1..20 ms (each read is an I2C transfer on a
    real board, so reading much faster only loads the CPU being measured)."""
    if update_ms is None:
        return 5.0
    return min(max(update_ms / 4.0, 1.0), 20.0)


def integrate_zoh(times_s: list[float], values: list[float], t0: float, t1: float) -> float:
    """Integral of a sampled signal over ``[t0, t1]``, each value held until the next read.

    Zero-order hold matches the sensor: its register keeps the last conversion until the next
    one. The value read last before ``t0`` covers the start of the window.
    """
    total = 0.0
    for i, start in enumerate(times_s):
        end = times_s[i + 1] if i + 1 < len(times_s) else t1
        lo, hi = max(start, t0), min(end, t1)
        if hi > lo:
            total += values[i] * (hi - lo)
    return total


def max_read_gap_s(times_s: list[float], t0: float, t1: float) -> float | None:
    """The longest a value read may have been held inside ``[t0, t1]`` (None: no span).

    A descheduled sampler reads late, and the uncertainty must say so. The span runs from the
    read whose value holds at ``t0`` (the last one at or before it) to the first read at or after
    ``t1`` (or ``t1`` itself if none came): a sampler that slept across an edge leaves its gap
    there, however long before the edge its last read was.
    """
    before = [t for t in times_s if t <= t0]
    start = before[-1] if before else t0
    after = [t for t in times_s if t >= t1]
    end = after[0] if after else t1
    span = [start] + [t for t in times_s if start < t < end] + [end]
    gaps = [span[i + 1] - span[i] for i in range(len(span) - 1)]
    return max(gaps) if gaps else None


class SamplerProcess:
    """This script run as the runner's child, writing to a file (never blocked by its GIL)."""

    def __init__(self, script: str, sysfs_root: str, rails: str, period_ms: float,
                 out: str) -> None:  # fmt: skip
        self.out = out
        cmd = [sys.executable, script, "--sysfs-root", sysfs_root, "--rails", rails,
               "--period-ms", str(period_ms), "--out", out, "--parent-pid", str(os.getpid())]  # fmt: skip
        self.proc = subprocess.Popen(cmd, stdout=sys.stderr, stderr=sys.stderr)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self._lines() >= 2:
                return  # header and one sample: the window can start
            time.sleep(0.005)

    def _lines(self) -> int:
        try:
            with open(self.out) as handle:
                return handle.read().count("\n")
        except OSError:
            return 0

    def stop(self) -> dict:
        """Stop sampling; the header plus ``t_s`` and summed ``power_mw``, or an ``error``."""
        died = self.proc.poll()
        if died is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        try:
            with open(self.out) as handle:
                lines = handle.read().splitlines()
        except OSError:
            lines = []
        if not lines:
            return {"error": f"sampler exited with {self.proc.returncode} before writing"}
        header = json.loads(lines[0])
        if "error" in header:
            return header
        if died is not None:  # its last value would be held to the end of the window: refuse
            return {"error": f"sampler died during the window (exit {died}); see the board log"}
        times, values = [], []
        for line in lines[1:]:
            fields = line.split()
            if len(fields) == 1 + len(header["rails"]):
                times.append(float(fields[0]))
                values.append(sum(float(f) for f in fields[1:]))
        header.update({"t_s": times, "power_mw": values})
        return header


def summarize(trace: dict, phases: dict, inferences: int) -> dict:
    """Energy of the timed window and the idle baseline before it, from the rail trace.

    ``phases`` maps the runner's phase names to their ``time.monotonic()`` (``baseline``,
    ``timed``, ``done``).
    """
    if "error" in trace:
        return trace
    times, power = trace.pop("t_s"), trace.pop("power_mw")
    t0, t1 = phases["timed"], phases["done"]
    b0 = phases.get("baseline", t0)
    window_mj = integrate_zoh(times, power, t0, t1)  # mW * s = mJ
    baseline_mw = integrate_zoh(times, power, b0, t0) / (t0 - b0) if t0 > b0 else None
    inside = [t for t in times if t0 <= t <= t1]
    trace.update({
        "max_read_gap_s": max_read_gap_s(times, t0, t1),
        "window_s": t1 - t0,
        "energy_uj": window_mj * 1000.0,
        "energy_per_inference_uj": window_mj * 1000.0 / max(inferences, 1),
        "mean_power_mw": window_mj / (t1 - t0) if t1 > t0 else None,
        "baseline_power_mw": baseline_mw,
        "read_rate_hz": len(inside) / (t1 - t0) if t1 > t0 else 0.0,
        "distinct_values_in_window": len({power[i] for i, t in enumerate(times) if t0 <= t <= t1}),
        "trace_t_s": [t - t0 for t in times][:20000],
        "trace_mw": power[:20000],
    })  # fmt: skip
    return trace


def _sample(rails: list[Rail], period_s: float, out, parent_pid: int) -> None:
    next_t = time.monotonic()
    first = True
    while True:
        now = time.monotonic()
        values = " ".join(f"{r.read_mw():.3f}" for r in rails)
        out.write(f"{now:.6f} {values}\n")
        if first:  # the runner starts its window once it sees a sample: do not buffer it
            out.flush()
            first = False
        if parent_pid and os.getppid() != parent_pid:
            return  # the runner died: never outlive it
        next_t += period_s
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = time.monotonic()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sample INA3221 rails from sysfs.")
    parser.add_argument("--sysfs-root", default="/sys")
    parser.add_argument("--rails", default="VDD_IN", help="comma-separated rail labels")
    parser.add_argument(
        "--period-ms", type=float, default=0.0, help="read period; 0: a quarter of the sensor's"
    )
    parser.add_argument("--out", help="sample file (required unless --list)")
    parser.add_argument("--parent-pid", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="print the rails found and exit")
    args = parser.parse_args(argv)
    found = discover_rails(args.sysfs_root)
    if args.list:
        print(json.dumps({k: r.files for k, r in found.items()}))
        return 0
    if not args.out:
        parser.error("--out is required to sample")
    wanted = [name for name in args.rails.split(",") if name]
    missing = [name for name in wanted if name not in found]
    with open(args.out, "w") as out:
        if missing or not wanted:
            names = ",".join(missing) or "(none requested)"
            present = ", ".join(sorted(found)) or "no INA3221 rail"
            error = f"rails {names} not found under {args.sysfs_root}; found: {present}"
            out.write(json.dumps({"error": error}) + "\n")
            return 3
        rails = [found[name] for name in wanted]
        period_ms = args.period_ms or auto_period_ms(update_interval_ms(rails[0]))
        header = {
            "rails": wanted,
            "files": [r.files for r in rails],
            "layout": rails[0].layout,
            "update_interval_ms": update_interval_ms(rails[0]),
            "voltage_mv": _read_number(rails[0].files[0]) if rails[0].layout == "hwmon" else None,
            "period_ms": period_ms,
        }
        out.write(json.dumps(header) + "\n")
        out.flush()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            _sample(rails, period_ms / 1000.0, out, args.parent_pid)
        finally:
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
