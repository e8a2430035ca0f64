"""Inference on a prepared MCU board through the DUT protocol: outputs and latency.

Correctness: each input is uploaded with ``db`` chunks, run once, and the int8 output tensor
read back with ``results-raw%`` and compared byte for byte with the host reference. A plain
MLPerf Tiny firmware (a lab's TFLM or vendor build, without the farm's extensions) only prints
``m-results-[...]`` with 3 decimals: then each value is compared with the reference's
dequantized output within half a display step (0.0005), and the row says so. Latency:
several timed windows of ``infer N W``; the figure is the median window. On real boards a
window is timed by the firmware's microsecond timer; on a QEMU twin by the instruction count
(``cycles%``), converted with the real target's clock and the catalog's per-core factor.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from farm.devices.dut import InferResult
from farm.devices.protocols import Board, BoardFacts

DISPLAY_STEP = 0.001
"""MLPerf Tiny's ``m-results`` print 3 decimals."""
DISPLAY_TOLERANCE = DISPLAY_STEP / 2 + 1e-6
"""Half a display step (rounding), plus float32 slack of the firmware's own dequantization."""
RAW_METHOD = "int8 output tensor via results-raw%, bit for bit"
DECIMAL_METHOD = (
    f"m-results (3 decimals) vs the reference's dequantized outputs within "
    f"+/-{DISPLAY_STEP / 2:g} (half a display step); firmware has no results-raw%"
)


@dataclass
class OutputCheck:
    """Board outputs against the reference."""

    outputs: list[bytes] = field(default_factory=list)
    mismatched_inputs: list[int] = field(default_factory=list)
    max_abs_diff: float = 0
    method: str = RAW_METHOD

    @property
    def bit_exact(self) -> bool | None:
        """True/False on the raw route; None when only 3-decimal outputs could be compared."""
        return None if self.method != RAW_METHOD else not self.mismatched_inputs

    @property
    def passed(self) -> bool:
        return not self.mismatched_inputs


@dataclass
class LatencyWindows:
    """Timed windows and the figure derived from them."""

    windows: list[InferResult]
    latency_us: list[float]
    method: str
    cycles_estimated: list[int] = field(default_factory=list)
    """A twin's estimated core cycles of one inference, per window (cycle model)."""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latency_us) / 1000.0

    @property
    def p90_ms(self) -> float:
        ordered = sorted(self.latency_us)
        return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))] / 1000.0

    @property
    def cycles_per_inference(self) -> int | None:
        counts = [w.cycles // w.n for w in self.windows if w.cycles is not None]
        return int(statistics.median(counts)) if counts else None

    @property
    def cycles_estimated_per_inference(self) -> int | None:
        return int(statistics.median(self.cycles_estimated)) if self.cycles_estimated else None


def check_outputs(
    board: Board,
    inputs: list[np.ndarray],
    expected: list[np.ndarray],
    output_quant: tuple[float, int] | None = None,
) -> OutputCheck:
    """Run every input once and compare the outputs with ``expected`` (int8).

    Bit for bit through ``results-raw%``; on firmware without it, the 3-decimal ``m-results``
    against ``expected`` dequantized with ``output_quant`` (scale, zero point).
    """
    dut = board.dut()
    check = OutputCheck()
    for index, (x, ref) in enumerate(zip(inputs, expected, strict=True)):
        dut.load_input(np.ascontiguousarray(x, dtype=np.int8).tobytes())
        result = dut.infer(1, 0)
        raw = dut.results_raw()
        want8 = np.asarray(ref, dtype=np.int8).reshape(-1)
        if raw is None:
            _compare_decimals(check, index, result.results, want8, output_quant)
            continue
        check.outputs.append(raw)
        got8 = np.frombuffer(raw, dtype=np.int8)
        if got8.shape != want8.shape or not np.array_equal(got8, want8):
            check.mismatched_inputs.append(index)
            if got8.shape == want8.shape:
                diff = np.abs(got8.astype(np.int16) - want8.astype(np.int16))
                check.max_abs_diff = max(check.max_abs_diff, int(diff.max()))
            else:
                check.max_abs_diff = max(check.max_abs_diff, 256)
    return check


def _compare_decimals(
    check: OutputCheck,
    index: int,
    printed: list[float],
    want8: np.ndarray,
    output_quant: tuple[float, int] | None,
) -> None:
    """The 3-decimal route for one input (``max_abs_diff`` in output units, not LSB)."""
    check.method = DECIMAL_METHOD
    got = np.asarray(printed, dtype=np.float64)
    check.outputs.append(got.astype(np.float32).tobytes())
    if output_quant is None:
        # Without the output's scale the printed values cannot be checked at all.
        check.mismatched_inputs.append(index)
        return
    scale, zero_point = output_quant
    want = (want8.astype(np.float64) - zero_point) * scale
    if got.shape != want.shape:
        check.mismatched_inputs.append(index)
        check.max_abs_diff = max(check.max_abs_diff, float("inf"))
        return
    diff = float(np.max(np.abs(got - want))) if got.size else 0.0
    check.max_abs_diff = max(check.max_abs_diff, diff)
    if diff > DISPLAY_TOLERANCE:
        check.mismatched_inputs.append(index)


def time_windows(board: Board, n: int, warmup: int, windows: int) -> LatencyWindows:
    """``windows`` timed windows of ``infer n warmup`` on the input already loaded."""
    dut = board.dut()
    facts = board.facts
    results = [dut.infer(n, warmup if i == 0 else 0) for i in range(windows)]
    latency = [facts.latency_us(r) for r in results]
    if any(v is None for v in latency):
        raise ValueError("the firmware reported no timestamps and no cycle count")
    if facts.virtual:
        method = f"virtual: {_twin_factor(facts)}; median of {windows} windows of {n}"
        if results[0].cycles is None:
            method = f"virtual: m-lap-us of the twin ({_twin_factor(facts)}); median of "
            method += f"{windows} windows of {n}; firmware has no cycles%"
    else:
        method = f"device timer (m-lap-us); median of {windows} windows of {n}"
    estimated = [c for r in results if (c := facts.cycles_estimated(r)) is not None]
    return LatencyWindows(results, [float(v) for v in latency if v is not None], method, estimated)


def _twin_factor(facts: BoardFacts) -> str:
    """How a twin's instruction count became the target's time (estimate or labelled fallback)."""
    mhz = f"{facts.clock_hz / 1e6:g} MHz"
    if facts.cycle_estimate is not None:
        return (
            f"QEMU -icount instructions x {facts.cycles_per_instruction:.3f} estimated "
            f"cycles/instr / {mhz}; {facts.cycle_estimate.method}"
        )
    return (
        f"QEMU -icount instructions x {facts.cycles_per_instruction} cycles/instr / {mhz} "
        f"(flat catalog factor, fallback: {facts.cycle_fallback or 'no cycle estimate'})"
    )


def checks_possible(extensions: dict[str, bool]) -> str:
    """Which checks the firmware made possible, from the extensions it answered."""
    outputs = "bit-exact int8" if extensions.get("results-raw%") else "3-decimal m-results"
    latency = "cycles%" if extensions.get("cycles%") else "m-lap-us"
    identity = (
        "farm-info% build id"
        if extensions.get("farm-info%")
        else "not reported (no farm-info%: reflashed every test)"
    )
    return f"outputs: {outputs}; latency: {latency}; image identity: {identity}"
