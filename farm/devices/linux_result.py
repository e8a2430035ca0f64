"""What a Linux board run returns: latency statistics, outputs, power, and how they were measured.

Parses the remote runner's JSON document (protocol 1, see ``farm.devices.remote_runner``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from farm.errors import SshError


class RuntimeMissingError(Exception):
    """The board has no runtime for this model format: a *skip with reason*, not a failure.

    Deliberately outside the farm's error tree (it is neither bad input nor a lab failure);
    the HIL suite turns it into ``pytest.skip(str(exc))``.
    """

    def __init__(self, reason: str, *, board: str, runtimes: dict[str, str]) -> None:
        self.reason = reason
        self.board = board
        self.runtimes = runtimes
        super().__init__(f"board '{board}': {reason}")


class RemoteModelError(Exception):
    """The board's runtime rejected the model or its inputs: a *test failure*, not infra.

    Outside the farm's error tree on purpose, so it is neither retried nor counted against the
    board (a model the runtime cannot load would otherwise quarantine healthy boards).
    """

    def __init__(self, reason: str, *, board: str) -> None:
        self.reason = reason
        self.board = board
        super().__init__(f"board '{board}': the runtime rejected the model: {reason}")


@dataclass(frozen=True)
class LatencyStats:
    """Per-inference latency over the timed iterations (``invoke()`` / ``run()`` only)."""

    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float


@dataclass(frozen=True)
class PowerMeasurement:
    """Rail power over the timed window and the energy per inference derived from it.

    Energy is the whole rail (idle included); ``baseline_power_mw`` is the same rail just
    before the window, so ``(mean_power_mw - baseline_power_mw) * window`` is the dynamic part.
    """

    monitor: str  # "ina3221", "external", "stlink-v3pwr" or "lpm01a"
    rails: tuple[str, ...]
    window_s: float
    inferences: int
    energy_uj: float
    energy_per_inference_uj: float
    mean_power_mw: float
    baseline_power_mw: float | None
    sample_rate_hz: float
    trace_t_s: np.ndarray  # relative to the window start (baseline samples are negative)
    trace_mw: np.ndarray
    voltage_mv: float | None = None  # rail voltage when the monitor reports it
    energy_uncertainty_uj: float | None = None  # per inference, from the window edges
    method: dict[str, Any] = field(default_factory=dict)

    @property
    def peak_power_mw(self) -> float | None:
        """Highest power read inside the timed window."""
        inside = self.trace_mw[(self.trace_t_s >= 0) & (self.trace_t_s <= self.window_s)]
        return float(inside.max()) if inside.size else None

    def trace_arrays(self, nominal_voltage_mv: float = 5000.0) -> dict[str, Any]:
        """Arguments for ``farm.results.trace.write_trace`` (current from power and voltage).

        The monitors report power; current is power / rail voltage (the measured voltage when
        known, else ``nominal_voltage_mv``, recorded as the ``voltage_v`` column).
        """
        volts = (self.voltage_mv or nominal_voltage_mv) / 1000.0
        return {
            "t_s": self.trace_t_s,
            "current_a": self.trace_mw / 1000.0 / volts,
            "voltage_v": np.full_like(self.trace_t_s, volts),
            "windows": [(0.0, self.window_s)],
        }

    @property
    def dynamic_energy_per_inference_uj(self) -> float | None:
        """Energy per inference above the idle baseline, when a baseline was measured."""
        if self.baseline_power_mw is None or self.inferences == 0:
            return None
        extra_mj = (self.mean_power_mw - self.baseline_power_mw) * self.window_s
        return extra_mj * 1000.0 / self.inferences


@dataclass(frozen=True)
class RemoteRunResult:
    """One model run on one Linux board."""

    board: str
    runtime: str
    runtime_version: str
    resolver: str | None  # "builtin_ref" / "builtin" for LiteRT, None for onnxruntime
    latency: LatencyStats
    iterations: int
    warmup: int
    threads: int
    outputs: list[list[np.ndarray]]  # [input index][output tensor index]
    window_start_s: float  # board's time.monotonic() at the start / end of the timed window
    window_end_s: float
    power: PowerMeasurement | None
    method: dict[str, Any]

    @property
    def first_outputs(self) -> list[np.ndarray]:
        """Output tensor 0 for each input (the common single-output case)."""
        return [per_input[0] for per_input in self.outputs]


def edge_uncertainty_uj(level_mw: float, baseline_mw: float | None, edge_s: float,
                        inferences: int) -> float | None:  # fmt: skip
    """Energy per inference the window edges can misplace.

    At each edge the monitor may still show the old level for up to ``edge_s`` (sensor update
    plus read period), so the error is at most (window level - baseline) x edge_s, twice.
    """
    if baseline_mw is None or inferences <= 0:
        return None
    return abs(level_mw - baseline_mw) * edge_s * 2 * 1000.0 / inferences


def decode_array(doc: dict[str, Any]) -> np.ndarray:
    """An array from the runner's ``{dtype, shape, b64}`` encoding."""
    raw = base64.b64decode(doc["b64"])
    return np.frombuffer(raw, dtype=np.dtype(doc["dtype"])).reshape(doc["shape"]).copy()


def ina3221_power(doc: dict[str, Any], inferences: int, board: str) -> PowerMeasurement:
    """The runner's ``power`` section (measured on the board) as a measurement."""
    if "error" in doc:
        from farm.errors import PowerMonitorError

        raise PowerMonitorError(
            f"board '{board}': INA3221 sampling failed: {doc['error']}; check "
            "power_monitor.rail and ssh.sysfs_root in the inventory",
            board=board,
        )
    read_gap_s = doc.get("max_read_gap_s") or (doc.get("period_ms") or 0.0) / 1000.0
    edge_s = (doc.get("update_interval_ms") or 0.0) / 1000.0 + read_gap_s
    trace_t_s = np.asarray(doc["trace_t_s"], dtype=np.float64)
    trace_mw = np.asarray(doc["trace_mw"], dtype=np.float64)
    inside = trace_mw[(trace_t_s >= 0) & (trace_t_s <= doc["window_s"])]
    # An edge misplaces the step between the levels on its two sides: up to the window's highest
    # read (the mean understates it when the rail rose late in the window).
    level_mw = (
        max(float(inside.max()), doc["mean_power_mw"]) if inside.size else doc["mean_power_mw"]
    )
    return PowerMeasurement(
        monitor="ina3221",
        rails=tuple(doc["rails"]),
        window_s=doc["window_s"],
        inferences=inferences,
        energy_uj=doc["energy_uj"],
        energy_per_inference_uj=doc["energy_per_inference_uj"],
        mean_power_mw=doc["mean_power_mw"],
        baseline_power_mw=doc.get("baseline_power_mw"),
        sample_rate_hz=doc["read_rate_hz"],
        trace_t_s=trace_t_s,
        trace_mw=trace_mw,
        voltage_mv=doc.get("voltage_mv"),
        energy_uncertainty_uj=edge_uncertainty_uj(
            level_mw, doc.get("baseline_power_mw"), edge_s, inferences
        ),
        method={
            "power_source": "INA3221 sysfs on the board, sampled by a separate process",
            "sysfs_files": doc.get("files"),
            "layout": doc.get("layout"),
            "sensor_update_interval_ms": doc.get("update_interval_ms"),
            "read_period_ms": doc.get("period_ms"),
            "max_read_gap_s": doc.get("max_read_gap_s"),
            "read_rate_hz": doc["read_rate_hz"],
            "distinct_values_in_window": doc.get("distinct_values_in_window"),
            "integration": "zero-order hold of each read over the timed window",
        },
    )


def parse_document(doc: dict[str, Any], board: str) -> dict[str, Any]:
    """Check the runner's status; raises for runtime-missing and runner errors."""
    status = doc.get("status")
    if status == "runtime-missing":
        raise RuntimeMissingError(doc["reason"], board=board, runtimes=doc.get("runtimes", {}))
    if status == "model-error":
        raise RemoteModelError(doc["reason"], board=board)
    if status != "ok":
        raise SshError(
            f"board '{board}': the remote runner failed: {doc.get('reason', doc)}; see the "
            "board log",
            board=board,
        )
    return doc


def build_result(doc: dict[str, Any], board: str, power: PowerMeasurement | None,
                 method: dict[str, Any]) -> RemoteRunResult:  # fmt: skip
    """The typed result of a successful runner document."""
    lat = doc["latency_ms"]
    return RemoteRunResult(
        board=board,
        runtime=doc["runtime"]["name"],
        runtime_version=doc["runtime"]["version"],
        resolver=doc.get("resolver"),
        latency=LatencyStats(lat["median"], lat["p90"], lat["min"], lat["max"], lat["mean"]),
        iterations=doc["iterations"],
        warmup=doc["warmup"],
        threads=doc["threads"],
        outputs=[[decode_array(o) for o in per_input] for per_input in doc["outputs"]],
        window_start_s=doc["window"]["start_s"],
        window_end_s=doc["window"]["end_s"],
        power=power,
        method=method,
    )
