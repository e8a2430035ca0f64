"""Inference on a prepared MCU board through the DUT protocol: outputs and latency.

Correctness: each input is uploaded with ``db`` chunks, run once, and the int8 output tensor
read back with ``results-raw%`` and compared byte for byte with the host reference. Latency:
several timed windows of ``infer N W``; the figure is the median window. On real boards a
window is timed by the firmware's microsecond timer; on a QEMU twin by the instruction count
(``cycles%``), converted with the real target's clock and the catalog's per-core factor.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from farm.devices.protocols import Board
from farm.dut import InferResult


@dataclass
class OutputCheck:
    """Board outputs against the reference."""

    outputs: list[bytes] = field(default_factory=list)
    mismatched_inputs: list[int] = field(default_factory=list)
    max_abs_diff: int = 0

    @property
    def bit_exact(self) -> bool:
        return not self.mismatched_inputs


@dataclass
class LatencyWindows:
    """Timed windows and the figure derived from them."""

    windows: list[InferResult]
    latency_us: list[float]
    method: str

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


def check_outputs(
    board: Board, inputs: list[np.ndarray], expected: list[np.ndarray]
) -> OutputCheck:
    """Run every input once and compare the raw int8 outputs with ``expected``."""
    dut = board.dut()
    check = OutputCheck()
    for index, (x, ref) in enumerate(zip(inputs, expected, strict=True)):
        dut.load_input(np.ascontiguousarray(x, dtype=np.int8).tobytes())
        result = dut.infer(1, 0)
        raw = dut.results_raw()
        if raw is None:
            # Firmware without results-raw% gives 3-decimal floats only: bit-exactness cannot
            # be shown, so the input counts as a mismatch.
            check.outputs.append(np.asarray(result.results, dtype=np.float32).tobytes())
            check.mismatched_inputs.append(index)
            continue
        check.outputs.append(raw)
        got8 = np.frombuffer(raw, dtype=np.int8)
        want8 = np.asarray(ref, dtype=np.int8).reshape(-1)
        if got8.shape != want8.shape or not np.array_equal(got8, want8):
            check.mismatched_inputs.append(index)
            if got8.shape == want8.shape:
                diff = np.abs(got8.astype(np.int16) - want8.astype(np.int16))
                check.max_abs_diff = max(check.max_abs_diff, int(diff.max()))
            else:
                check.max_abs_diff = max(check.max_abs_diff, 256)
    return check


def time_windows(board: Board, n: int, warmup: int, windows: int) -> LatencyWindows:
    """``windows`` timed windows of ``infer n warmup`` on the input already loaded."""
    dut = board.dut()
    facts = board.facts
    results = [dut.infer(n, warmup if i == 0 else 0) for i in range(windows)]
    latency = [facts.latency_us(r) for r in results]
    if any(v is None for v in latency):
        raise ValueError("the firmware reported no timestamps and no cycle count")
    if facts.virtual:
        method = (
            f"virtual: QEMU -icount instructions x {facts.cycles_per_instruction} cycles/instr "
            f"/ {facts.clock_hz / 1e6:g} MHz; median of {windows} windows of {n}"
        )
    else:
        method = f"device timer (m-lap-us); median of {windows} windows of {n}"
    return LatencyWindows(results, [float(v) for v in latency if v is not None], method)
